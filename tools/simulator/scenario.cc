#include "tools/simulator/scenario.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "detector/base/process_stats.h"
#include "gossip/sim_cluster.h"
#include "tools/simulator/standing_false.h"

namespace phid {
namespace {

Distribution Summarize(std::vector<double> values) {
  Distribution d;
  d.count = static_cast<int>(values.size());
  if (values.empty()) return d;
  std::sort(values.begin(), values.end());
  auto at = [&](double q) {
    size_t i = static_cast<size_t>(q * (values.size() - 1) + 0.5);
    return values[std::min(i, values.size() - 1)];
  };
  d.min = values.front();
  d.p50 = at(0.5);
  d.p99 = at(0.99);
  d.max = values.back();
  return d;
}

// What is being measured. Written only between runs; every observer's probe
// reads it, concurrently in parallel mode.
struct Setup {
  std::vector<double> thresholds;
  std::set<std::string> faulty;  // members whose silence is real
  bool fault_active = false;
  bool partition = false;
  bool healed = false;  // the pause or partition is over
  MonoTime fault_start;
};

// What observers saw. Each probe keeps its own (only its node's events
// touch it, so worker threads never share one); the run's totals are their
// sum, added up in observer order so that any thread count gives the same.
struct Tally {
  explicit Tally(size_t thresholds)
      : false_count(thresholds, 0),
        false_duration_ms(thresholds, 0),
        detection_ms(thresholds) {}
  void Add(const Tally& other) {
    for (size_t i = 0; i < false_count.size(); ++i) {
      false_count[i] += other.false_count[i];
      false_duration_ms[i] += other.false_duration_ms[i];
      detection_ms[i].insert(detection_ms[i].end(),
                             other.detection_ms[i].begin(),
                             other.detection_ms[i].end());
    }
    pauses += other.pauses;
  }
  // Per threshold.
  std::vector<int> false_count;
  std::vector<double> false_duration_ms;
  std::vector<std::vector<double>> detection_ms;
  int pauses = 0;
};

class Probe final : public MembershipListener {
 public:
  Probe(const Setup* setup, std::string observer)
      : setup_(setup),
        observer_(std::move(observer)),
        tally_(setup->thresholds.size()) {}

  const Tally& tally() const { return tally_; }

  void OnMemberEvent(const MemberEvent& event) override {
    if (event.type == MemberEventType::kObserverPaused) ++tally_.pauses;
  }

  void OnEvidence(const std::string& name, const PhiCurve& before,
                  MonoTime now) override {
    if (!before.has_evidence()) return;
    const Setup& setup = *setup_;
    // A pair is cut off by the fault if the member is a victim or, in a
    // partition, if exactly one of the two is on the victims' side.
    bool name_victim = setup.faulty.count(name) > 0;
    bool cut = setup.partition
                   ? name_victim != (setup.faulty.count(observer_) > 0)
                   : name_victim;
    if (cut) {
      // The first arrival after a pause or partition heals tells when the
      // observer's phi crossed each threshold: that is a true detection.
      if (!setup.healed) return;
      if (!first_arrival_seen_.insert(name).second) return;
      for (size_t i = 0; i < setup.thresholds.size(); ++i) {
        MonoTime at = before.TimeAt(setup.thresholds[i]);
        if (at <= now) {
          tally_.detection_ms[i].push_back(
              absl::ToDoubleMilliseconds(at - setup.fault_start));
        }
      }
      return;
    }
    if (!setup.fault_active) return;  // warm-up is not measured
    double phi = before.Phi(now);
    for (size_t i = 0; i < setup.thresholds.size(); ++i) {
      if (phi < setup.thresholds[i]) continue;
      MonoTime at = before.TimeAt(setup.thresholds[i]);
      ++tally_.false_count[i];
      if (at <= now) {
        tally_.false_duration_ms[i] += absl::ToDoubleMilliseconds(now - at);
      }
    }
  }

