// Membership events a GossipNode reports to its listener.
//
// Called synchronously from GossipNode::Tick/OnPacket on the caller's thread,
// while the caller holds whatever lock guards the node: a listener must not
// call back into the node, and should only record or enqueue.
#ifndef PHID_GOSSIP_EVENTS_H_
#define PHID_GOSSIP_EVENTS_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "detector/base/clock.h"
#include "detector/phi_curve.h"
#include "gossip/member.h"

namespace phid {

// Append only.
enum class MemberEventType {
  kJoined,          // first heard of this member
  kRestarted,       // a new generation replaced the old one
  kLeft,            // the member announced it is leaving
  kRemoved,         // gone from the table: retention over, evicted by the
                    // cap, or forgotten by an operator
  kObserverPaused,  // this node itself was paused; `paused` says how long
  kFailed,          // silent for failed_after: kept, listed as failed
  kReturned,        // a failed member's generation was heard from again
};
absl::string_view MemberEventTypeName(MemberEventType type);

struct MemberEvent {
  MemberEventType type;
  MemberRecord record;  // for kObserverPaused: our own record
  MonoTime at;
  absl::Duration paused = absl::ZeroDuration();  // kObserverPaused only
};

class MembershipListener {
 public:
  virtual ~MembershipListener() = default;
  virtual void OnMemberEvent(const MemberEvent& event) { (void)event; }
  // New evidence about `name` arrived at `now`: a newer heartbeat, or (v2)
  // a newer report of one of its monitors. `before` is the member's phi
  // curve just before it is applied: before.Phi(now) tells how suspicious
  // the member had become.
  virtual void OnEvidence(const std::string& name, const PhiCurve& before,
                          MonoTime now) {
    (void)name;
    (void)before;
    (void)now;
  }
};

}  // namespace phid

#endif  // PHID_GOSSIP_EVENTS_H_
