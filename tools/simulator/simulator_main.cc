// phid gossip simulator: thousands of nodes in one process on a simulated
// network and clock. Prints detection-time and false-suspicion tables.
//
//   bazel run -c opt //tools/simulator -- --scenario=crash --nodes=100
//   bazel run -c opt //tools/simulator -- --matrix
//   bazel run -c opt //tools/simulator -- --nodes=1000 --threads=0  #
//   sequential
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "detector/phi.h"
#include "glog/logging.h"
#include "tools/simulator/scenario.h"

ABSL_FLAG(std::string, scenario, "crash",
          "crash | pause | loss | partition | join_storm");
ABSL_FLAG(int, nodes, 10, "cluster size");
ABSL_FLAG(int, victims, 1,
          "nodes crashed, paused, cut off by the partition, or joining");
ABSL_FLAG(double, loss, 0, "packet loss probability on every link, [0, 1]");
ABSL_FLAG(absl::Duration, delay, absl::Milliseconds(1), "one-way delay");
ABSL_FLAG(absl::Duration, jitter, absl::Milliseconds(1),
          "extra uniform random delay [0, jitter)");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(20),
          "simulated time before the fault");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(60),
          "simulated time from the fault to the end");
ABSL_FLAG(absl::Duration, pause, absl::Seconds(5),
          "how long a pause or partition lasts");
ABSL_FLAG(std::string, thresholds, "1,2,4,8,12,16", "phi thresholds");
ABSL_FLAG(uint64_t, seed, 1, "random seed (runs are reproducible)");
ABSL_FLAG(absl::Duration, gossip_interval, absl::Milliseconds(100),
          "gossip round; detector defaults follow it");
ABSL_FLAG(int, fanout, 3, "peers per gossip round");
ABSL_FLAG(std::string, model, "normal",
          "phi model: normal | akka | exponential");
ABSL_FLAG(int, history_capacity, 100,
          "intervals each detector keeps (the daemon keeps 1000; every "
          "simulated node holds N histories, so N^2 in all)");
ABSL_FLAG(int, threads, 2,
          "threads that run the simulated nodes (parallel driver, in windows "
          "of the one-way delay; same results for any count >= 1); 0 = the "
          "sequential driver");
ABSL_FLAG(int, seeds, 0,
          "nodes the others join through (node k joins through node k % "
          "seeds); a seed lets in at most 20 nodes a second; 0 = one per 500 "
          "nodes");
ABSL_FLAG(bool, prejoined, false,
          "protocol 2: start as if the join had completed long ago: every "
          "node knows every other ALIVE at its generation, address, tags and "
          "ring place, with no news pending, filled in memory without a "
          "datagram; warm-up, fault and measurement are unchanged. The join "
          "itself (full states through the seeds, N^2 merges) is not "
          "modelled: measure it with --scenario=join_storm");
ABSL_FLAG(int, protocol, 2,
          "gossip protocol: 2 (direct monitors, quorum reports) or 1 (every "
          "heartbeat relayed to every observer)");
ABSL_FLAG(
    absl::Duration, summary_interval, absl::Seconds(2),
    "protocol 2: anti-entropy summary interval (and the renewal period "
    "of a standing suspicion); the lean preset is --gossip_interval=600ms "
    "--summary_interval=4s");
ABSL_FLAG(int, monitors, 3, "protocol 2: monitors per member (K)");
ABSL_FLAG(int, quorum, 2, "protocol 2: monitors that must agree (H of K)");
ABSL_FLAG(double, report_level, 2,
          "protocol 2: phi at which a monitor reports a member");
ABSL_FLAG(bool, keyring, false,
          "seal every datagram with a fixed AES-256-GCM key, as --keyring_file "
          "does for phid (bytes and CPU with the keyring on; the key is a "
          "constant: the simulator never sends real traffic)");
ABSL_FLAG(bool, matrix, false,
          "run the standard matrix: N = 10, 100, 1000 x loss 0%, 5% x "
          "crash, pause (ignores the other scenario flags)");

