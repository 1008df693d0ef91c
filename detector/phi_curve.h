// PhiCurve: one observer's phi for one member, as a function of time.
//
// The data path of a suspicion ends here: whatever measured a member's
// heartbeats (this node's own detector, or the monitors whose reports gossip
// carried), the observer holds a PhiCurve and asks it Phi(now) and
// TimeAt(threshold). The watch scheduler, the API and the simulator all use
// these two functions and nothing else, so there is one computation of phi.
//
// A curve is a set of ArrivalCurves (model, interval distribution, local time
// of the last heartbeat: what one detector knows) and a quorum H:
//   Phi(t)       = the H-th highest ArrivalCurve phi at t (0 with fewer
//                  than H curves);
//   TimeAt(thr)  = the H-th earliest ArrivalCurve crossing of thr.
// Each arrival curve's phi is non-decreasing in t, so at least H of them are
// at or above thr exactly from the H-th earliest crossing on: the two agree.
// With H = 1 and one curve this is the classic phi-accrual detector. With
// K monitors and H of K, one monitor with a bad link (or a paused one, or
// one that died with the member) cannot move phi alone.
//
// Values; thread-compatible.
#ifndef PHID_DETECTOR_PHI_CURVE_H_
#define PHID_DETECTOR_PHI_CURVE_H_

#include "absl/container/inlined_vector.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "detector/base/mono_time.h"
#include "detector/phi.h"

namespace phid {

// What one detector knows about one member: phi(t) follows from it alone.
struct ArrivalCurve {
  PhiModel model = PhiModel::kNormal;
  IntervalDistribution distribution;
  MonoTime last_arrival;  // local time of the newest heartbeat

  // phi at `now` (0 before last_arrival). Finite.
  double Phi(MonoTime now) const;
  // The instant phi reaches `threshold` (> 0); last_arrival if it is there
  // from the start; absl::InfiniteDuration() if never.
  MonoTime TimeAt(double threshold) const;
};

class PhiCurve {
 public:
  // Most monitors a member can have (GossipOptions::monitors' bound).
  static constexpr int kMaxCurves = 16;

  // No evidence: phi is 0 at every instant and never crosses anything
  // (self, members that left, members no monitor reports on).
  PhiCurve() = default;
  // One detector's curve, quorum 1.
  explicit PhiCurve(const ArrivalCurve& curve);
  // The H-of-K combination: `quorum` in [1, kMaxCurves] (CHECK); at most
  // kMaxCurves curves (CHECK). Monitors without a curve are simply absent:
  // they count as phi 0.
  PhiCurve(absl::Span<const ArrivalCurve> curves, int quorum);

  double Phi(MonoTime now) const;
  // absl::InfiniteDuration() if fewer than quorum() curves.
  MonoTime TimeAt(double threshold) const;

  // The curve that decides phi at `now` (the H-th highest), for display
  // (its mean, stddev and last heartbeat); null with fewer than H curves.
  const ArrivalCurve* Decisive(MonoTime now) const;

  absl::Span<const ArrivalCurve> curves() const { return curves_; }
  int quorum() const { return quorum_; }
  // Whether phi can ever rise above 0.
  bool has_evidence() const {
    return static_cast<int>(curves_.size()) >= quorum_;
  }

 private:
  absl::InlinedVector<ArrivalCurve, 3> curves_;
  int quorum_ = 1;
};

}  // namespace phid

#endif  // PHID_DETECTOR_PHI_CURVE_H_
