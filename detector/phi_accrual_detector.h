// PhiAccrualDetector: phi-accrual failure detection for one monitored member
// (Hayashibara et al. 2004): a heartbeat history plus the phi model.
//
// The caller reports arrivals with Heartbeat(now) and asks Phi(now). Time is
// always passed in. TimeAtPhi(threshold) gives the instant phi will reach a
// threshold if no heartbeat arrives, so callers can schedule the crossing
// instead of polling.
//
// Not thread-safe; one owner.
#ifndef PHID_DETECTOR_PHI_ACCRUAL_DETECTOR_H_
#define PHID_DETECTOR_PHI_ACCRUAL_DETECTOR_H_

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "detector/base/mono_time.h"
#include "detector/heartbeat_history.h"
#include "detector/phi.h"
#include "detector/phi_curve.h"

namespace phid {

struct DetectorOptions {
  // Arrival model. Default kNormal.
  PhiModel model = PhiModel::kNormal;
  // Extra silence tolerated before phi starts to rise: added to the mean.
  // Default 0; range [0, 1 h].
  absl::Duration acceptable_pause = absl::ZeroDuration();
  // Floor on the standard deviation so a very regular history does not make
  // phi jump on a few ms of jitter. Default 50 ms; range (0, 1 h].
  absl::Duration min_stddev = absl::Milliseconds(50);
  // Estimate of the interval before any is measured (Akka's bootstrap).
  // Default 1 s; range (0, 1 h].
  absl::Duration first_heartbeat_estimate = absl::Seconds(1);
  // Window and admission rules.
  HistoryOptions history;

  // OK, or INVALID_ARGUMENT naming the field and its valid range.
  absl::Status Validate() const;
};

class PhiAccrualDetector {
 public:
  // Options must be valid (CHECK); call Validate() first on user input.
  explicit PhiAccrualDetector(const DetectorOptions& options);

  PhiAccrualDetector(const PhiAccrualDetector&) = default;
  PhiAccrualDetector& operator=(const PhiAccrualDetector&) = default;

  // Records an arrival at `now`. The first arrival seeds the history from the
  // first-heartbeat estimate unless it was already seeded (SeedFromStats).
  // Later arrivals add the interval since the previous arrival, subject to
  // the history's admission rules; the last arrival moves to `now` even when
  // the interval is refused (a duplicate or the end of an outage still proves
  // the member alive, and the next interval is measured from here).
  void Heartbeat(MonoTime now);

  // Seeds the history from statistics another observer gossiped, replacing
  // the first-heartbeat bootstrap. Allowed while the history holds no
  // measured interval: before the first arrival, and after it until an
  // arrival's interval is admitted (normally the second arrival; a refused
  // interval does not count). Later it returns FAILED_PRECONDITION and
  // changes nothing. Invalid stats: INVALID_ARGUMENT, nothing changes.
  absl::Status SeedFromStats(const IntervalStats& stats);

  // Moves the last arrival forward by `paused`: the observer was itself
  // paused and must not blame the member for that silence. No effect before
  // the first arrival.
  void DiscountPause(absl::Duration paused);

  // phi at `now`; 0 before the first arrival. Finite.
  double Phi(MonoTime now) const;

  // When phi reaches `threshold` (> 0) absent new arrivals; nullopt before
  // the first arrival. last_arrival() if phi is already there at it;
  // absl::InfiniteDuration() if phi never gets there (astronomic thresholds).
  absl::optional<MonoTime> TimeAtPhi(double threshold) const;

  // What Phi and TimeAtPhi are computed from; meaningful once
  // has_arrival().
  ArrivalCurve curve() const;

  bool has_arrival() const { return has_arrival_; }
  MonoTime last_arrival() const { return last_arrival_; }
  const HeartbeatHistory& history() const { return history_; }
  // The distribution phi is computed from (stddev floored by min_stddev).
  // Before any arrival or seeding: the first-heartbeat bootstrap's.
  IntervalDistribution distribution() const;
  const DetectorOptions& options() const { return options_; }

 private:
  DetectorOptions options_;
  HeartbeatHistory history_;
  bool has_arrival_ = false;
  bool seeded_ = false;  // history holds synthetic samples only
  MonoTime last_arrival_;
};

}  // namespace phid

#endif  // PHID_DETECTOR_PHI_ACCRUAL_DETECTOR_H_
