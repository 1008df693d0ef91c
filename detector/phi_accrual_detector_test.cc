#include "detector/phi_accrual_detector.h"

#include <cmath>

#include "detector/base/clock.h"
#include "detector/base/simulated_clock.h"
#include "detector/phi.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace phid {
namespace {

using ::testing::HasSubstr;

DetectorOptions Options(PhiModel model = PhiModel::kNormal) {
  DetectorOptions options;
  options.model = model;
  options.min_stddev = absl::Milliseconds(1);
  return options;
}

IntervalStats Stats(uint64_t count, double mean_ms, double variance_ms2) {
  IntervalStats stats;
  stats.count = count;
  stats.mean_ms = mean_ms;
  stats.variance_ms2 = variance_ms2;
  return stats;
}

TEST(PhiAccrualDetectorTest, PhiIsZeroBeforeTheFirstArrival) {
  PhiAccrualDetector detector(Options());
  EXPECT_FALSE(detector.has_arrival());
  EXPECT_EQ(detector.Phi(absl::Seconds(1000)), 0);
  EXPECT_FALSE(detector.TimeAtPhi(8).has_value());
}

TEST(PhiAccrualDetectorTest, FirstArrivalSeedsTheHistoryFromTheEstimate) {
  DetectorOptions options = Options();
  options.first_heartbeat_estimate = absl::Milliseconds(800);
  PhiAccrualDetector detector(options);
  detector.Heartbeat(absl::Seconds(5));
  EXPECT_TRUE(detector.has_arrival());
  EXPECT_EQ(detector.last_arrival(), absl::Seconds(5));
  EXPECT_EQ(detector.history().size(), 2);
  EXPECT_DOUBLE_EQ(detector.history().mean_ms(), 800);
  EXPECT_DOUBLE_EQ(detector.history().stddev_ms(), 200);
  // phi at the estimate is phi at the mean.
  EXPECT_DOUBLE_EQ(detector.Phi(absl::Seconds(5) + absl::Milliseconds(800)),
                   std::log10(2.0));
}

TEST(PhiAccrualDetectorTest, PhiGrowsWhileHeartbeatsAreMissing) {
  SimulatedClock clock;
  PhiAccrualDetector detector(Options());
  for (int i = 0; i < 20; ++i) {
    detector.Heartbeat(clock.Now());
    clock.Advance(absl::Seconds(1));
  }
  double previous = -1;
  for (int i = 0; i < 100; ++i) {
    const double phi = detector.Phi(clock.Now());
    EXPECT_GE(phi, previous);
    EXPECT_TRUE(std::isfinite(phi));
    previous = phi;
    clock.Advance(absl::Milliseconds(100));
  }
  EXPECT_GT(previous, 8);
}

TEST(PhiAccrualDetectorTest, AHeartbeatBringsPhiBackDown) {
  SimulatedClock clock;
  PhiAccrualDetector detector(Options());
  for (int i = 0; i < 100; ++i) {
    detector.Heartbeat(clock.Now());
    clock.Advance(absl::Seconds(1));
  }
  clock.Advance(absl::Seconds(3));
  EXPECT_GT(detector.Phi(clock.Now()), 8);
  detector.Heartbeat(clock.Now());
  EXPECT_LT(detector.Phi(clock.Now()), 0.01);
}

TEST(PhiAccrualDetectorTest, PhiMatchesThePureFunctionOfItsDistribution) {
  for (PhiModel model :
       {PhiModel::kNormal, PhiModel::kAkka, PhiModel::kExponential}) {
    DetectorOptions options = Options(model);
    options.acceptable_pause = absl::Milliseconds(300);
    PhiAccrualDetector detector(options);
    SimulatedClock clock;
    for (int ms : {0, 950, 1050, 1000, 980}) {
      clock.Advance(absl::Milliseconds(ms));
      detector.Heartbeat(clock.Now());
    }
    const IntervalDistribution dist = detector.distribution();
    EXPECT_EQ(dist.acceptable_pause_ms, 300);
    EXPECT_EQ(dist.mean_ms, detector.history().mean_ms());
    clock.Advance(absl::Milliseconds(1700));
    EXPECT_EQ(detector.Phi(clock.Now()), phid::Phi(model, dist, 1700))
        << PhiModelName(model);
  }
}

TEST(PhiAccrualDetectorTest, MinStddevFloorsARegularHistory) {
  DetectorOptions options = Options();
  options.min_stddev = absl::Milliseconds(50);
  options.history.capacity = 2;
  PhiAccrualDetector detector(options);
  SimulatedClock clock;
  for (int i = 0; i < 4; ++i) {
    detector.Heartbeat(clock.Now());
    clock.Advance(absl::Seconds(1));
  }
  EXPECT_EQ(detector.history().stddev_ms(), 0);
  EXPECT_EQ(detector.distribution().stddev_ms, 50);
}

TEST(PhiAccrualDetectorTest, ShortIntervalsAreRefusedButMoveTheLastArrival) {
  PhiAccrualDetector detector(Options());  // min_interval 10 ms
  detector.Heartbeat(absl::Seconds(10));
  detector.Heartbeat(absl::Seconds(11));
  ASSERT_EQ(detector.history().size(), 3);  // 2 seeded + 1 measured
  const double mean = detector.history().mean_ms();
  // The same heartbeat again 2 ms later, via another gossip path.
  detector.Heartbeat(absl::Seconds(11) + absl::Milliseconds(2));
  EXPECT_EQ(detector.history().size(), 3);
  EXPECT_EQ(detector.history().mean_ms(), mean);
  EXPECT_EQ(detector.last_arrival(), absl::Seconds(11) + absl::Milliseconds(2));
}

TEST(PhiAccrualDetectorTest, LongIntervalsAreRefusedButMoveTheLastArrival) {
  PhiAccrualDetector detector(Options());  // max_interval 10 s
  detector.Heartbeat(absl::Seconds(10));
  detector.Heartbeat(absl::Seconds(11));
  const double mean = detector.history().mean_ms();
  // Back after a 60 s outage: alive, but the outage is not an interval.
  detector.Heartbeat(absl::Seconds(71));
  EXPECT_EQ(detector.history().size(), 3);
  EXPECT_EQ(detector.history().mean_ms(), mean);
  EXPECT_EQ(detector.last_arrival(), absl::Seconds(71));
  EXPECT_LT(detector.Phi(absl::Seconds(71)), 0.01);
}

TEST(PhiAccrualDetectorTest, SeedFromStatsBeforeTheFirstArrivalSurvivesIt) {
  PhiAccrualDetector detector(Options());
  ASSERT_TRUE(detector.SeedFromStats(Stats(100, 200, 400)).ok());
  detector.Heartbeat(absl::Seconds(10));
  EXPECT_EQ(detector.history().size(), 100);
  EXPECT_NEAR(detector.history().mean_ms(), 200, 1e-9);
  EXPECT_NEAR(detector.history().stddev_ms(), 20, 1e-9);
  EXPECT_NEAR(detector.distribution().mean_ms, 200, 1e-9);
}

TEST(PhiAccrualDetectorTest,
     SeedFromStatsAfterTheFirstArrivalReplacesTheEstimate) {
  PhiAccrualDetector detector(Options());
  detector.Heartbeat(absl::Seconds(10));
  ASSERT_TRUE(detector.SeedFromStats(Stats(10, 200, 400)).ok());
  EXPECT_NEAR(detector.history().mean_ms(), 200, 1e-9);
  EXPECT_EQ(detector.last_arrival(), absl::Seconds(10));
}

TEST(PhiAccrualDetectorTest, SeedFromStatsIsRefusedOnceAnIntervalIsMeasured) {
  PhiAccrualDetector detector(Options());
  detector.Heartbeat(absl::Seconds(10));
  detector.Heartbeat(absl::Seconds(11));
  const absl::Status status = detector.SeedFromStats(Stats(10, 200, 400));
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(detector.history().size(), 3);
}

TEST(PhiAccrualDetectorTest, SeedFromStatsIsStillAllowedAfterARefusedInterval) {
  PhiAccrualDetector detector(Options());
  detector.Heartbeat(absl::Seconds(10));
  detector.Heartbeat(absl::Seconds(10) + absl::Milliseconds(1));  // refused
  EXPECT_TRUE(detector.SeedFromStats(Stats(10, 200, 400)).ok());
}

TEST(PhiAccrualDetectorTest, SeedFromStatsPassesOnInvalidStatistics) {
  PhiAccrualDetector detector(Options());
  const absl::Status status = detector.SeedFromStats(Stats(10, -1, 400));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  // Not seeded: the first arrival still uses the estimate.
  detector.Heartbeat(absl::Seconds(1));
  EXPECT_DOUBLE_EQ(detector.history().mean_ms(), 1000);
}

TEST(PhiAccrualDetectorTest, DiscountPauseForgivesTheObserversOwnPause) {
  PhiAccrualDetector detector(Options());
  detector.Heartbeat(absl::Seconds(10));
  const double before = detector.Phi(absl::Seconds(12));
  detector.DiscountPause(absl::Seconds(5));
  EXPECT_EQ(detector.last_arrival(), absl::Seconds(15));
  EXPECT_DOUBLE_EQ(detector.Phi(absl::Seconds(17)), before);
}

TEST(PhiAccrualDetectorTest, DiscountPauseBeforeAnyArrivalDoesNothing) {
  PhiAccrualDetector detector(Options());
  detector.DiscountPause(absl::Seconds(5));
  EXPECT_FALSE(detector.has_arrival());
  EXPECT_EQ(detector.Phi(absl::Seconds(100)), 0);
}

TEST(PhiAccrualDetectorTest, TimeAtPhiIsWhenPhiReachesTheThreshold) {
  for (PhiModel model :
       {PhiModel::kNormal, PhiModel::kAkka, PhiModel::kExponential}) {
    PhiAccrualDetector detector(Options(model));
    SimulatedClock clock;
    for (int ms : {0, 900, 1100, 1000, 1000, 950}) {
      clock.Advance(absl::Milliseconds(ms));
      detector.Heartbeat(clock.Now());
    }
    for (double threshold : {0.5, 1.0, 3.0, 8.0, 16.0}) {
      const absl::optional<MonoTime> at = detector.TimeAtPhi(threshold);
      ASSERT_TRUE(at.has_value());
      EXPECT_GT(*at, detector.last_arrival());
      // Durations are whole nanoseconds, so allow for that rounding.
      EXPECT_NEAR(detector.Phi(*at), threshold, 1e-6 * threshold)
          << PhiModelName(model) << " T=" << threshold;
      EXPECT_LT(detector.Phi(*at - absl::Microseconds(10)), threshold);
    }
  }
}

TEST(PhiAccrualDetectorTest, TimeAtPhiIsTheLastArrivalWhenPhiIsAlreadyThere) {
  PhiAccrualDetector detector(Options());
  detector.Heartbeat(absl::Seconds(10));
  EXPECT_EQ(*detector.TimeAtPhi(1e-30), absl::Seconds(10));
}

TEST(PhiAccrualDetectorTest, TimeAtPhiIsInfiniteForAnUnreachableThreshold) {
  PhiAccrualDetector detector(Options());
  detector.Heartbeat(absl::Seconds(10));
  EXPECT_EQ(*detector.TimeAtPhi(HUGE_VAL), absl::InfiniteDuration());
}

TEST(PhiAccrualDetectorTest, PhiStaysFiniteAfterAVeryLongSilence) {
  DetectorOptions options = Options();
  options.min_stddev = absl::Microseconds(1);
  options.history.capacity = 2;
  options.history.min_interval = absl::ZeroDuration();
  PhiAccrualDetector detector(options);
  SimulatedClock clock;
  for (int i = 0; i < 5; ++i) {
    detector.Heartbeat(clock.Now());
    clock.Advance(absl::Milliseconds(10));
  }
  for (absl::Duration silence :
       {absl::Hours(1), absl::Hours(24 * 365), absl::Seconds(1e9)}) {
    const double phi = detector.Phi(clock.Now() + silence);
    EXPECT_TRUE(std::isfinite(phi));
    EXPECT_GT(phi, 1e6);
  }
}

TEST(DetectorOptionsTest, DefaultsAreValid) {
  EXPECT_TRUE(DetectorOptions().Validate().ok());
}

TEST(DetectorOptionsTest, InvalidOptionsAreRejectedNamingTheFieldAndRange) {
  const struct {
    void (*mutate)(DetectorOptions&);
    const char* message;
  } kCases[] = {
      {[](DetectorOptions& o) { o.min_stddev = absl::Milliseconds(-5); },
       "min_stddev must be in (0, 1h], got -5ms"},
      {[](DetectorOptions& o) { o.min_stddev = absl::ZeroDuration(); },
       "min_stddev must be in (0, 1h], got 0"},
      {[](DetectorOptions& o) { o.min_stddev = absl::Hours(2); },
       "min_stddev must be in (0, 1h], got 2h"},
      {[](DetectorOptions& o) { o.acceptable_pause = absl::Seconds(-1); },
       "acceptable_pause must be in [0, 1h], got -1s"},
      {[](DetectorOptions& o) {
         o.acceptable_pause = absl::InfiniteDuration();
       },
       "acceptable_pause must be in [0, 1h], got inf"},
      {[](DetectorOptions& o) {
         o.first_heartbeat_estimate = absl::ZeroDuration();
       },
       "first_heartbeat_estimate must be in (0, 1h], got 0"},
      {[](DetectorOptions& o) { o.model = static_cast<PhiModel>(7); },
       "model must be normal, akka or exponential, got 7"},
      {[](DetectorOptions& o) { o.history.capacity = 0; },
       "history.capacity must be in [2, 100000], got 0"},
      {[](DetectorOptions& o) {
         o.history.max_interval = absl::Milliseconds(5);
       },
       "history.max_interval must be in (history.min_interval, 1h], got 5ms"},
  };
  for (const auto& c : kCases) {
    DetectorOptions options;
    c.mutate(options);
    const absl::Status status = options.Validate();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.message;
    EXPECT_THAT(status.message(), HasSubstr(c.message));
  }
}

TEST(PhiAccrualDetectorDeathTest,
     ConstructingWithInvalidOptionsIsAProgrammerError) {
  DetectorOptions options;
  options.min_stddev = absl::ZeroDuration();
  EXPECT_DEATH(PhiAccrualDetector detector(options), "min_stddev");
}

}  // namespace
}  // namespace phid
