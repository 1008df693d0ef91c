#include "detector/calc/phi_calc.h"

#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace phid {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

PhiCalcFlags Flags(const std::string& model, const std::string& mean,
                   const std::string& stddev) {
  PhiCalcFlags flags;
  flags.model = model;
  flags.mean = mean;
  flags.stddev = stddev;
  return flags;
}

std::string WriteTempFile(const std::string& name, const std::string& text) {
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string path =
      absl::StrCat(dir != nullptr ? dir : "/tmp", "/", name);
  std::ofstream(path) << text;
  return path;
}

std::string RunOrDie(const PhiCalcFlags& flags) {
  absl::StatusOr<std::string> line = RunPhiCalc(flags);
  EXPECT_TRUE(line.ok()) << line.status();
  return line.ok() ? *line : "";
}

TEST(PhiCalcTest, PrintsAkkasPublishedPhiForItsExample) {
  PhiCalcFlags flags = Flags("akka", "1000ms", "100ms");
  flags.elapsed = "1400ms";
  // Akka documents ~4.7; mpmath gives 4.7366945827 (see detector/phi_test).
  EXPECT_EQ(RunOrDie(flags), "phi=4.737");
}

TEST(PhiCalcTest, PrintsTheElapsedTimeAtWhichPhiReachesTheThreshold) {
  // References from mpmath (40 digits), solving phi(1000 + 100 y) = 8 with
  // findroot for the normal and akka formulas of phi.h; exponential is
  // 1000 * 8 * ln 10.
  const struct {
    const char* model;
    const char* expected;
  } kCases[] = {
      {"normal", "elapsed=1561.200ms"},        // 1561.2001244174788...
      {"akka", "elapsed=1522.599ms"},          // 1522.5986644093563...
      {"exponential", "elapsed=18420.681ms"},  // 18420.680743952365...
  };
  for (const auto& c : kCases) {
    PhiCalcFlags flags = Flags(c.model, "1s", "100ms");
    flags.threshold = "8";
    EXPECT_EQ(RunOrDie(flags), c.expected) << c.model;
  }
}

TEST(PhiCalcTest, ThresholdAlreadyReachedPrintsZero) {
  PhiCalcFlags flags = Flags("normal", "1ms", "100ms");
  flags.threshold = "0.1";
  EXPECT_EQ(RunOrDie(flags), "elapsed=0.000ms");
}

TEST(PhiCalcTest, ExponentialModelNeedsNoStddev) {
  PhiCalcFlags flags = Flags("exponential", "1000ms", "");
  flags.elapsed = "1s";
  EXPECT_EQ(RunOrDie(flags), "phi=0.434");
}

TEST(PhiCalcTest, AcceptablePauseDelaysPhi) {
  PhiCalcFlags flags = Flags("normal", "1000ms", "100ms");
  flags.acceptable_pause = "500ms";
  flags.elapsed = "1.5s";
  EXPECT_EQ(RunOrDie(flags), "phi=0.301");  // log10(2): at the shifted mean
}

TEST(PhiCalcTest, MinStddevFloorsAZeroStddev) {
  PhiCalcFlags flags = Flags("normal", "1000ms", "0");
  flags.min_stddev = "100ms";
  flags.elapsed = "1400ms";
  EXPECT_EQ(RunOrDie(flags), "phi=4.499");  // as with stddev 100ms
}

TEST(PhiCalcTest, IntervalsFileGivesTheAnswerOfItsMeanAndStddev) {
  // 900, 1100, 1000, 1000: mean 1000, population stddev 70.710678118654755
  // (python3 statistics.pstdev).
  const std::string path = WriteTempFile(
      "intervals.txt", "# measured\n900\n1.1s\n\n1000ms\n  1000.0  \n");
  PhiCalcFlags from_file;
  from_file.intervals = path;
  from_file.threshold = "8";
  PhiCalcFlags from_stats = Flags("normal", "1000ms", "70.710678118654755ms");
  from_stats.threshold = "8";
  EXPECT_EQ(RunOrDie(from_file), RunOrDie(from_stats));
}

TEST(PhiCalcTest, ASingleIntervalIsEnoughWithTheStddevFloor) {
  const std::string path = WriteTempFile("one.txt", "1000\n");
  PhiCalcFlags flags;
  flags.intervals = path;
  flags.elapsed = "1000ms";
  EXPECT_EQ(RunOrDie(flags), "phi=0.301");
}