 private:
  const Setup* setup_;
  std::string observer_;
  Tally tally_;
  // Victims whose first post-fault arrival was recorded.
  std::set<std::string> first_arrival_seen_;
};

// After a crash no arrival reaches an observer any more, so each observer's
// detector says exactly when phi crossed each threshold.
void RecordCrashDetections(SimCluster& cluster, const std::vector<int>& victims,
                           const Setup& setup, Tally* tally) {
  for (int i = 0; i < cluster.size(); ++i) {
    if (cluster.node(i).crashed) continue;
    const Membership& m = cluster.node(i).gossip->membership();
    for (int v : victims) {
      const Member* victim = m.Find(cluster.node(v).name);
      if (victim == nullptr) continue;
      for (size_t t = 0; t < setup.thresholds.size(); ++t) {
        MonoTime at =
            m.CurveOf(*victim, cluster.now()).TimeAt(setup.thresholds[t]);
        if (at <= cluster.now()) {
          tally->detection_ms[t].push_back(
              absl::ToDoubleMilliseconds(at - setup.fault_start));
        }
      }
    }
  }
}

// VmHWM of this process, in MB; 0 where unreadable.
double PeakRssMb() {
  const absl::StatusOr<ProcessStats> self = ReadProcessStats();
  return self.ok() && self->peak_rss_kb >= 0 ? self->peak_rss_kb / 1024.0 : 0;
}

}  // namespace

absl::StatusOr<ScenarioKind> ParseScenarioKind(const std::string& name) {
  if (name == "crash") return ScenarioKind::kCrash;
  if (name == "pause") return ScenarioKind::kPause;
  if (name == "loss") return ScenarioKind::kLoss;
  if (name == "partition") return ScenarioKind::kPartition;
  if (name == "join_storm") return ScenarioKind::kJoinStorm;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown scenario '", name,
                   "'; use crash, pause, loss, partition or join_storm"));
}

