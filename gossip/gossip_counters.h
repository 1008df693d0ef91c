// Counters a GossipNode keeps for metrics and tests. Plain values; read them
// under the same lock that guards the node.
#ifndef PHID_GOSSIP_GOSSIP_COUNTERS_H_
#define PHID_GOSSIP_GOSSIP_COUNTERS_H_

#include <array>
#include <cstdint>

#include "gossip/packet_codec.h"

namespace phid {

struct GossipCounters {
  uint64_t packets_in = 0;  // datagrams received (accepted or not)
  uint64_t bytes_in = 0;
  uint64_t packets_out = 0;  // datagrams sent
  uint64_t bytes_out = 0;
  // Datagrams dropped, by reason (index = DropReason).
  std::array<uint64_t, static_cast<size_t>(DropReason::kCount)> drops{};
  uint64_t arrivals = 0;  // newer heartbeats learned
  uint64_t merges = 0;    // entries that changed our state
  uint64_t joins = 0;
  uint64_t restarts = 0;
  uint64_t leaves = 0;
  uint64_t removals = 0;
  uint64_t pauses = 0;          // local pauses detected
  uint64_t name_conflicts = 0;  // someone else gossips our name, newer
  uint64_t push_pulls = 0;      // push-pull exchanges started
  uint64_t warm_starts = 0;     // histories seeded from gossiped statistics
  // Protocol v2.
  uint64_t heartbeats_sent = 0;  // direct heartbeat datagrams
  uint64_t reports = 0;          // entries that brought newer reports
  // Others' suspect reports not renewed in time (membership_lapse.cc).
  uint64_t reports_lapsed = 0;
  uint64_t summaries = 0;        // anti-entropy summaries sent
  uint64_t repairs = 0;          // entries sent because a summary differed
  uint64_t challenges = 0;       // push-pulls answered with a cookie only
  uint64_t members_refused = 0;  // unknown members over max_members
  uint64_t members_evicted = 0;  // failed/left members making room for one
  uint64_t failures = 0;         // members that became FAILED
  uint64_t forgotten = 0;        // members an operator forgot
  uint64_t reconnects = 0;       // heartbeats probing a failed member
  // Heartbeats answering one from a live member that is neither our subject
  // nor our monitor (a probe from a daemon that holds us failed).
  uint64_t probe_answers = 0;
  // Unknown members of unverified datagrams over admission_rate (all
  // sources) or admission_rate_per_source (admission.h).
  uint64_t admissions_refused_global = 0;
  uint64_t admissions_refused_source = 0;

  uint64_t drops_total() const {
    uint64_t total = 0;
    for (uint64_t d : drops) total += d;
    return total;
  }
};

}  // namespace phid

#endif  // PHID_GOSSIP_GOSSIP_COUNTERS_H_
