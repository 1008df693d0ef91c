// Member: one member as a Membership holds it, the (observer, member) pair.
//
// Why a struct of its own: at N members per node and N nodes in the
// simulator there are N^2 of them, so it is kept small (80 bytes, checked
// in membership_member.cc): the announced name, address and tags are shared
// (member_info.h, an 8-byte handle), times are CompactTimes, and the
// heartbeat history, reports, opinions, leave and failure times live in
// `extra`, one pointer, only for the members that have any: protocol 1
// measures every member; protocol 2 only those we monitor, any member that
// sent us a heartbeat, and the few that are reported, failed or left.
//
// Who owns what: the Membership that holds a Member creates, changes and
// deletes it (and its `extra`), and it alone writes the fields; the rules
// that change them are membership.h's. Everyone else (GossipNode, digests,
// the gRPC service, the simulator) reads members through the const
// pointers Membership hands out (members(), Find, peers(), ...), valid until
// its next merge or reap. Not thread-safe: use it on its Membership's
// thread.
#ifndef PHID_GOSSIP_MEMBERSHIP_MEMBER_H_
#define PHID_GOSSIP_MEMBERSHIP_MEMBER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "detector/base/mono_time.h"
#include "detector/phi_accrual_detector.h"
#include "detector/phi_curve.h"
#include "gossip/compact_time.h"
#include "gossip/member.h"
#include "gossip/member_info.h"

namespace phid {

struct Member {
  explicit Member(const MemberRecord& record);
  // Bootstrap's: what `announced` announces (shared info, generation,
  // heartbeat, status), nothing measured.
  explicit Member(const Member& announced, bool /*bootstrap*/);

  // peer_slot and Extra::confer_slot while not listed.
  static constexpr uint32_t kNoSlot = ~uint32_t{0};

  struct Opinion {
    double phi;
    MonoTime at;
  };
  struct Report {
    uint64_t monitor;  // by id: a reaped monitor leaves nothing dangling
    uint64_t seq;
    bool suspect;
    ArrivalCurve curve;  // last_arrival in our local time
    MonoTime received;
  };
  struct Extra {
    // The newest report of each monitor that reported on this member (at
    // most Membership::kMaxReports, oldest dropped).
    std::vector<Report> reports;
    // When at_quorum last turned false: its recovery is listed in
    // summaries for a while after (a peer may still hold the suspicion).
    MonoTime quorum_ended = -absl::InfiniteDuration();
    MonoTime left_at;    // when we learned it left (status kLeft)
    MonoTime failed_at;  // when it failed (while `failed`)
    // When it last came back from a failure (Revive): its silence, and so
    // a new failure, counts from then at the earliest (SilentSince).
    MonoTime returned_at = -absl::InfiniteDuration();
    // Its key in retired_ while it is there (failed or left).
    absl::optional<MonoTime> retired_key;
    // v1: observer -> its latest phi for this member (>= opinion_floor).
    // Keyed by the observer's Member (never dangling: reaping a member
    // erases its opinions everywhere), so the merge path does no string
    // work.
    absl::flat_hash_map<const Member*, Opinion> opinions;
    // v1: the members whose `opinions` hold one from this member: reaping
    // it erases those in O(its opinions), not O(N) (issue 12: O(N^2)
    // reaping).
    absl::flat_hash_set<Member*> opinion_of;
    // v1: neighbours in the fresh list while `fresh` (intrusive: O(1)
    // removal). Here, not in Member: protocol 2 has no fresh list, and a
    // v1 member's detector dwarfs them.
    Member* fresh_prev = nullptr;
    Member* fresh_next = nullptr;
    // v2: index in confers_ while listed there (O(1) removal); only a
    // member we report on, which has reports, is listed.
    uint32_t confer_slot = kNoSlot;
    // Our detector of it, or null where we measure nothing.
    std::unique_ptr<PhiAccrualDetector> detector;
    // v2: when our report on it last went to its other monitors
    // (TakeConfers): a report that stands below quorum, or a vouch for
    // its failure, is sent again at most every summary_interval.
    MonoTime conferred_at = -absl::InfiniteDuration();
    // v2: when a peer that holds it alive last got our reports on it
    // (TakeAnswers; at most every summary_interval).
    MonoTime answered_at = -absl::InfiniteDuration();
  };

  const std::string& name() const { return info->name; }
  const std::string& address() const { return info->address; }
  const Tags& tags() const { return info->tags; }
  // The announced record, as a value (events, views, tests).
  MemberRecord record() const;

  const std::vector<Report>& reports() const;
  MonoTime quorum_ended() const {
    return extra ? extra->quorum_ended : -absl::InfiniteDuration();
  }
  MonoTime left_at() const { return extra ? extra->left_at : MonoTime(); }
  MonoTime failed_at() const { return extra ? extra->failed_at : MonoTime(); }
  // Our detector of it, or null where we measure nothing.
  const PhiAccrualDetector* detector() const {
    return extra ? extra->detector.get() : nullptr;
  }
  void DropDetector() {
    if (extra != nullptr) extra->detector.reset();
  }
  bool has_arrival() const {
    return detector() != nullptr && detector()->has_arrival();
  }

  SharedMemberInfo info;
  uint64_t generation = 0;
  uint64_t heartbeat = 0;
  uint64_t id = 0;  // v2: MemberId(name, generation)
  CompactTime joined_at;
  // v2: when its curve last changed here (evidence, or a ring change):
  // the view's last_arrival, which judgement re-evaluates on.
  CompactTime evidence_at = -absl::InfiniteDuration();
  // Neighbours in the news bucket for news_sends_left (intrusive list).
  Member* news_prev = nullptr;
  Member* news_next = nullptr;
  uint32_t peer_slot = kNoSlot;  // index in peers() while a gossip target
  int16_t news_sends_left = 0;   // piggyback budget for membership news
  MemberStatus status = MemberStatus::kAlive;
  bool warm_started : 1;  // seeded from gossiped statistics
  bool measured : 1;      // has a measured interval of its own
  bool fresh : 1;         // a newer heartbeat not yet passed on
  // v2: `quorum` of its current monitors report it suspect here: its
  // reports are news for the whole cluster, not only for its monitors.
  bool at_quorum : 1;
  // Silent past failed_after, see the lifecycle in membership.h (when:
  // failed_at).
  bool failed : 1;
  // Made by Membership::ExtraOf (which lists the member in with_extra_),
  // freed with the member.
  std::unique_ptr<Extra> extra;
};

}  // namespace phid

#endif  // PHID_GOSSIP_MEMBERSHIP_MEMBER_H_
