// GossipOptions: every knob of the gossip protocol, with presets.
//
// Defaults (ForLan) aim at detecting a dead member within a second at phi 8
// in clusters of tens of nodes: a 100 ms round gives ~10 arrivals per second
// per member at every observer, so the interval history is well sampled, and
// phi 8 under the normal model sits about mean + pause + 5.6 sigma after the
// last arrival (~0.6 s with the defaults).
#ifndef PHID_GOSSIP_GOSSIP_OPTIONS_H_
#define PHID_GOSSIP_GOSSIP_OPTIONS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "detector/phi_accrual_detector.h"

namespace phid {

struct GossipOptions {
  // This member's name: unique in the cluster; 1..128 bytes of
  // [A-Za-z0-9._:-]. No default (the daemon uses the hostname).
  std::string name;
  // Cluster name, bound into every packet; packets of another cluster are
  // dropped. Default "phid"; 1..64 bytes.
  std::string cluster = "phid";
  // Generation of this run: must grow across restarts of the same name.
  // GossipNode requires it > 0 (it reads no clock); 0 = the daemon picks it
  // from the wall clock (microseconds since the epoch) at start.
  uint64_t generation = 0;
  // Human-assigned tags gossiped with the member record (see tags.h).
  std::map<std::string, std::string> tags;
  // Gossip addresses to join through: "ip:port", or "dns-name:port"
  // resolved (every address it names) on every join attempt. Empty, or only
  // our own address: the first member of a cluster, ready alone.
  std::vector<std::string> seeds;

  // Heartbeat bump and gossip round period. Default 100 ms; [10 ms, 10 s].
  absl::Duration gossip_interval = absl::Milliseconds(100);
  // Peers each round's digest goes to. Default 3; [1, 16].
  int fanout = 3;
  // Push-pull anti-entropy with one random peer every
  // push_pull_interval * max(1, log2(N)). Default 5 s; [100 ms, 1 h].
  absl::Duration push_pull_interval = absl::Seconds(5);
  // First retry delay towards seeds while we know nobody; doubles up to
  // join_retry_max. Defaults 200 ms and 5 s.
  absl::Duration join_retry_initial = absl::Milliseconds(200);
  absl::Duration join_retry_max = absl::Seconds(5);
  // How long a leaving member keeps gossiping LEFT before it stops.
  // Default 500 ms.
  absl::Duration leave_propagation = absl::Milliseconds(500);
  // A member that stops without leaving is FAILED once silent this long:
  // v2, since its monitors' quorum curve passed report_level; v1, since
  // its last heartbeat news. A failed member stays listed (off the monitor
  // ring, out of the members hash and of everything we gossip) until
  // failed_member_retention has passed; new heartbeats or a new
  // generation make it alive again. Default 30 s (wan 2 min); [1 s, 24 h].
  absl::Duration failed_after = absl::Seconds(30);
  // How long a FAILED member stays listed before it is removed (like
  // Serf's reconnect_timeout). Default 24 h; [1 s, 30 days].
  absl::Duration failed_member_retention = absl::Hours(24);
  // How long a member that left stays listed (LEFT) after we learned it,
  // before it is removed. Default 1 h; [1 s, 30 days].
  absl::Duration left_member_retention = absl::Hours(1);
  // How long a removed (name, generation) is remembered so stale gossip does
  // not resurrect it. Default 60 s.
  absl::Duration tombstone_ttl = absl::Seconds(60);
  // Local-pause guard: if our own loop runs later than expected by more than
  // this, we were paused (GC, CPU starvation, SIGSTOP) and discount the pause
  // for every peer. Default 500 ms; [10 ms, 1 h].
  absl::Duration pause_limit = absl::Milliseconds(500);
  // Opinions (gossiped phi) older than this are ignored. Default 5 s.
  absl::Duration opinion_ttl = absl::Seconds(5);
  // Opinions below this phi are not stored (only suspicion is worth memory).
  // Default 1.0.
  double opinion_floor = 1.0;
  // Membership news (join, restart, leave) is piggybacked this many times
  // * ceil(log2(N + 1)) before it is left to the round-robin. Default 3.
  int news_retransmit_mult = 3;

