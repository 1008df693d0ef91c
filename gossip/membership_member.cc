#include "gossip/membership_member.h"

#include <vector>

namespace phid {

// The (observer, member) pair's share that every member costs (see
// Member): an 8-byte info handle, three ids and counters, two CompactTimes,
// the news links, slots and flags, and the one `extra` pointer.
static_assert(sizeof(void*) != 8 || sizeof(Member) <= 80,
              "Member grew: it is in every pair of the simulator");

Member::Member(const MemberRecord& record)
    : info(InternMemberInfo(record.name, record.address, record.tags)),
      generation(record.generation),
      heartbeat(record.heartbeat),
      status(record.status),
      warm_started(false),
      measured(false),
      fresh(false),
      at_quorum(false),
      failed(false) {}

Member::Member(const Member& announced, bool /*bootstrap*/)
    : info(announced.info),
      generation(announced.generation),
      heartbeat(announced.heartbeat),
      status(announced.status),
      warm_started(false),
      measured(false),
      fresh(false),
      at_quorum(false),
      failed(false) {}

MemberRecord Member::record() const {
  MemberRecord r;
  r.name = name();
  r.address = address();
  r.generation = generation;
  r.heartbeat = heartbeat;
  r.status = status;
  r.tags = tags();
  return r;
}

const std::vector<Member::Report>& Member::reports() const {
  static const auto* const kNone = new std::vector<Report>();
  return extra ? extra->reports : *kNone;
}

}  // namespace phid