TEST(PhiCalcTest, BadInputIsRejectedNamingTheFlag) {
  const std::string empty_file = WriteTempFile("empty.txt", "# nothing\n");
  const std::string bad_file = WriteTempFile("bad.txt", "1000\n1000\nsoon\n");
  const struct {
    void (*mutate)(PhiCalcFlags&);
    const char* message;
  } kCases[] = {
      {[](PhiCalcFlags& f) { f.model = "gauss"; },
       "--model: unknown phi model \"gauss\""},
      {[](PhiCalcFlags& f) { f.mean = ""; }, "--mean: required"},
      {[](PhiCalcFlags& f) { f.mean = "1000"; }, "--mean: invalid duration"},
      {[](PhiCalcFlags& f) { f.mean = "-5ms"; }, "--mean: invalid duration"},
      {[](PhiCalcFlags& f) { f.mean = "0s"; }, "--mean: must be > 0"},
      {[](PhiCalcFlags& f) { f.stddev = ""; },
       "--stddev: required for the normal model"},
      {[](PhiCalcFlags& f) { f.stddev = "wide"; },
       "--stddev: invalid duration \"wide\""},
      {[](PhiCalcFlags& f) { f.acceptable_pause = "-1s"; },
       "--acceptable_pause: invalid duration"},
      {[](PhiCalcFlags& f) { f.min_stddev = "x"; }, "--min_stddev:"},
      {[](PhiCalcFlags& f) { f.intervals = "/no/such/file"; },
       "--intervals: give either --intervals or --mean/--stddev"},
      {[](PhiCalcFlags& f) { f.threshold = "8"; }, "exactly one of --elapsed"},
      {[](PhiCalcFlags& f) { f.elapsed = ""; }, "exactly one of --elapsed"},
      {[](PhiCalcFlags& f) { f.elapsed = "soon"; },
       "--elapsed: invalid duration"},
      {[](PhiCalcFlags& f) {
         f.elapsed = "";
         f.threshold = "abc";
       },
       "--threshold: expected a number > 0"},
      {[](PhiCalcFlags& f) {
         f.elapsed = "";
         f.threshold = "0";
       },
       "--threshold: expected a number > 0"},
      {[](PhiCalcFlags& f) {
         f.elapsed = "";
         f.threshold = "inf";
       },
       "--threshold: expected a number > 0"},
  };
  for (const auto& c : kCases) {
    PhiCalcFlags flags = Flags("normal", "1000ms", "100ms");
    flags.elapsed = "1200ms";
    c.mutate(flags);
    const absl::StatusOr<std::string> line = RunPhiCalc(flags);
    ASSERT_FALSE(line.ok()) << c.message;
    EXPECT_EQ(line.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(line.status().message(), HasSubstr(c.message));
  }

  const struct {
    std::string path;
    const char* message;
  } kFiles[] = {
      {"/no/such/file",
       "--intervals: cannot read /no/such/file: No such file or directory"},
      {empty_file, "no intervals"},
      {bad_file, "line 3: invalid duration \"soon\""},
  };
  for (const auto& c : kFiles) {
    PhiCalcFlags flags;
    flags.intervals = c.path;
    flags.elapsed = "1s";
    const absl::StatusOr<std::string> line = RunPhiCalc(flags);
    ASSERT_FALSE(line.ok()) << c.message;
    EXPECT_THAT(line.status().message(), HasSubstr(c.message));
  }
}

TEST(PhiCalcTest, AnUnreachableThresholdIsOutOfRange) {
  PhiCalcFlags flags = Flags("normal", "1000ms", "100ms");
  flags.threshold = "1e308";
  const absl::StatusOr<std::string> line = RunPhiCalc(flags);
  EXPECT_EQ(line.status().code(), absl::StatusCode::kOutOfRange);
}

TEST(ParseIntervalsTest, ReadsMillisecondsAndDurationsSkippingComments) {
  absl::StatusOr<std::vector<absl::Duration>> intervals =
      ParseIntervals("# header\n1000\n\n 1.5s\r\n250us\n999.5\n");
  ASSERT_TRUE(intervals.ok()) << intervals.status();
  EXPECT_THAT(*intervals,
              ElementsAre(absl::Milliseconds(1000), absl::Milliseconds(1500),
                          absl::Microseconds(250), absl::Microseconds(999500)));
}

TEST(ParseIntervalsTest, RejectsBadLinesNamingTheLineNumber) {
  const struct {
    const char* text;
    const char* message;
  } kCases[] = {
      {"1000\n-5\n", "line 2: \"-5\" is not a finite, non-negative"},
      {"1000\nnan\n", "line 2: \"nan\""},
      {"1000\n1000\n2h\n", "line 3: \"2h\" exceeds"},
      {"fast\n", "line 1: invalid duration \"fast\""},
  };
  for (const auto& c : kCases) {
    absl::StatusOr<std::vector<absl::Duration>> intervals =
        ParseIntervals(c.text);
    ASSERT_FALSE(intervals.ok()) << c.text;
    EXPECT_THAT(intervals.status().message(), HasSubstr(c.message));
  }
}

}  // namespace
}  // namespace phid
