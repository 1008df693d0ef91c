#include "gossip/probe_limiter.h"

#include "gtest/gtest.h"

namespace phid {
namespace {

TEST(ProbeLimiterTest, OnePerMemberPerInterval) {
  ProbeLimiter limiter(absl::Seconds(10), 4);
  const MonoTime t0 = absl::Seconds(100);
  EXPECT_TRUE(limiter.Allow(7, t0));
  EXPECT_FALSE(limiter.Allow(7, t0));
  EXPECT_FALSE(limiter.Allow(7, t0 + absl::Seconds(9)));
  EXPECT_TRUE(limiter.Allow(8, t0 + absl::Seconds(9)));  // another member
  EXPECT_TRUE(limiter.Allow(7, t0 + absl::Seconds(10)));
  EXPECT_FALSE(limiter.Allow(7, t0 + absl::Seconds(19)));
}

TEST(ProbeLimiterTest, AFullTableRefusesNewMembersUntilEntriesAge) {
  ProbeLimiter limiter(absl::Seconds(10), 3);
  const MonoTime t0 = absl::Seconds(100);
  for (uint64_t id = 1; id <= 3; ++id) {
    EXPECT_TRUE(limiter.Allow(id, t0 + absl::Seconds(id)));
  }
  // Forged heartbeats under ever new ids get nothing, and take no memory.
  for (uint64_t id = 100; id < 1100; ++id) {
    EXPECT_FALSE(limiter.Allow(id, t0 + absl::Seconds(5)));
  }
  EXPECT_EQ(limiter.size(), 3u);
  // Member 1's entry is 10 s old at t0 + 11 s: it makes room.
  EXPECT_TRUE(limiter.Allow(100, t0 + absl::Seconds(11)));
  EXPECT_EQ(limiter.size(), 3u);
  EXPECT_FALSE(limiter.Allow(101, t0 + absl::Seconds(11)));
}

}  // namespace
}  // namespace phid
