// Scenario runner for the gossip simulator: N GossipNodes on the in-memory
// network and simulated clock (gossip/sim_cluster.h), one fault scenario,
// and the quality-of-service figures of the result.
//
// Detection time is exact, not sampled: after a crash no arrival reaches an
// observer any more, so the observer's detector says analytically when phi
// crosses each threshold (TimeAtPhi). False suspicions are exact too: when a
// heartbeat of a healthy member arrives, the detector as it was just before
// tells whether phi had passed a threshold and since when; one that no
// evidence ended by the end of a crash or loss run is counted then
// (standing_false.h), its duration up to the end.
//
// With config.threads >= 1 the nodes run on that many threads; each node's
// probe keeps its own tally, added up after the run.
#ifndef PHID_TOOLS_SIMULATOR_SCENARIO_H_
#define PHID_TOOLS_SIMULATOR_SCENARIO_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gossip/gossip_options.h"
#include "gossip/keyring.h"

namespace phid {

enum class ScenarioKind {
  kCrash,      // crash `victims` nodes at once
  kPause,      // pause `victims` nodes for `pause`, then resume
  kLoss,       // healthy cluster under `loss` (false suspicions only)
  kPartition,  // split the cluster in two for `pause`, then heal
  kJoinStorm,  // `victims` new nodes join at once
};
absl::StatusOr<ScenarioKind> ParseScenarioKind(const std::string& name);

struct ScenarioConfig {
  ScenarioKind kind = ScenarioKind::kCrash;
  int nodes = 10;
  int victims = 1;
  double loss = 0;
  absl::Duration delay = absl::Milliseconds(1);
  absl::Duration jitter = absl::Milliseconds(1);
  absl::Duration warmup = absl::Seconds(20);    // before the fault
  absl::Duration duration = absl::Seconds(60);  // after the fault starts
  absl::Duration pause = absl::Seconds(5);
  std::vector<double> thresholds = {1, 2, 4, 8, 12, 16};
  uint64_t seed = 1;
  // 0: SimCluster's sequential driver; >= 1: its parallel driver on that
  // many threads. The result is the same either way (but wall_seconds).
  int threads = 0;
  // Nodes the others join through: node k >= seeds joins through node
  // k % seeds, and nodes 1 .. seeds-1 through node 0. A seed sends at most
  // 20 full states a second (GossipNode), so one seed takes N / 20 s to let
  // N nodes in. 0: one seed per 500 nodes (at least one).
  int seeds = 0;
  // Protocol 2 only. Start the cluster as if its join had completed long
  // ago: every node is created at once and its membership filled in memory
  // with every other node ALIVE (GossipNode::Prejoin), at the generation,
  // address, tags and ring place a full-state join leaves, with no news
  // pending and nothing left to join. No datagram is sent for it, so the
  // join's cost (N full states through the seeds, N^2 entry merges, the
  // news of every member learned) is not modelled: join_storm measures
  // that. What follows is unchanged: warm-up (heartbeats start, monitors'
  // histories fill), then the fault and the measurement. It lets the
  // simulator reach N = 10,000, where the join alone would take longer
  // than the run.
  bool prejoined = false;
  GossipOptions options = GossipOptions::ForLan();
  // Every node seals and opens its datagrams with this keyring (AES-256-GCM,
  // 24 more bytes a datagram); null: plaintext. Not owned; must outlive the
  // run.
  const Keyring* keyring = nullptr;
};

struct Distribution {
  int count = 0;
  double min = 0, p50 = 0, p99 = 0, max = 0;  // milliseconds
};

struct ThresholdResult {
  double threshold = 0;
  // Crash and pause: from the fault to phi crossing the threshold, per
  // (observer, victim).
  Distribution detection_ms;
  int undetected = 0;  // observers that never crossed within the run
  // Healthy members whose phi crossed the threshold at some observer.
  int false_suspicions = 0;
  double false_per_node_hour = 0;
  double mean_false_duration_ms = 0;
};

struct ScenarioResult {
  std::vector<ThresholdResult> thresholds;
  // Bytes on the wire: payload plus 28 bytes of IPv4/UDP header a datagram.
  double bytes_per_node_second = 0;
  double packets_per_node_second = 0;
  // Rounds from the fault (a join or a crash-free restart) until every live
  // node knew of the change; -1 if not measured or not reached.
  double dissemination_rounds = -1;
  int observer_pauses = 0;  // local pauses the nodes detected
  // Crash, protocol v2: from the crash until every live observer held a
  // quorum of reports on every victim; -1 if not measured or not reached.
  double rumour_ms = -1;
  double max_rss_mb = 0;  // the process's peak resident set after the run
  double wall_seconds = 0;
  double prejoin_wall_seconds = 0;  // of wall_seconds, the prejoin fill
  double simulated_seconds = 0;
};

absl::StatusOr<ScenarioResult> RunScenario(const ScenarioConfig& config);

// A markdown table of the result.
std::string FormatResult(const ScenarioConfig& config,
                         const ScenarioResult& result);

}  // namespace phid

#endif  // PHID_TOOLS_SIMULATOR_SCENARIO_H_
