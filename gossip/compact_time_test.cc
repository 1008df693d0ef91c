#include "gossip/compact_time.h"

#include "gtest/gtest.h"

namespace phid {
namespace {

TEST(CompactTimeTest, IsEightBytes) { EXPECT_EQ(sizeof(CompactTime), 8u); }

TEST(CompactTimeTest, RoundTripsExactly) {
  const MonoTime times[] = {
      MonoTime(),
      absl::Nanoseconds(1) / 4,  // absl's smallest step
      -absl::Nanoseconds(1) / 4,
      absl::Milliseconds(1) * 0.123456789,  // a jittered link delay
      absl::Seconds(1234567) + absl::Nanoseconds(3) / 4,
      -absl::Hours(24 * 365 * 50) - absl::Nanoseconds(1) / 2,
      absl::Hours(24 * 365 * 70),
      absl::InfiniteDuration(),
      -absl::InfiniteDuration(),
  };
  for (MonoTime t : times) {
    EXPECT_EQ(CompactTime(t).get(), t) << t;
    EXPECT_EQ(static_cast<MonoTime>(CompactTime(t)), t) << t;
  }
  EXPECT_EQ(CompactTime().get(), MonoTime());
}

TEST(CompactTimeTest, FarTimesSaturateToInfinity) {
  EXPECT_EQ(CompactTime(absl::Hours(24 * 365 * 100)).get(),
            absl::InfiniteDuration());
  EXPECT_EQ(CompactTime(-absl::Hours(24 * 365 * 100)).get(),
            -absl::InfiniteDuration());
}

}  // namespace
}  // namespace phid
