// The calculator's flags as both command lines read them (phi_calc and
// `phictl phi`, which injects the calculator): what was not given reads as
// PhiCalcFlags' defaults, what was given as typed, with the binary's own
// --threshold.
#include "detector/calc/phi_calc_flags.h"

#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "detector/calc/phi_calc.h"
#include "gtest/gtest.h"

namespace phid {
namespace {

class PhiCalcFlagsTest : public ::testing::Test {
 protected:
  absl::FlagSaver saver_;  // each test's flags are put back after it
};

TEST_F(PhiCalcFlagsTest, FlagsNotGivenReadAsTheCalculatorsDefaults) {
  const PhiCalcFlags read = PhiCalcFlagsFromCommandLine("");
  const PhiCalcFlags defaults;
  EXPECT_EQ(read.model, defaults.model);
  EXPECT_EQ(read.mean, defaults.mean);
  EXPECT_EQ(read.stddev, defaults.stddev);
  EXPECT_EQ(read.intervals, defaults.intervals);
  EXPECT_EQ(read.acceptable_pause, defaults.acceptable_pause);
  EXPECT_EQ(read.min_stddev, defaults.min_stddev);
  EXPECT_EQ(read.elapsed, defaults.elapsed);
  EXPECT_EQ(read.threshold, "");
}

TEST_F(PhiCalcFlagsTest, GivenFlagsAndTheThresholdReadAsTyped) {
  absl::SetFlag(&FLAGS_model, "akka");
  absl::SetFlag(&FLAGS_mean, "1000ms");
  absl::SetFlag(&FLAGS_stddev, "100ms");
  absl::SetFlag(&FLAGS_intervals, "measured.txt");
  absl::SetFlag(&FLAGS_acceptable_pause, "2s");
  absl::SetFlag(&FLAGS_min_stddev, "50ms");
  absl::SetFlag(&FLAGS_elapsed, "1400ms");
  const PhiCalcFlags read = PhiCalcFlagsFromCommandLine("8");
  EXPECT_EQ(read.model, "akka");
  EXPECT_EQ(read.mean, "1000ms");
  EXPECT_EQ(read.stddev, "100ms");
  EXPECT_EQ(read.intervals, "measured.txt");
  EXPECT_EQ(read.acceptable_pause, "2s");
  EXPECT_EQ(read.min_stddev, "50ms");
  EXPECT_EQ(read.elapsed, "1400ms");
  EXPECT_EQ(read.threshold, "8");
}

}  // namespace
}  // namespace phid
