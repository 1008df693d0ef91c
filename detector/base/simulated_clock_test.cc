#include "detector/base/simulated_clock.h"

#include "detector/base/clock.h"
#include "gtest/gtest.h"

namespace phid {
namespace {

TEST(SimulatedClockTest, StartsWhereItIsTold) {
  EXPECT_EQ(SimulatedClock().Now(), absl::Seconds(1000));
  EXPECT_EQ(SimulatedClock(absl::Milliseconds(5)).Now(), absl::Milliseconds(5));
}

TEST(SimulatedClockTest, MovesOnlyWhenAdvanced) {
  SimulatedClock clock(absl::ZeroDuration());
  EXPECT_EQ(clock.Now(), absl::ZeroDuration());
  EXPECT_EQ(clock.Now(), absl::ZeroDuration());
  clock.Advance(absl::Milliseconds(250));
  EXPECT_EQ(clock.Now(), absl::Milliseconds(250));
  clock.AdvanceTo(absl::Seconds(3));
  EXPECT_EQ(clock.Now(), absl::Seconds(3));
  clock.AdvanceTo(absl::Seconds(3));  // staying put is allowed
  EXPECT_EQ(clock.Now(), absl::Seconds(3));
}

TEST(SimulatedClockTest, IsUsableThroughTheClockInterface) {
  SimulatedClock simulated(absl::Seconds(7));
  const Clock& clock = simulated;
  simulated.Advance(absl::Seconds(1));
  EXPECT_EQ(clock.Now(), absl::Seconds(8));
}

TEST(SimulatedClockDeathTest, AdvancingToThePastIsAProgrammerError) {
  SimulatedClock clock(absl::Seconds(10));
  EXPECT_DEATH(clock.AdvanceTo(absl::Seconds(9)), "backwards");
}

}  // namespace
}  // namespace phid
