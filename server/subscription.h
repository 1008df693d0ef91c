// Subscription: one Watch subscriber's validated request, and the judgement
// of members against its phi threshold.
//
// A WatchSpec is the request after validation (ParseWatchRequest): which
// members, at what threshold, with what hysteresis, and how often to send
// levels and idle heartbeats. A Subscription holds, for every member the spec
// watches, the judged state (ALIVE / SUSPECT / LEFT) and the instant the next
// ALIVE -> SUSPECT crossing is due. That instant is computed, not polled:
//   crossing = view.curve.TimeAt(threshold)
// so a scheduler can sleep until it (WatchHub keeps the heap).
//
// Judgement rules:
//   * ALIVE -> SUSPECT (CROSSED_THRESHOLD) once `now` reaches the crossing.
//   * SUSPECT -> ALIVE (RECOVERED) only on new evidence (last_arrival moved
//     forward: a heartbeat, a monitor's report, or an observer-pause
//     discount) that leaves phi below the recovery threshold. phi only grows
//     between pieces of evidence, so no other instant can recover a member.
//   * Membership events: JOINED (-> ALIVE), RESTARTED (any -> ALIVE, the new
//     generation starts clean), LEFT (-> LEFT, final for the generation),
//     FAILED (-> FAILED: silent for failed_after; no crossing is judged
//     while failed), RETURNED (FAILED -> ALIVE, reason RECOVERED: heard
//     from again), REMOVED (-> REMOVED, then forgotten).
//   * Members first seen through a view (a subscription joining a running
//     daemon) are judged silently: they appear in the snapshot, not as
//     transitions.
// Self, LEFT and FAILED members are never suspected.
//
// Pure logic: no clock, no threads, no gRPC. Not thread-safe.
#ifndef PHID_SERVER_SUBSCRIPTION_H_
#define PHID_SERVER_SUBSCRIPTION_H_

#include <set>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "detector/base/clock.h"
#include "detector/phi.h"
#include "gossip/events.h"
#include "gossip/member.h"
#include "gossip/tags.h"
#include "proto/api_limits.h"
#include "proto/phi.pb.h"
#include "server/watch_request.h"

namespace phid {

// phi of `view` at `now` (its curve): 0 for self, LEFT members and members
// without an arrival; clamped to [0, kMaxReportedPhi].
double PhiOfView(const MemberView& view, MonoTime now);

// When phi of `view` reaches `threshold`; absl::InfiniteDuration() for self,
// LEFT and FAILED members and members without an arrival.
MonoTime CrossingOfView(const MemberView& view, double threshold);

// One judged change of a member's state.
struct MemberTransition {
  std::string name;
  phi::v1::PeerState previous = phi::v1::PEER_STATE_UNSPECIFIED;
  phi::v1::PeerState state = phi::v1::PEER_STATE_UNSPECIFIED;
  phi::v1::TransitionReason reason = phi::v1::TRANSITION_REASON_UNSPECIFIED;
  double phi = 0;  // at the transition, clamped
};

class Subscription {
 public:
  // What one input did to one member.
  struct Update {
    absl::optional<MemberTransition> transition;
    // The member's pending crossing after the update; InfiniteDuration() if
    // none (suspect, left, self, unwatched).
    MonoTime crossing_due = absl::InfiniteDuration();
  };

  explicit Subscription(WatchSpec spec);
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;

  // The member as the node sees it at `now`: new arrivals, a changed
  // distribution, or a due crossing (call again with the same view).
  Update OnView(const MemberView& view, MonoTime now);
  // JOINED, RESTARTED, LEFT, REMOVED. OBSERVER_PAUSED concerns no member
  // and changes nothing here.
  Update OnMemberEvent(const MemberEvent& event);

  // UNSPECIFIED for members not watched or not known.
  phi::v1::PeerState StateOf(const std::string& name) const;
  // InfiniteDuration() if none pending.
  MonoTime CrossingDue(const std::string& name) const;
  size_t size() const { return members_.size(); }

  const WatchSpec& spec() const { return spec_; }

 private:
  struct Judged {
    phi::v1::PeerState state = phi::v1::PEER_STATE_UNSPECIFIED;
    MonoTime crossing = absl::InfiniteDuration();
    bool has_arrival = false;
    MonoTime last_arrival;
  };

  WatchSpec spec_;
  absl::flat_hash_map<std::string, Judged> members_;
};

}  // namespace phid

#endif  // PHID_SERVER_SUBSCRIPTION_H_
