#include "detector/base/clock.h"

#include "gtest/gtest.h"

namespace phid {
namespace {

TEST(RealClockTest, NeverGoesBackwards) {
  RealClock& clock = RealClock::Get();
  MonoTime previous = clock.Now();
  for (int i = 0; i < 10000; ++i) {
    const MonoTime now = clock.Now();
    ASSERT_GE(now, previous);
    previous = now;
  }
}

TEST(RealClockTest, GetReturnsOneProcessWideInstance) {
  EXPECT_EQ(&RealClock::Get(), &RealClock::Get());
}

TEST(RealClockTest, ReadsAFiniteTime) {
  const MonoTime now = RealClock::Get().Now();
  EXPECT_NE(now, absl::InfiniteDuration());
  EXPECT_NE(now, -absl::InfiniteDuration());
}

}  // namespace
}  // namespace phid