absl::StatusOr<ScenarioResult> RunScenario(const ScenarioConfig& config) {
  if (config.nodes < 2) {
    return absl::InvalidArgumentError("nodes must be at least 2");
  }
  if (config.victims < 0 || config.victims >= config.nodes) {
    return absl::InvalidArgumentError("victims must be in [0, nodes - 1]");
  }
  if (config.threads < 0) {
    return absl::InvalidArgumentError("threads must be at least 0");
  }
  if (config.seeds < 0) {
    return absl::InvalidArgumentError("seeds must be at least 0");
  }
  if (config.prejoined && config.options.protocol != 2) {
    return absl::InvalidArgumentError(
        "prejoined needs protocol 2 (--protocol=2)");
  }
  auto wall_start = std::chrono::steady_clock::now();
  SimCluster cluster(config.seed, config.threads);
  LinkFaults faults;
  faults.loss = config.loss;
  faults.delay = config.delay;
  faults.jitter = config.jitter;
  cluster.network().SetDefaultFaults(faults);

  Setup setup;
  setup.thresholds = config.thresholds;
  size_t nt = config.thresholds.size();
  Tally tally(nt);  // the totals, and the crash detections
  std::vector<std::unique_ptr<Probe>> probes;

  const int seeds =
      config.seeds > 0 ? config.seeds : std::max(1, config.nodes / 500);
  auto add_node = [&](int index) {
    GossipOptions options = config.options;
    options.name = absl::StrCat("node-", index);
    if (index > 0) {
      int seed = index < seeds ? 0 : index % seeds;
      options.seeds = {cluster.node(seed).address};
    }
    probes.push_back(std::make_unique<Probe>(&setup, options.name));
    return cluster.AddNode(options, probes.back().get(), config.keyring);
  };
  double prejoin_seconds = 0;
  if (config.prejoined) {
    // Everyone at once, each told of everyone: see ScenarioConfig. The
    // fills are independent (each node reads the others' self entries
    // only), so they run on the driver's threads.
    std::vector<const Member*> everyone;
    everyone.reserve(config.nodes);
    for (int i = 0; i < config.nodes; ++i) {
      add_node(i);
      everyone.push_back(&cluster.node(i).gossip->membership().self_member());
    }
    auto fill_start = std::chrono::steady_clock::now();
    const MonoTime now = cluster.now();
    cluster.ForEachNode(
        [&](int i) { cluster.node(i).gossip->Prejoin(everyone, now); });
    prejoin_seconds = std::chrono::duration<double>(
                          std::chrono::steady_clock::now() - fill_start)
                          .count();
  } else {
    // Join in waves through the seeds, as a real cluster would grow.
    for (int i = 0; i < config.nodes; ++i) {
      add_node(i);
      if (i % 50 == 49) cluster.RunFor(config.options.gossip_interval);
    }
  }
  cluster.RunFor(config.warmup);

  std::vector<int> victims;
  for (int v = 0; v < config.victims; ++v) {
    victims.push_back(config.nodes - 1 - v);
  }
  for (int v : victims) setup.faulty.insert(cluster.node(v).name);

  uint64_t bytes_before = cluster.network().bytes_sent();
  uint64_t packets_before = cluster.network().sent();
  MonoTime fault_start = cluster.now();
  setup.fault_start = fault_start;
  setup.fault_active = true;
  ScenarioResult result;
  result.prejoin_wall_seconds = prejoin_seconds;

  switch (config.kind) {
    case ScenarioKind::kCrash:
      for (int v : victims) cluster.Crash(v);
      if (config.options.protocol == 2) {
        auto everyone_heard = [&] {
          for (int i = 0; i < cluster.size(); ++i) {
            if (cluster.node(i).crashed) continue;
            const Membership& m = cluster.node(i).gossip->membership();
            for (int v : victims) {
              const Member* victim = m.Find(cluster.node(v).name);
              if (victim != nullptr &&
                  !m.CurveOf(*victim, cluster.now()).has_evidence()) {
                return false;
              }
            }
          }
          return true;
        };
        if (cluster.RunUntil(everyone_heard, config.duration / 2)) {
          result.rumour_ms =
              absl::ToDoubleMilliseconds(cluster.now() - fault_start);
        }
      }
      // Judge before the victims turn failed.
      cluster.RunFor(std::max(
          absl::ZeroDuration(),
          fault_start +
              std::min(config.duration,
                       config.options.failed_after - absl::Milliseconds(1)) -
              cluster.now()));
      RecordCrashDetections(cluster, victims, setup, &tally);
      cluster.RunFor(fault_start + config.duration - cluster.now());
      break;
    case ScenarioKind::kPause:
      for (int v : victims) cluster.Pause(v);
      cluster.RunFor(config.pause);
      setup.healed = true;
      for (int v : victims) cluster.Resume(v);
      cluster.RunFor(
          std::max(absl::ZeroDuration(), config.duration - config.pause));
      break;
    case ScenarioKind::kLoss:
      setup.faulty.clear();
      cluster.RunFor(config.duration);
      break;
    case ScenarioKind::kPartition: {
      setup.partition = true;
      std::vector<std::string> side;
      for (int v : victims) side.push_back(cluster.node(v).address);
      cluster.network().Partition({side});
      cluster.RunFor(config.pause);
      setup.healed = true;
      cluster.network().Heal();
      cluster.RunFor(
          std::max(absl::ZeroDuration(), config.duration - config.pause));
      break;
    }
    case ScenarioKind::kJoinStorm: {
      setup.faulty.clear();
      std::vector<int> joined;
      for (int v = 0; v < std::max(1, config.victims); ++v) {
        joined.push_back(add_node(config.nodes + v));
      }
      auto everyone_knows = [&] {
        for (int i = 0; i < cluster.size(); ++i) {
          const Membership& m = cluster.node(i).gossip->membership();
          if (m.size() != cluster.size()) return false;
        }
        return true;
      };
      if (cluster.RunUntil(everyone_knows, config.duration)) {
        result.dissemination_rounds = absl::FDivDuration(
            cluster.now() - fault_start, config.options.gossip_interval);
      }
      cluster.RunFor(fault_start + config.duration - cluster.now());
      break;
    }
  }

  // A pause or partition judges its cut pairs by their first arrival after
  // the heal; a crash and a healthy cluster have no other end.
  if (config.kind == ScenarioKind::kCrash ||
      config.kind == ScenarioKind::kLoss) {
    StandingFalse standing = CountStandingFalse(
        cluster, setup.faulty, setup.thresholds, setup.fault_start);
    for (size_t t = 0; t < nt; ++t) {
      tally.false_count[t] += standing.count[t];
      tally.false_duration_ms[t] += standing.duration_ms[t];
    }
  }
  for (const auto& probe : probes) tally.Add(probe->tally());
  int observers = 0;
  for (int i = 0; i < cluster.size(); ++i) {
    observers += !cluster.node(i).crashed;
  }
  double seconds = absl::ToDoubleSeconds(cluster.now() - fault_start);
  double node_hours = cluster.size() * seconds / 3600.0;
  for (size_t t = 0; t < nt; ++t) {
    ThresholdResult r;
    r.threshold = config.thresholds[t];
    r.detection_ms = Summarize(tally.detection_ms[t]);
    if (config.kind == ScenarioKind::kCrash ||
        config.kind == ScenarioKind::kPause) {
      int expected =
          (config.kind == ScenarioKind::kCrash ? observers
                                               : observers - config.victims) *
          config.victims;
      r.undetected = std::max(0, expected - r.detection_ms.count);
    }
    r.false_suspicions = tally.false_count[t];
    r.false_per_node_hour =
        node_hours > 0 ? r.false_suspicions / node_hours : 0;
    r.mean_false_duration_ms =
        r.false_suspicions ? tally.false_duration_ms[t] / r.false_suspicions
                           : 0;
    result.thresholds.push_back(r);
  }
  constexpr double kIpUdpHeaderBytes = 28;
  uint64_t packets = cluster.network().sent() - packets_before;
  result.bytes_per_node_second = (cluster.network().bytes_sent() -
                                  bytes_before + kIpUdpHeaderBytes * packets) /
                                 (cluster.size() * seconds);
  result.max_rss_mb = PeakRssMb();
  result.packets_per_node_second =
      (cluster.network().sent() - packets_before) / (cluster.size() * seconds);
  result.observer_pauses = tally.pauses;
  result.simulated_seconds =
      absl::ToDoubleSeconds(cluster.now() - absl::Seconds(1000));
  result.wall_seconds = std::chrono::duration<double>(
                            std::chrono::steady_clock::now() - wall_start)
                            .count();
  return result;
}

