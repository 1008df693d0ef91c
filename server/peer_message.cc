#include "server/peer_message.h"

#include <algorithm>

#include "proto/duration.h"
#include "server/subscription.h"

namespace phid {

namespace v1 = ::phi::v1;

v1::MemberStatus ToProto(MemberStatus status) {
  switch (status) {
    case MemberStatus::kAlive:
      return v1::MEMBER_STATUS_ALIVE;
    case MemberStatus::kLeft:
      return v1::MEMBER_STATUS_LEFT;
  }
  return v1::MEMBER_STATUS_UNSPECIFIED;
}

v1::TransitionReason ReasonFor(MemberEventType type) {
  switch (type) {
    case MemberEventType::kJoined:
      return v1::TRANSITION_REASON_JOINED;
    case MemberEventType::kRestarted:
      return v1::TRANSITION_REASON_RESTARTED;
    case MemberEventType::kLeft:
      return v1::TRANSITION_REASON_LEFT;
    case MemberEventType::kRemoved:
      return v1::TRANSITION_REASON_REMOVED;
    case MemberEventType::kObserverPaused:
      return v1::TRANSITION_REASON_OBSERVER_PAUSED;
    case MemberEventType::kFailed:
      return v1::TRANSITION_REASON_FAILED;
    case MemberEventType::kReturned:
      return v1::TRANSITION_REASON_RECOVERED;
  }
  return v1::TRANSITION_REASON_UNSPECIFIED;
}

namespace {

// Ages and distances are never negative on the API.
void SetNonNegative(absl::Duration d, google::protobuf::Duration* out) {
  ToProtoDuration(std::max(d, absl::ZeroDuration()), out);
}

}  // namespace

void FillPeerFromRecord(const MemberRecord& record, v1::PeerState state,
                        double threshold, v1::Peer* peer) {
  peer->set_name(record.name);
  peer->set_address(record.address);
  peer->set_generation(record.generation);
  peer->set_heartbeat(record.heartbeat);
  peer->set_status(ToProto(record.status));
  peer->set_state(state);
  peer->set_threshold(threshold);
  peer->mutable_tags()->insert(record.tags.begin(), record.tags.end());
}

void FillPeer(const MemberView& view, v1::PeerState state, double threshold,
              MonoTime now, v1::Peer* peer) {
  FillPeerFromRecord(view.record, state, threshold, peer);
  peer->set_is_self(view.is_self);
  peer->set_suspected_by(view.suspected_by);
  if (view.is_self || !view.has_arrival) return;
  peer->set_phi(PhiOfView(view, now));
  SetNonNegative(now - view.last_arrival, peer->mutable_last_heartbeat_age());
  peer->set_interval_mean_ms(view.distribution.mean_ms);
  peer->set_interval_stddev_ms(view.distribution.stddev_ms);
  peer->set_samples(view.samples);
  if (view.record.status == MemberStatus::kAlive && !view.failed) {
    MonoTime crossing = CrossingOfView(view, threshold);
    if (crossing != absl::InfiniteDuration()) {
      SetNonNegative(crossing - now, peer->mutable_time_to_threshold());
    }
  }
}

v1::PeerState JudgeOnce(const MemberView& view, double threshold,
                        MonoTime now) {
  if (view.record.status == MemberStatus::kLeft) return v1::PEER_STATE_LEFT;
  if (view.failed) return v1::PEER_STATE_FAILED;
  return now >= CrossingOfView(view, threshold) ? v1::PEER_STATE_SUSPECT
                                                : v1::PEER_STATE_ALIVE;
}

}  // namespace phid
