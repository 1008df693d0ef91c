#include "server/memory_trim.h"

#include "gtest/gtest.h"

namespace phid {
namespace {

MonoTime At(double seconds) { return absl::Seconds(seconds); }

TEST(MemoryTrimTest, TrimsOnceAfterMostWatchersLeftAndTheCountSettled) {
  int trims = 0;
  MemoryTrim trim([&] { ++trims; });
  for (int i = 0; i <= 2000; i += 100) trim.Observe(i, At(i / 1000.0));
  // They leave over a second; nothing is trimmed while they go.
  for (int left = 2000; left >= 0; left -= 100) {
    EXPECT_FALSE(trim.Observe(left, At(3 - left / 2000.0)));
  }
  EXPECT_FALSE(trim.Observe(0, At(4.5)));  // not settled yet
  EXPECT_TRUE(trim.Observe(0, At(5)));
  EXPECT_EQ(trims, 1);
  // Nothing more to give back until a crowd comes and goes again.
  EXPECT_FALSE(trim.Observe(0, At(10)));
  EXPECT_EQ(trims, 1);
}

TEST(MemoryTrimTest, SmallOrPartialDropsDoNotTrim) {
  int trims = 0;
  MemoryTrim trim([&] { ++trims; });
  trim.Observe(120, At(0));
  trim.Observe(25, At(1));  // below a quarter, but only 95 left
  trim.Observe(25, At(5));
  trim.Observe(1000, At(6));
  trim.Observe(300, At(7));  // 700 left: more than a quarter stay
  trim.Observe(300, At(20));
  EXPECT_EQ(trims, 0);
  trim.Observe(250, At(21));
  EXPECT_FALSE(trim.Observe(250, At(22.5)));
  EXPECT_TRUE(trim.Observe(250, At(23)));
  EXPECT_EQ(trims, 1);
}

}  // namespace
}  // namespace phid
