// GossipEntry: one member's entry as gossip carries it (the wire's
// DigestEntry), decoded and validated, with the monitors' reports on it
// (ReportEntry, protocol 2).
//
// Why a header of its own: the decoder (digest.h's FromWire) makes these
// from untrusted datagrams, and only Membership::MergeEntry consumes them;
// neither needs the other's internals. Plain values: whoever decodes one
// owns it, and nothing keeps a pointer into it after the merge.
#ifndef PHID_GOSSIP_GOSSIP_ENTRY_H_
#define PHID_GOSSIP_GOSSIP_ENTRY_H_

#include <cstdint>
#include <vector>

#include "absl/time/time.h"
#include "detector/heartbeat_history.h"
#include "detector/phi.h"
#include "gossip/member.h"

namespace phid {

// Protocol v2: one monitor's report on a member, as gossip carries it.
struct ReportEntry {
  uint64_t monitor = 0;  // the monitor's member id
  uint64_t seq = 0;      // the monitor's report counter: newer wins
  bool suspect = false;  // phi reached the report level (false: recovered)
  PhiModel model = PhiModel::kNormal;
  IntervalDistribution distribution;
  // Age of the last direct heartbeat at the monitor, as of receipt.
  absl::Duration age;
};

// One gossiped entry, decoded and validated.
struct GossipEntry {
  MemberRecord record;  // compact entries: address and tags empty
  bool compact = false;
  bool has_stats = false;
  IntervalStats stats;               // the sender's history of this member
  double phi = 0;                    // the sender's phi for this member
  std::vector<ReportEntry> reports;  // v2
};

}  // namespace phid

#endif  // PHID_GOSSIP_GOSSIP_ENTRY_H_
