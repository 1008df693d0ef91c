#include "client/backoff.h"

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace phid {
namespace {

BackoffOptions WithoutJitter() {
  BackoffOptions options;
  options.jitter = 0;
  return options;
}

TEST(BackoffTest, DefaultsAreValid) {
  EXPECT_TRUE(BackoffOptions().Validate().ok());
}

TEST(BackoffTest, StartsAtTheInitialDelayAndGrowsByTheMultiplier) {
  Backoff backoff(WithoutJitter(), /*seed=*/1);
  EXPECT_EQ(backoff.NextDelay(), absl::Milliseconds(100));
  EXPECT_EQ(backoff.NextDelay(), absl::Milliseconds(160));
  EXPECT_EQ(backoff.NextDelay(), absl::Milliseconds(256));
}

TEST(BackoffTest, NeverExceedsTheMaximum) {
  Backoff backoff(BackoffOptions(), /*seed=*/7);
  for (int i = 0; i < 100; ++i) {
    EXPECT_LE(backoff.NextDelay(), absl::Seconds(5));
  }
}

TEST(BackoffTest, SettlesAtTheMaximumWithoutJitter) {
  Backoff backoff(WithoutJitter(), /*seed=*/1);
  for (int i = 0; i < 20; ++i) backoff.NextDelay();
  EXPECT_EQ(backoff.NextDelay(), absl::Seconds(5));
}

TEST(BackoffTest, JitterStaysWithinItsBandAndVaries) {
  Backoff backoff(BackoffOptions(), /*seed=*/42);
  absl::Duration first = backoff.NextDelay();
  EXPECT_GE(first, absl::Milliseconds(80));
  EXPECT_LE(first, absl::Milliseconds(120));
  bool varied = false;
  for (int i = 0; i < 10; ++i) {
    backoff.Reset();
    if (backoff.NextDelay() != first) varied = true;
  }
  EXPECT_TRUE(varied);
}

TEST(BackoffTest, IsDeterministicForASeed) {
  Backoff a(BackoffOptions(), /*seed=*/3);
  Backoff b(BackoffOptions(), /*seed=*/3);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(a.NextDelay(), b.NextDelay());
}

TEST(BackoffTest, ResetStartsOverFromTheInitialDelay) {
  Backoff backoff(WithoutJitter(), /*seed=*/1);
  backoff.NextDelay();
  backoff.NextDelay();
  backoff.Reset();
  EXPECT_EQ(backoff.NextDelay(), absl::Milliseconds(100));
}

TEST(BackoffTest, RejectsNonsenseOptions) {
  BackoffOptions options;
  options.initial = absl::ZeroDuration();
  EXPECT_FALSE(options.Validate().ok());
  options = BackoffOptions();
  options.max = absl::Milliseconds(10);
  EXPECT_FALSE(options.Validate().ok());
  options = BackoffOptions();
  options.multiplier = 0.5;
  EXPECT_FALSE(options.Validate().ok());
  options = BackoffOptions();
  options.jitter = 1.0;
  EXPECT_FALSE(options.Validate().ok());
}

}  // namespace
}  // namespace phid