  // Wire protocol. 1 (the struct's default, kept for one release): every
  // heartbeat counter is relayed by gossip to every observer. 2 (every
  // preset's): each member sends small heartbeat
  // datagrams straight to `monitors` ring neighbours; only changes (news,
  // monitor reports) are gossiped, and every observer judges a member by
  // the quorum of its monitors' reports (see monitor_ring.h, reports.h).
  // The two do not interoperate: a v1 daemon drops v2 datagrams and the
  // other way round, counted as bad_version.
  int protocol = 1;
  // v2: monitors per member (K). Default 3; [1, 16]. Heartbeat bytes per
  // member per second = K / gossip_interval * 48 (plaintext, with IP/UDP;
  // 72 with a keyring): 1,440 B/s with the defaults.
  int monitors = 3;
  // v2: monitors that must agree before a member is suspected anywhere
  // (H of K). Default 2; [1, monitors]. A member with fewer monitors (a
  // cluster of N <= K) needs min(H, N - 1).
  int quorum = 2;
  // v2: the phi at which a monitor reports a member to its co-monitors,
  // and, once `quorum` of them agree, to the whole cluster. A subscriber
  // whose threshold is at or above it is told the exact crossing instant;
  // one below it hears when the reports arrive (phi then at about this
  // level). Default 2; (0, 64].
  double report_level = 2;
  // v2: anti-entropy: a summary (hashes and report keys, ~65 bytes on the
  // wire) to one random peer every summary_interval (jittered +-50 %); only
  // what differs is then sent, so a missed report or recovery is repaired
  // within a few intervals at any N. It also paces the renewal of a
  // suspicion that stands below quorum, which the other monitors let lapse
  // after 3 intervals without one (membership_lapse.cc). Default 2 s;
  // [100 ms, 1 h].
  absl::Duration summary_interval = absl::Seconds(2);
  // v2: every reconnect_interval (jittered +-50 %) a heartbeat to one random
  // FAILED member, at its last address. A failed member is otherwise never
  // sent anything (off the ring, no gossip target), so without it a
  // partition that outlasted failed_after would never heal: each side would
  // hold the other failed for good. A probed member that holds us failed
  // too takes the probe as our return and answers with its own heartbeat;
  // the news of each return then spreads on both sides, and the rings merge
  // again. One that holds us alive but is neither our subject nor our
  // monitor answers too, at most once per prober per interval. Costs one
  // 48-byte datagram per interval while any member is failed (like memberlist's
  // reconnect, which Serf runs every 30 s). Default 10 s (wan 30 s); [1 s, 1
  // h].
  absl::Duration reconnect_interval = absl::Seconds(10);

  // Most members (self included) this node holds, failed and left ones
  // included: past it, an unknown member takes the place of the member
  // that failed or left the longest ago (counted as members_evicted), or
  // is refused and counted (members_refused) if every member is alive, so
  // no input grows memory without bound. About 1 KB each. Default 20,000;
  // [2, 1,000,000].
  int max_members = 20000;
  // Admission (admission.h): unknown members a datagram nobody verified
  // may bring, per second, from all sources together and from one source
  // address; bursts of 10 s of each. Past them such members are refused
  // and counted (admissions_refused_{global,source}). Members in a
  // verified datagram (any under a keyring; a push-pull with our cookie;
  // a full state or repair answering our request) are not limited, so a
  // join brings a seed's whole membership at once. A flood of forged
  // members fills max_members no faster than admission_rate. Defaults 500
  // and 50; each in [1, 1e6].
  double admission_rate = 500;
  double admission_rate_per_source = 50;

  // The detector every member's history uses.
  DetectorOptions detector;

  // OK, or INVALID_ARGUMENT naming the field and its valid range.
  absl::Status Validate() const;

  // Presets.
  static GossipOptions ForLan();
  // A WAN preset: slower rounds, more tolerance.
  static GossipOptions ForWan();
  // For many daemons on one machine (tests, the local cluster).
  static GossipOptions ForLocalTesting();
  // Protocol 2 with the fewest bytes that still detect within seconds:
  // 600 ms rounds, 3 monitors, summaries every 4 s. 3 / 0.6 x 48 + ~23 =
  // ~260 bytes per node per second, below Serf lan's UDP traffic alone
  // (~267 B/s measured, ~300-320 with its TCP push-pull); phi 8 about 3.5 s
  // after the last heartbeat (round + 1.2 s pause + 5.6 x 300 ms), half
  // Serf lan's detection time. (500 ms rounds sent ~304 B/s: 0.95-1.01x
  // Serf lan, too close to call.)
  static GossipOptions ForLean();
};

// The detector defaults that go with a gossip interval: acceptable pause two
// rounds, min_stddev half a round, first estimate two rounds, the shortest
// admitted interval a fifth of a round and the longest 20 rounds (at least
// 2 s): longer silences are outages and stay out of the history.
DetectorOptions DetectorOptionsForInterval(absl::Duration gossip_interval);

}  // namespace phid

#endif  // PHID_GOSSIP_GOSSIP_OPTIONS_H_
