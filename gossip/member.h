// The facts gossip carries about a member, and what a node derives from them.
//
// MemberRecord is what the member itself announces (name, address,
// generation, heartbeat counter, status, tags). MemberView adds this
// observer's judgement (phi and its inputs, opinions of other observers) for
// the API and the simulator. Both are plain values.
#ifndef PHID_GOSSIP_MEMBER_H_
#define PHID_GOSSIP_MEMBER_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "detector/base/clock.h"
#include "detector/phi.h"
#include "detector/phi_curve.h"

namespace phid {

enum class MemberStatus : uint8_t {
  kAlive,
  kLeft,  // left on purpose: never reported as a failure
};
absl::string_view MemberStatusName(MemberStatus status);

using Tags = std::map<std::string, std::string>;

struct MemberRecord {
  std::string name;
  std::string address;      // gossip address "ip:port"
  uint64_t generation = 0;  // new on every start; larger is newer
  uint64_t heartbeat = 0;   // the member's own counter
  MemberStatus status = MemberStatus::kAlive;
  Tags tags;
};

// A member's 64-bit id in protocol v2: a fixed hash (FNV-1a, then
// splitmix64) of its name and generation, the same in every process. Short
// datagrams name members by it; a restart gets a new id.
uint64_t MemberId(absl::string_view name, uint64_t generation);

// One member as this node sees it at some instant.
struct MemberView {
  MemberRecord record;
  bool is_self = false;
  double phi = 0;  // curve.Phi at the snapshot's `now`; finite
  // What phi is, at any instant: the one thing judgement uses.
  PhiCurve curve;
  bool has_arrival = false;  // false for self and for unheard members
  // Local time of the newest evidence of life: a heartbeat (v1, or v2 at a
  // monitor) or a monitor's report (v2). Judgement re-evaluates when it moves.
  MonoTime last_arrival;
  // For display: the decisive curve's distribution (its mean and stddev).
  IntervalDistribution distribution;
  uint64_t samples = 0;  // intervals behind the distribution
  int suspected_by = 0;  // other live observers above the level
  MonoTime joined_at;    // when this node learned the member
  // Silent for failed_after (never for self or LEFT members): listed as
  // FAILED until removed, see GossipOptions::failed_member_retention.
  bool failed = false;
  MonoTime failed_at;  // when it became failed (valid if `failed`)
};

}  // namespace phid

#endif  // PHID_GOSSIP_MEMBER_H_
