// Cost of the detector's hot paths: one phi evaluation per model (in the
// body of the distribution and far in the tail, where the normal model
// switches to its asymptotic expansion), the inverse used to schedule
// threshold crossings, and recording one arrival.
#include <vector>

#include "benchmark/benchmark.h"
#include "detector/phi.h"
#include "detector/phi_accrual_detector.h"

namespace phid {
namespace {

// 1024 elapsed times spread over [lo, hi) ms, so the branch predictor and
// the compiler cannot specialise on one input.
std::vector<double> ElapsedTimes(double lo_ms, double hi_ms) {
  std::vector<double> out(1024);
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = lo_ms +
             (hi_ms - lo_ms) * static_cast<double>((i * 617) % 1024) / 1024.0;
  }
  return out;
}

IntervalDistribution Typical() {
  IntervalDistribution d;
  d.mean_ms = 1000;
  d.stddev_ms = 100;
  return d;
}

void PhiOver(benchmark::State& state, PhiModel model, double lo_ms,
             double hi_ms) {
  const IntervalDistribution dist = Typical();
  const std::vector<double> elapsed = ElapsedTimes(lo_ms, hi_ms);
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(Phi(model, dist, elapsed[i++ & 1023]));
  }
}

// Body: elapsed 0..3 s, y in [-10, 20).
void BM_PhiNormal(benchmark::State& s) {
  PhiOver(s, PhiModel::kNormal, 0, 3000);
}
void BM_PhiAkka(benchmark::State& s) { PhiOver(s, PhiModel::kAkka, 0, 3000); }
void BM_PhiExponential(benchmark::State& s) {
  PhiOver(s, PhiModel::kExponential, 0, 3000);
}
// Tail: y in [30, 1000), the asymptotic branch.
void BM_PhiNormalTail(benchmark::State& s) {
  PhiOver(s, PhiModel::kNormal, 4000, 101000);
}
BENCHMARK(BM_PhiNormal);
BENCHMARK(BM_PhiAkka);
BENCHMARK(BM_PhiExponential);
BENCHMARK(BM_PhiNormalTail);

void ToElapsed(benchmark::State& state, PhiModel model) {
  const IntervalDistribution dist = Typical();
  std::vector<double> thresholds(1024);
  for (size_t i = 0; i < thresholds.size(); ++i) {
    thresholds[i] = 0.5 + 15.5 * static_cast<double>((i * 617) % 1024) / 1024;
  }
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(PhiToElapsed(model, dist, thresholds[i++ & 1023]));
  }
}
void BM_PhiToElapsedNormal(benchmark::State& s) {
  ToElapsed(s, PhiModel::kNormal);
}
void BM_PhiToElapsedAkka(benchmark::State& s) { ToElapsed(s, PhiModel::kAkka); }
void BM_PhiToElapsedExponential(benchmark::State& s) {
  ToElapsed(s, PhiModel::kExponential);
}
BENCHMARK(BM_PhiToElapsedNormal);
BENCHMARK(BM_PhiToElapsedAkka);
BENCHMARK(BM_PhiToElapsedExponential);

// One recorded arrival into a full window of `state.range(0)` intervals,
// including the amortised exact recomputation every `capacity` arrivals.
void BM_Heartbeat(benchmark::State& state) {
  DetectorOptions options;
  options.history.capacity = static_cast<int>(state.range(0));
  PhiAccrualDetector detector(options);
  MonoTime now = absl::Seconds(1000);
  const absl::Duration jitter[] = {
      absl::Milliseconds(990), absl::Milliseconds(1010),
      absl::Milliseconds(1003), absl::Milliseconds(997)};
  for (int i = 0; i < 2 * options.history.capacity; ++i) {
    now += jitter[i & 3];
    detector.Heartbeat(now);
  }
  size_t i = 0;
  for (auto _ : state) {
    now += jitter[i++ & 3];
    detector.Heartbeat(now);
  }
  benchmark::DoNotOptimize(detector.history().mean_ms());
}
BENCHMARK(BM_Heartbeat)->Arg(100)->Arg(1000)->Arg(100000);

// Heartbeat then Phi: what a gossip round does per member.
void BM_HeartbeatAndPhi(benchmark::State& state) {
  PhiAccrualDetector detector{DetectorOptions()};
  MonoTime now = absl::Seconds(1000);
  size_t i = 0;
  for (auto _ : state) {
    now += absl::Milliseconds(995 + static_cast<int>(i++ & 7));
    detector.Heartbeat(now);
    benchmark::DoNotOptimize(detector.Phi(now + absl::Milliseconds(500)));
  }
}
BENCHMARK(BM_HeartbeatAndPhi);

}  // namespace
}  // namespace phid