namespace phid {
namespace {

int Run() {
  std::vector<double> thresholds;
  for (absl::string_view t :
       absl::StrSplit(absl::GetFlag(FLAGS_thresholds), ',')) {
    double v;
    if (!absl::SimpleAtod(t, &v) || v <= 0) {
      std::cerr << "--thresholds: '" << t << "' is not a positive number\n";
      return 2;
    }
    thresholds.push_back(v);
  }
  absl::StatusOr<PhiModel> model = ParsePhiModel(absl::GetFlag(FLAGS_model));
  if (!model.ok()) {
    std::cerr << "--model: " << model.status().message() << "\n";
    return 2;
  }
  ScenarioConfig base;
  base.thresholds = thresholds;
  base.seed = absl::GetFlag(FLAGS_seed);
  base.threads = absl::GetFlag(FLAGS_threads);
  base.seeds = absl::GetFlag(FLAGS_seeds);
  base.prejoined = absl::GetFlag(FLAGS_prejoined);
  if (base.seeds < 0) {
    std::cerr << "--seeds must be at least 0 (0: one per 500 nodes)\n";
    return 2;
  }
  if (base.threads < 0) {
    std::cerr << "--threads must be at least 0\n";
    return 2;
  }
  base.options.gossip_interval = absl::GetFlag(FLAGS_gossip_interval);
  base.options.fanout = absl::GetFlag(FLAGS_fanout);
  base.options.protocol = absl::GetFlag(FLAGS_protocol);
  if (base.prejoined && base.options.protocol != 2) {
    std::cerr << "--prejoined needs --protocol=2\n";
    return 2;
  }
  base.options.summary_interval = absl::GetFlag(FLAGS_summary_interval);
  base.options.monitors = absl::GetFlag(FLAGS_monitors);
  base.options.quorum = absl::GetFlag(FLAGS_quorum);
  base.options.report_level = absl::GetFlag(FLAGS_report_level);
  base.options.detector =
      DetectorOptionsForInterval(base.options.gossip_interval);
  base.options.detector.model = *model;
  base.options.detector.history.capacity =
      absl::GetFlag(FLAGS_history_capacity);
  base.delay = absl::GetFlag(FLAGS_delay);
  base.jitter = absl::GetFlag(FLAGS_jitter);
  base.warmup = absl::GetFlag(FLAGS_warmup);
  base.duration = absl::GetFlag(FLAGS_duration);
  base.pause = absl::GetFlag(FLAGS_pause);
  base.options.name = "x";
  absl::Status valid = base.options.Validate();
  if (!valid.ok()) {
    std::cerr << valid.message() << "\n";
    return 2;
  }

  absl::StatusOr<Keyring> keyring =
      Keyring::FromKeys({std::string(Keyring::kKeyBytes, 'k')});
  if (!keyring.ok()) {
    std::cerr << "--keyring: " << keyring.status().message() << "\n";
    return 2;
  }
  if (absl::GetFlag(FLAGS_keyring)) base.keyring = &*keyring;

  std::vector<ScenarioConfig> runs;
  if (absl::GetFlag(FLAGS_matrix)) {
    for (int n : {10, 100, 1000}) {
      for (double loss : {0.0, 0.05}) {
        for (ScenarioKind kind : {ScenarioKind::kCrash, ScenarioKind::kPause}) {
          ScenarioConfig c = base;
          c.nodes = n;
          c.loss = loss;
          c.kind = kind;
          c.victims = 1;
          runs.push_back(c);
        }
      }
    }
  } else {
    absl::StatusOr<ScenarioKind> kind =
        ParseScenarioKind(absl::GetFlag(FLAGS_scenario));
    if (!kind.ok()) {
      std::cerr << "--scenario: " << kind.status().message() << "\n";
      return 2;
    }
    ScenarioConfig c = base;
    c.kind = *kind;
    c.nodes = absl::GetFlag(FLAGS_nodes);
    c.victims = absl::GetFlag(FLAGS_victims);
    c.loss = absl::GetFlag(FLAGS_loss);
    runs.push_back(c);
  }
  const char* names[] = {"crash", "pause", "loss", "partition", "join_storm"};
  for (const ScenarioConfig& c : runs) {
    absl::StatusOr<ScenarioResult> result = RunScenario(c);
    if (!result.ok()) {
      std::cerr << result.status().message() << "\n";
      return 2;
    }
    std::cout << "### " << names[static_cast<int>(c.kind)] << ": "
              << FormatResult(c, *result) << "\n"
              << std::flush;
  }
  return 0;
}

}  // namespace
}  // namespace phid

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Simulates a phid cluster on a virtual network and clock and reports "
      "detection time and false suspicions per phi threshold.\n"
      "Usage: simulator [--scenario=crash|pause|loss|partition|join_storm] "
      "[--nodes=N] [--loss=P] ... | --matrix");
  absl::ParseCommandLine(argc, argv);
  google::InitGoogleLogging(argv[0]);
  FLAGS_logtostderr = true;
  FLAGS_minloglevel = 2;  // the simulated nodes' own logs are noise here
  return phid::Run();
}
