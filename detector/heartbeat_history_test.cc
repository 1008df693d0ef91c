#include "detector/heartbeat_history.h"

#include <cmath>
#include <deque>
#include <random>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace phid {
namespace {

using ::testing::HasSubstr;

HistoryOptions Options(int capacity) {
  HistoryOptions options;
  options.capacity = capacity;
  return options;
}

// Two-pass mean and population variance of `samples`, the naive way.
struct Naive {
  double mean = 0;
  double variance = 0;
};
Naive NaiveStats(const std::deque<double>& samples) {
  Naive out;
  for (double x : samples) out.mean += x;
  out.mean /= static_cast<double>(samples.size());
  for (double x : samples) out.variance += (x - out.mean) * (x - out.mean);
  out.variance /= static_cast<double>(samples.size());
  return out;
}

TEST(HeartbeatHistoryTest, StartsEmptyWithZeroStatistics) {
  HeartbeatHistory history;
  EXPECT_TRUE(history.empty());
  EXPECT_EQ(history.size(), 0);
  EXPECT_EQ(history.mean_ms(), 0);
  EXPECT_EQ(history.variance_ms2(), 0);
  EXPECT_EQ(history.stddev_ms(), 0);
}

TEST(HeartbeatHistoryTest, MeanAndPopulationVarianceOfAFewIntervals) {
  HeartbeatHistory history;
  for (int ms : {900, 1000, 1100, 1000}) {
    ASSERT_TRUE(history.Add(absl::Milliseconds(ms)));
  }
  EXPECT_EQ(history.size(), 4);
  EXPECT_DOUBLE_EQ(history.mean_ms(), 1000);
  // (100^2 + 0 + 100^2 + 0) / 4: population variance, divided by n.
  EXPECT_DOUBLE_EQ(history.variance_ms2(), 5000);
  EXPECT_DOUBLE_EQ(history.stddev_ms(), std::sqrt(5000.0));
  const IntervalStats stats = history.stats();
  EXPECT_EQ(stats.count, 4u);
  EXPECT_DOUBLE_EQ(stats.mean_ms, 1000);
  EXPECT_DOUBLE_EQ(stats.variance_ms2, 5000);
}

TEST(HeartbeatHistoryTest, ASingleSampleHasZeroVariance) {
  HeartbeatHistory history;
  ASSERT_TRUE(history.Add(absl::Milliseconds(700)));
  EXPECT_EQ(history.mean_ms(), 700);
  EXPECT_EQ(history.variance_ms2(), 0);
  EXPECT_EQ(history.stddev_ms(), 0);
}

TEST(HeartbeatHistoryTest, OldestSamplesFallOutOfAFullWindow) {
  HeartbeatHistory history(Options(3));
  for (int ms : {100, 200, 300, 400, 500}) {
    history.Add(absl::Milliseconds(ms));
  }
  EXPECT_EQ(history.size(), 3);
  EXPECT_DOUBLE_EQ(history.mean_ms(), 400);  // 300, 400, 500
  EXPECT_NEAR(history.variance_ms2(), 20000.0 / 3, 1e-9);
}

TEST(HeartbeatHistoryTest, RefusesIntervalsShorterThanMinInterval) {
  HeartbeatHistory history;  // min_interval 10 ms
  EXPECT_FALSE(history.Add(absl::Milliseconds(9)));
  EXPECT_FALSE(history.Add(absl::ZeroDuration()));
  EXPECT_FALSE(history.Add(absl::Milliseconds(-5)));
  EXPECT_TRUE(history.empty());
  EXPECT_TRUE(history.Add(absl::Milliseconds(10)));  // the bound is admitted
  EXPECT_EQ(history.size(), 1);
}

TEST(HeartbeatHistoryTest, RefusesIntervalsLongerThanMaxInterval) {
  HeartbeatHistory history;  // max_interval 10 s
  EXPECT_FALSE(history.Add(absl::Seconds(10) + absl::Nanoseconds(1)));
  EXPECT_FALSE(history.Add(absl::Hours(5)));
  EXPECT_FALSE(history.Add(absl::InfiniteDuration()));
  EXPECT_TRUE(history.empty());
  EXPECT_TRUE(history.Add(absl::Seconds(10)));
  EXPECT_EQ(history.size(), 1);
}

TEST(HeartbeatHistoryTest, RunningStatsEqualANaiveRecomputationAfterManyAdds) {
  // 10k adds through a 97-slot window wraps it ~100 times and crosses ~100
  // exact recomputations; check after every add, not just at the end.
  HeartbeatHistory history(Options(97));
  std::deque<double> window;
  std::mt19937_64 rng(20240611);
  std::lognormal_distribution<double> interval_ms(std::log(1000.0), 0.5);
  for (int i = 0; i < 10000; ++i) {
    // Whole microseconds, so the Duration and the double agree exactly.
    const int64_t us = std::llround(interval_ms(rng) * 1000);
    const absl::Duration interval = absl::Microseconds(us);
    if (!history.Add(interval)) continue;
    window.push_back(absl::ToDoubleMilliseconds(interval));
    if (window.size() > 97) window.pop_front();
    const Naive naive = NaiveStats(window);
    ASSERT_EQ(history.size(), static_cast<int>(window.size()));
    ASSERT_NEAR(history.mean_ms(), naive.mean, 1e-9 * naive.mean) << i;
    ASSERT_NEAR(history.variance_ms2(), naive.variance, 1e-9 * naive.variance)
        << i;
  }
}

TEST(HeartbeatHistoryTest, VarianceOfIdenticalSamplesIsExactlyZero) {
  HeartbeatHistory history(Options(5));
  for (int i = 0; i < 1000; ++i) {
    history.Add(absl::Microseconds(333333));
    ASSERT_GE(history.variance_ms2(), 0);
    ASSERT_FALSE(std::isnan(history.stddev_ms()));
  }
  EXPECT_EQ(history.variance_ms2(), 0);
}

TEST(HeartbeatHistoryTest, VarianceStaysNonNegativeWhenASpikeLeaves) {
  // A large outlier leaving a window of near-equal samples is where the
  // incremental removal can round below zero.
  HeartbeatHistory history(Options(4));
  history.Add(absl::Seconds(10));
  for (int i = 0; i < 50; ++i) {
    history.Add(absl::Milliseconds(10) + absl::Nanoseconds(i % 2));
    ASSERT_GE(history.variance_ms2(), 0) << i;
    ASSERT_FALSE(std::isnan(history.stddev_ms())) << i;
  }
}

TEST(HeartbeatHistoryTest, SeedFromEstimateGivesAkkasBootstrap) {
  HeartbeatHistory history;
  history.Add(absl::Milliseconds(50));
  history.SeedFromEstimate(absl::Seconds(1));
  EXPECT_EQ(history.size(), 2);  // replaced, not appended
  EXPECT_DOUBLE_EQ(history.mean_ms(), 1000);
  EXPECT_DOUBLE_EQ(history.stddev_ms(), 250);
}

TEST(HeartbeatHistoryTest, RealArrivalsPushSeededSamplesOut) {
  HeartbeatHistory history(Options(2));
  history.SeedFromEstimate(absl::Seconds(1));
  history.Add(absl::Milliseconds(500));
  history.Add(absl::Milliseconds(500));
  EXPECT_EQ(history.mean_ms(), 500);
  EXPECT_EQ(history.variance_ms2(), 0);
}

TEST(HeartbeatHistoryTest, SeedFromStatsReproducesMeanAndVarianceExactly) {
  // Even and odd sample counts, counts beyond the capacity, count 1 (raised
  // to 2) and zero variance.
  const struct {
    int capacity;
    uint64_t count;
    double mean_ms;
    double variance_ms2;
    int expected_size;
  } kCases[] = {
      {1000, 10, 1000, 10000, 10}, {1000, 11, 1000, 10000, 11},
      {1000, 3, 250.5, 17.25, 3},  {7, 1000000, 1000, 2500, 7},
      {1000, 1, 1000, 400, 2},     {1000, 5, 1000, 0, 5},
      {2, 9, 123.456, 78.9, 2},    {1000, 999, 42, 1e6, 999},
  };
  for (const auto& c : kCases) {
    HeartbeatHistory history(Options(c.capacity));
    IntervalStats stats;
    stats.count = c.count;
    stats.mean_ms = c.mean_ms;
    stats.variance_ms2 = c.variance_ms2;
    ASSERT_TRUE(history.SeedFromStats(stats).ok());
    EXPECT_EQ(history.size(), c.expected_size) << c.count;
    EXPECT_NEAR(history.mean_ms(), c.mean_ms, 1e-12 * c.mean_ms) << c.count;
    EXPECT_NEAR(history.variance_ms2(), c.variance_ms2, 1e-12 * c.variance_ms2)
        << c.count;
  }
}

TEST(HeartbeatHistoryTest, SeedFromStatsRejectsBadStatisticsAndKeepsHistory) {
  HeartbeatHistory history;
  history.Add(absl::Milliseconds(700));
  const struct {
    uint64_t count;
    double mean_ms;
    double variance_ms2;
    const char* field;
  } kCases[] = {
      {0, 1000, 100, "count"},
      {5, 0, 100, "mean_ms"},
      {5, -3, 100, "mean_ms"},
      {5, std::nan(""), 100, "mean_ms"},
      {5, HUGE_VAL, 100, "mean_ms"},
      {5, 1000, -1, "variance_ms2"},
      {5, 1000, std::nan(""), "variance_ms2"},
      {5, 1000, HUGE_VAL, "variance_ms2"},
  };
  for (const auto& c : kCases) {
    IntervalStats stats;
    stats.count = c.count;
    stats.mean_ms = c.mean_ms;
    stats.variance_ms2 = c.variance_ms2;
    const absl::Status status = history.SeedFromStats(stats);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(status.message(), HasSubstr(c.field));
    EXPECT_EQ(history.size(), 1);
    EXPECT_EQ(history.mean_ms(), 700);
  }
}

TEST(HeartbeatHistoryTest, ClearEmptiesTheWindow) {
  HeartbeatHistory history;
  history.Add(absl::Milliseconds(100));
  history.Add(absl::Milliseconds(300));
  history.Clear();
  EXPECT_TRUE(history.empty());
  EXPECT_EQ(history.mean_ms(), 0);
  EXPECT_EQ(history.variance_ms2(), 0);
  history.Add(absl::Milliseconds(50));
  EXPECT_EQ(history.mean_ms(), 50);
}

TEST(HistoryOptionsTest, DefaultsAreValid) {
  EXPECT_TRUE(HistoryOptions().Validate().ok());
}

TEST(HistoryOptionsTest, InvalidOptionsAreRejectedNamingTheField) {
  const struct {
    int capacity;
    absl::Duration min_interval;
    absl::Duration max_interval;
    const char* message;
  } kCases[] = {
      {1, absl::Milliseconds(10), absl::Seconds(10),
       "history.capacity must be in [2, 100000], got 1"},
      {100001, absl::Milliseconds(10), absl::Seconds(10),
       "history.capacity must be in [2, 100000], got 100001"},
      {1000, absl::Milliseconds(-1), absl::Seconds(10),
       "history.min_interval must be in [0, 10s], got -1ms"},
      {1000, absl::Seconds(11), absl::Seconds(20),
       "history.min_interval must be in [0, 10s], got 11s"},
      {1000, absl::Milliseconds(10), absl::Milliseconds(10),
       "history.max_interval must be in (history.min_interval, 1h], got 10ms"},
      {1000, absl::Milliseconds(10), absl::Hours(2),
       "history.max_interval must be in (history.min_interval, 1h], got 2h"},
  };
  for (const auto& c : kCases) {
    HistoryOptions options;
    options.capacity = c.capacity;
    options.min_interval = c.min_interval;
    options.max_interval = c.max_interval;
    const absl::Status status = options.Validate();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(status.message(), HasSubstr(c.message));
  }
}

TEST(HeartbeatHistoryDeathTest,
     ConstructingWithInvalidOptionsIsAProgrammerError) {
  EXPECT_DEATH(HeartbeatHistory history(Options(1)), "history.capacity");
}

TEST(HeartbeatHistoryTest, AMeanFactorAdmitsLongIntervalsOfSlowMembersOnly) {
  HistoryOptions options;
  options.min_interval = absl::ZeroDuration();
  options.max_interval = absl::Seconds(2);
  options.max_interval_mean_factor = 10;
  HeartbeatHistory fast(options);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(fast.Add(absl::Milliseconds(100)));
  // A 3 s stall of a 100 ms member is an outage.
  EXPECT_FALSE(fast.Add(absl::Seconds(3)));
  HeartbeatHistory slow(options);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(slow.Add(absl::Milliseconds(1500)));
  // The same 3 s gap is ordinary for a member heard of every 1.5 s...
  EXPECT_TRUE(slow.Add(absl::Seconds(3)));
  // ...but not 10 means and more.
  EXPECT_FALSE(slow.Add(absl::Seconds(20)));
  options.max_interval_mean_factor = -1;
  EXPECT_THAT(options.Validate().message(),
              ::testing::HasSubstr("history.max_interval_mean_factor"));
}

}  // namespace
}  // namespace phid
