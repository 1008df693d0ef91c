#include "gossip/log_limiter.h"

#include "gtest/gtest.h"

namespace phid {
namespace {

TEST(LogLimiterTest, LetsOneLineAPeriodThroughAndCountsTheRest) {
  LogLimiter limiter(absl::Seconds(10));
  const MonoTime t0 = absl::Seconds(100);
  EXPECT_EQ(limiter.Admit(t0), std::optional<uint64_t>(0));
  for (int i = 1; i <= 999; ++i) {
    EXPECT_EQ(limiter.Admit(t0 + absl::Milliseconds(i)), std::nullopt);
  }
  // The next period's first line says how many were held back.
  EXPECT_EQ(limiter.Admit(t0 + absl::Seconds(10)),
            std::optional<uint64_t>(999));
  EXPECT_EQ(limiter.Admit(t0 + absl::Seconds(11)), std::nullopt);
  EXPECT_EQ(limiter.Admit(t0 + absl::Seconds(30)), std::optional<uint64_t>(1));
}

}  // namespace
}  // namespace phid
