// The pure phi functions of the three detector models, and their inverses.
//
// phi(Δt) = -log10(P(the next heartbeat is still to come after Δt)), given the
// interval distribution's mean and standard deviation. These are the math
// only: no state, no time source. PhiAccrualDetector (phi_accrual_detector.h)
// wraps them with a heartbeat history. All functions are thread-safe.
//
// Guarantees for every model, for any finite inputs with stddev_ms > 0 and
// mean_ms > 0: the result is finite (never +Inf or NaN), >= 0, and
// non-decreasing in elapsed_ms; PhiToElapsed is its inverse.
#ifndef PHID_DETECTOR_PHI_H_
#define PHID_DETECTOR_PHI_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace phid {

// Which arrival model phi is computed from.
enum class PhiModel {
  // Gaussian intervals, exact tail: phi = -log10(0.5*erfc(y/sqrt(2))),
  // y = (elapsed - (mean + acceptable_pause)) / stddev. Accurate far into the
  // tail through an asymptotic expansion where erfc underflows.
  kNormal,
  // Akka's logistic approximation of the Gaussian tail, made finite.
  // y as above; phi = log10(1 + exp(y * (1.5976 + 0.070566 * y^2))).
  kAkka,
  // Cassandra's exponential model: phi = log10(e) * max(0, elapsed - pause) /
  // mean (stddev is ignored).
  kExponential,
};

// "normal", "akka", "exponential".
absl::string_view PhiModelName(PhiModel model);
absl::StatusOr<PhiModel> ParsePhiModel(absl::string_view name);

// The distribution phi is judged against, in milliseconds. `stddev_ms` is
// already floored by the caller's min_stddev.
struct IntervalDistribution {
  double mean_ms = 0;
  double stddev_ms = 0;
  double acceptable_pause_ms = 0;
};

// phi after `elapsed_ms` since the last heartbeat. elapsed_ms < 0 is treated
// as 0. Finite for any finite input.
double Phi(PhiModel model, const IntervalDistribution& dist, double elapsed_ms);

// The elapsed time (ms since the last heartbeat) at which phi reaches
// `threshold` (> 0). Phi(model, dist, PhiToElapsed(model, dist, t)) == t to
// 1e-9 relative, except where phi at elapsed 0 already exceeds t (then 0).
double PhiToElapsed(PhiModel model, const IntervalDistribution& dist,
                    double threshold);

}  // namespace phid

#endif  // PHID_DETECTOR_PHI_H_