std::string FormatResult(const ScenarioConfig& config,
                         const ScenarioResult& result) {
  std::string out = absl::StrFormat(
      "nodes=%d victims=%d loss=%.0f%% seed=%d: %.1f B/node/s, "
      "%.1f packets/node/s, observer pauses %d, wall %.2f s for %.0f "
      "simulated s",
      config.nodes, config.victims, config.loss * 100,
      static_cast<int>(config.seed), result.bytes_per_node_second,
      result.packets_per_node_second, result.observer_pauses,
      result.wall_seconds, result.simulated_seconds);
  absl::StrAppendFormat(
      &out, ", protocol %d%s, peak RSS %.0f MB", config.options.protocol,
      config.prejoined ? " prejoined" : "", result.max_rss_mb);
  if (config.prejoined) {
    absl::StrAppendFormat(&out, " (the prejoin fill took %.2f s wall)",
                          result.prejoin_wall_seconds);
  }
  if (config.keyring != nullptr) out += ", keyring on";
  if (result.rumour_ms >= 0) {
    absl::StrAppendFormat(&out, ", reports reached every observer in %.0f ms",
                          result.rumour_ms);
  }
  if (result.dissemination_rounds >= 0) {
    absl::StrAppendFormat(&out, ", join reached all in %.1f rounds",
                          result.dissemination_rounds);
  }
  out +=
      "\n\n| phi | detect min | p50 | p99 | max (ms) | undetected | "
      "false | per node-hour | mean false ms |\n"
      "|---|---|---|---|---|---|---|---|---|\n";
  for (const ThresholdResult& r : result.thresholds) {
    const Distribution& d = r.detection_ms;
    if (d.count > 0) {
      absl::StrAppendFormat(&out, "| %g | %.0f | %.0f | %.0f | %.0f | %d ",
                            r.threshold, d.min, d.p50, d.p99, d.max,
                            r.undetected);
    } else {
      absl::StrAppendFormat(&out, "| %g | - | - | - | - | %d ", r.threshold,
                            r.undetected);
    }
    absl::StrAppendFormat(&out, "| %d | %.2f | %.0f |\n", r.false_suspicions,
                          r.false_per_node_hour, r.mean_false_duration_ms);
  }
  return out;
}

}  // namespace phid
