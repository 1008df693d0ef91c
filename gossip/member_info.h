// MemberInfo: the immutable part of what a member announces (name, gossip
// address, tags), held once per process however many tables hold it.
//
// Why: in the simulator every one of N nodes holds every member, and an
// equal record decoded by N different nodes would otherwise be stored N
// times (at N = 10,000 that is 10^8 copies of the same strings). In the
// daemon there is one table, and interning costs one lookup when a member
// joins, restarts or moves.
//
// InternMemberInfo returns a shared handle to the process-wide copy with
// that content, creating it if none is alive. A copy lives as long as some
// handle does; the last handle's release removes it from the table, so the
// table holds only what some member table still uses (bounded by them).
// Equal content gives the same object, so equality of handles is equality
// of content; nothing may depend on the address itself (runs must not
// depend on allocation order).
//
// Thread-safe: the simulator's nodes intern on worker threads at once.
#ifndef PHID_GOSSIP_MEMBER_INFO_H_
#define PHID_GOSSIP_MEMBER_INFO_H_

#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "gossip/member.h"

namespace phid {

struct MemberInfo {
  std::string name;
  std::string address;  // gossip address "ip:port"
  Tags tags;
};

using SharedMemberInfo = std::shared_ptr<const MemberInfo>;

// The process-wide MemberInfo equal to (name, address, tags).
SharedMemberInfo InternMemberInfo(absl::string_view name,
                                  absl::string_view address, const Tags& tags);

// Distinct MemberInfos alive in the process (for tests and the simulator).
size_t InternedMemberInfos();

}  // namespace phid

#endif  // PHID_GOSSIP_MEMBER_INFO_H_
