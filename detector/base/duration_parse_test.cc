#include "detector/base/duration_parse.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace phid {
namespace {

using ::testing::HasSubstr;

TEST(ParseDurationArgTest, AcceptsANumberWithAUnit) {
  const struct {
    const char* text;
    absl::Duration expected;
  } kCases[] = {
      {"1400ms", absl::Milliseconds(1400)},
      {"1.5s", absl::Milliseconds(1500)},
      {"250us", absl::Microseconds(250)},
      {"2m", absl::Minutes(2)},
      {"1h", absl::Hours(1)},
      {"10ns", absl::Nanoseconds(10)},
      {"1m30s", absl::Seconds(90)},
      {"0", absl::ZeroDuration()},
      {"0s", absl::ZeroDuration()},
      {" 5ms ", absl::Milliseconds(5)},
  };
  for (const auto& c : kCases) {
    absl::StatusOr<absl::Duration> d = ParseDurationArg(c.text);
    ASSERT_TRUE(d.ok()) << c.text << ": " << d.status();
    EXPECT_EQ(*d, c.expected) << c.text;
  }
}

TEST(ParseDurationArgTest, RejectsMalformedTextNamingTheExpectedFormat) {
  for (const char* text :
       {"", "1400", "ms", "1.5 s", "fast", "5 ms", "1e3ms"}) {
    absl::StatusOr<absl::Duration> d = ParseDurationArg(text);
    ASSERT_FALSE(d.ok()) << text;
    EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(d.status().message(), HasSubstr("e.g. 1400ms, 1.5s"));
    EXPECT_THAT(d.status().message(),
                HasSubstr(std::string("\"") + text + "\""));
  }
}

TEST(ParseDurationArgTest, RejectsNegativeDurations) {
  absl::StatusOr<absl::Duration> d = ParseDurationArg("-5ms");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(d.status().message(), HasSubstr("must not be negative"));
  EXPECT_THAT(d.status().message(), HasSubstr("e.g. 1400ms"));
}

TEST(ParseDurationArgTest, RejectsInfinity) {
  absl::StatusOr<absl::Duration> d = ParseDurationArg("inf");
  ASSERT_FALSE(d.ok());
  EXPECT_THAT(d.status().message(), HasSubstr("must be finite"));
}

}  // namespace
}  // namespace phid
