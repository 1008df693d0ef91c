// Conversions from the gossip layer's values to phi.v1 API messages.
//
// Every Peer the API returns (ListPeers, GetPeer, Watch snapshots and
// transitions) is built here, so the fields mean the same everywhere.
// Pure functions; thread-safe.
#ifndef PHID_SERVER_PEER_MESSAGE_H_
#define PHID_SERVER_PEER_MESSAGE_H_

#include "detector/base/clock.h"
#include "detector/phi.h"
#include "gossip/events.h"
#include "gossip/member.h"
#include "proto/phi.pb.h"

namespace phid {

phi::v1::MemberStatus ToProto(MemberStatus status);
phi::v1::TransitionReason ReasonFor(MemberEventType type);

// `view` judged as `state` against `threshold` at `now`. `crossing` is when
// phi reaches the threshold (time_to_threshold is its distance from `now`,
// 0 once reached; unset for self, LEFT and FAILED members).
void FillPeer(const MemberView& view, phi::v1::PeerState state,
              double threshold, MonoTime now, phi::v1::Peer* peer);

// A member judged once, without hysteresis (ListPeers, GetPeer, metrics):
// LEFT if it left, FAILED if it failed, SUSPECT if phi >= threshold, else
// ALIVE.
phi::v1::PeerState JudgeOnce(const MemberView& view, double threshold,
                             MonoTime now);

// A Peer from a record alone (a member heard of by an event but not yet
// seen in a view).
void FillPeerFromRecord(const MemberRecord& record, phi::v1::PeerState state,
                        double threshold, phi::v1::Peer* peer);

}  // namespace phid

#endif  // PHID_SERVER_PEER_MESSAGE_H_
