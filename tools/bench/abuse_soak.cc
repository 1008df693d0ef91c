// abuse_soak: one phid daemon (of three, on loopback slot --slot) under the
// attacks of issue 14, one after another, while a well-behaved client (its
// own source address) measures ListPeers latency, scrapes /metrics, and
// keeps a Watch at phi 8 that must see no false transition. The target's
// stderr is a FIFO nobody reads for the whole run (a blocked log reader),
// with --v=1 so every watcher logs a line.
//
// Phases: baseline, rapid_reset (HTTP/2 HEADERS + RST_STREAM on raw
// connections), watchers (non-reading Watch streams), slowloris (/metrics,
// one byte a second), garbage (damaged gossip datagrams), hostile (mixed
// hostile datagrams: forged members, bad checksums, replayed heartbeats,
// garbage, oversize; hostile_datagrams.h), each with the target's CPU
// seconds; --phases picks some. Per phase it
// prints one "[abuse]" line; it exits 1 if a check fails:
// ListPeers p99 <= --max_p99, every scrape answered, no false transition,
// RSS <= --max_rss_mb, every non-reader evicted within --evict_within.
//
//   bazel run -c opt //tools/bench:abuse_soak            # full size (manual)
//   bazel test //tools/bench:abuse_soak_ci_test           # CI size
//
// The pieces: abuse_attacks.h (the attacks), abuse_client.h (the good
// client and each phase's measurements), abuse_probes.h (/metrics and
// /proc), abuse_report.h (the checks and the lines printed). This file has
// the flags, the three daemons, and the phases in order.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gossip/packet_codec.h"
#include "grpcpp/grpcpp.h"
#include "proto/phi.grpc.pb.h"
#include "tests/daemon_process.h"
#include "tests/loopback_cluster.h"
#include "tools/bench/abuse_attacks.h"
#include "tools/bench/abuse_client.h"
#include "tools/bench/abuse_probes.h"
#include "tools/bench/abuse_report.h"
#include "tools/bench/hostile_datagrams.h"

ABSL_FLAG(int, slot, 9, "Loopback test slot (tests/README.md).");
ABSL_FLAG(absl::Duration, phase, absl::Seconds(20), "Length of each phase.");
ABSL_FLAG(int, rapid_reset_connections, 6, "Rapid-reset connections.");
ABSL_FLAG(int, watchers, 2000, "Non-reading watchers.");
ABSL_FLAG(int, slowloris, 40, "Slowloris connections on /metrics.");
ABSL_FLAG(int, garbage, 1000000, "Garbage datagrams.");
ABSL_FLAG(int, garbage_rate, 20000, "Garbage datagrams per second.");
ABSL_FLAG(absl::Duration, max_p99, absl::Milliseconds(100),
          "Check: ListPeers p99 in every phase.");
ABSL_FLAG(bool, check_rapid_reset, false,
          "Check the rapid_reset phase too. Off: gRPC 1.51 cannot withstand "
          "it (README: Under abuse), so it runs last and is only measured.");
ABSL_FLAG(int, hostile, 1000000, "Hostile datagrams (the hostile phase).");
ABSL_FLAG(int, hostile_rate, 20000, "Hostile datagrams per second.");
ABSL_FLAG(std::vector<std::string>, phases,
          std::vector<std::string>({"baseline", "watchers", "slowloris",
                                    "garbage", "hostile", "rapid_reset"}),
          "Phases to run, in this order (baseline always runs first).");
ABSL_FLAG(std::vector<std::string>, target_flags, {},
          "More flags for the target daemon, comma-separated.");
ABSL_FLAG(int, max_rss_mb, 256, "Check: the target's peak RSS.");
ABSL_FLAG(absl::Duration, evict_within, absl::Seconds(30),
          "Check: every non-reader evicted within this of subscribing.");

namespace phid {
namespace {

namespace v1 = ::phi::v1;
using namespace ::phid::e2e;  // NOLINT: the test helpers

// The hostile phase: --hostile mixed datagrams at --hostile_rate from the
// attacker's address, then the target's drop and refusal counts.
void RunHostile(const DaemonProcess& target, GoodClient& good,
                const std::string& good_ip, std::vector<PhaseResult>* results) {
  // The real members' generations, for replayed heartbeats.
  std::vector<HostileDatagrams::Member> members;
  {
    auto stub = v1::FailureDetector::NewStub(grpc::CreateChannel(
        target.config().grpc_address, grpc::InsecureChannelCredentials()));
    grpc::ClientContext context;
    v1::ListPeersResponse peers;
    if (stub->ListPeers(&context, {}, &peers).ok()) {
      for (const v1::Peer& p : peers.peers()) {
        members.push_back({p.name(), p.generation()});
      }
    }
  }
  const std::string before = HttpGetMetrics(
      good_ip, target.config().metrics_address, absl::Seconds(5));
  uint64_t sent = 0;
  std::map<std::string, uint64_t> kinds;
  const absl::Time start = absl::Now();
  results->push_back(RunPhase(
      "hostile", good, target.pid(),
      [&](const std::atomic<bool>& stop) {
        sent = SendHostile(target.config().gossip_address, target.name(),
                           members, absl::GetFlag(FLAGS_hostile),
                           absl::GetFlag(FLAGS_hostile_rate), stop, &kinds);
      },
      absl::Seconds(1) * (absl::GetFlag(FLAGS_hostile) /
                          double(absl::GetFlag(FLAGS_hostile_rate))) +
          absl::Seconds(5)));
  const double took = absl::ToDoubleSeconds(absl::Now() - start);
  absl::SleepFor(absl::Seconds(1));
  const std::string after = HttpGetMetrics(
      good_ip, target.config().metrics_address, absl::Seconds(5));
  std::string& extra = results->back().extra;
  extra = absl::StrCat("datagrams=", sent, " rate=", sent / took);
  for (const auto& [kind, n] : kinds)
    absl::StrAppend(&extra, " ", kind, "=", n);
  auto delta = [&](const std::string& sample) {
    return Metric(after, sample) - std::max(0.0, Metric(before, sample));
  };
  double drops = 0;
  for (size_t i = 1; i < static_cast<size_t>(DropReason::kCount); ++i) {
    const std::string reason(DropReasonName(static_cast<DropReason>(i)));
    const double d =
        delta(absl::StrCat("phid_gossip_drops_total{reason=\"", reason, "\"}"));
    drops += d;
    if (d > 0) absl::StrAppend(&extra, " drop_", reason, "=", d);
  }
  absl::StrAppend(&extra, " drops_total=", drops);
  for (const char* what : {"admissions_refused_source",
                           "admissions_refused_global", "members_refused"}) {
    absl::StrAppend(
        &extra, " ", what, "=",
        delta(absl::StrCat("phid_gossip_protocol_total{what=\"", what, "\"}")));
  }
  absl::StrAppend(
      &extra, " kernel_drops=", delta("phid_gossip_kernel_drops_total"),
      " members_after=", Metric(after, "phid_members{state=\"alive\"}"));
}

int Main() {
  const int slot = absl::GetFlag(FLAGS_slot);
  const absl::Duration phase = absl::GetFlag(FLAGS_phase);
  const std::string good_ip = LoopbackIp(slot, 9);
  const std::string attacker_ip = LoopbackIp(slot, 8);

  // The blocked stderr: a FIFO this process holds open and never reads.
  const std::string fifo =
      absl::StrCat(TestTempDir(), "/abuse-stderr-", getpid());
  unlink(fifo.c_str());
  if (mkfifo(fifo.c_str(), 0600) != 0) {
    std::perror("mkfifo");
    return 1;
  }
  int fifo_reader = open(fifo.c_str(), O_RDONLY | O_NONBLOCK);

  std::vector<std::unique_ptr<DaemonProcess>> daemons;
  for (int i = 1; i <= 3; ++i) {
    DaemonConfig c = LoopbackDaemonConfig(slot, i);
    if (i == 1) {
      c.launcher = {"/bin/sh", "-c", "exec \"$@\" 2>>" + fifo, "sh"};
      c.extra_flags = {"--v=1",
                       absl::StrCat("--max_watchers_per_client=",
                                    absl::GetFlag(FLAGS_watchers) + 10),
                       "--write_timeout=5s"};
      for (const std::string& f : absl::GetFlag(FLAGS_target_flags)) {
        c.extra_flags.push_back(f);
      }
    }
    daemons.push_back(std::make_unique<DaemonProcess>(std::move(c)));
    if (absl::Status s = daemons.back()->Start(); !s.ok()) {
      std::fprintf(stderr, "[abuse] start: %s\n", s.ToString().c_str());
      return 1;
    }
  }
  if (absl::Status s = WaitUntilAllSeeAll(Pointers(daemons), absl::Seconds(20));
      !s.ok()) {
    std::fprintf(stderr, "[abuse] cluster: %s\n", s.ToString().c_str());
    return 1;
  }
  DaemonProcess& target = *daemons[0];
  const pid_t pid = target.pid();
  std::vector<std::string> names;
  for (auto& d : daemons) names.push_back(d->name());
  GoodClient good(target, good_ip, names);
  const std::vector<std::string> phases = absl::GetFlag(FLAGS_phases);
  auto run = [&](const std::string& name) {
    return std::find(phases.begin(), phases.end(), name) != phases.end();
  };
  absl::SleepFor(absl::Seconds(1));
  std::vector<PhaseResult> results;

  results.push_back(RunPhase(
      "baseline", good, pid, [](const std::atomic<bool>&) {}, phase));

  if (run("watchers")) {
    const int n = absl::GetFlag(FLAGS_watchers);
    std::string evicted_text;
    absl::Duration all_gone = absl::InfiniteDuration();
    std::atomic<bool> evicted_all{false};
    results.push_back(RunPhase(
        "watchers", good, pid,
        [&](const std::atomic<bool>& stop) {
          NonReadingWatchers watchers(target.config().grpc_address, attacker_ip,
                                      n, stop);
          const absl::Time subscribed = absl::Now();
          // Never read; wait until the daemon has evicted every one.
          while (!stop) {
            std::string text = HttpGetMetrics(
                good_ip, target.config().metrics_address, absl::Seconds(5));
            // The good client's own Watch stays: 1 left means all evicted.
            if (Metric(text, "phid_watchers") == 1 &&
                all_gone == absl::InfiniteDuration()) {
              all_gone = absl::Now() - subscribed;
              evicted_text = absl::StrCat(
                  "evicted=", Metric(text, "phid_watch_evictions_total"));
              evicted_all = true;
            }
            absl::SleepFor(absl::Milliseconds(500));
          }
        },
        phase + absl::GetFlag(FLAGS_evict_within), &evicted_all));
    absl::SleepFor(absl::Seconds(3));
    results.back().extra =
        absl::StrCat("watchers=", n, " ", evicted_text, " all_evicted_after_s=",
                     all_gone == absl::InfiniteDuration()
                         ? std::string("never")
                         : absl::StrCat(absl::ToDoubleSeconds(all_gone)),
                     " rss_3s_after_mb=", RssMb(pid));
    if (all_gone > absl::GetFlag(FLAGS_evict_within)) {
      results.back().extra += " FAIL(eviction)";
    }
  }

  if (run("slowloris")) {
    results.push_back(RunPhase(
        "slowloris", good, pid,
        [&](const std::atomic<bool>& stop) {
          Slowloris(target.config().metrics_address, attacker_ip,
                    absl::GetFlag(FLAGS_slowloris), stop);
        },
        phase));
  }

  if (run("garbage")) {
    uint64_t sent = 0;
    results.push_back(RunPhase(
        "garbage", good, pid,
        [&](const std::atomic<bool>& stop) {
          sent = SendGarbage(target.config().gossip_address, target.name(),
                             names, absl::GetFlag(FLAGS_garbage),
                             absl::GetFlag(FLAGS_garbage_rate), stop);
        },
        phase));
    std::string text = HttpGetMetrics(good_ip, target.config().metrics_address,
                                      absl::Seconds(5));
    results.back().extra = absl::StrCat(
        "datagrams=", sent,
        " kernel_drops=", Metric(text, "phid_gossip_kernel_drops_total"));
  }

  if (run("hostile")) RunHostile(target, good, good_ip, &results);

  // The good Watch must have lived through every checked phase; the rapid
  // reset may take it down with it, so it is judged before too.
  WatchOutcome outcome;
  outcome.watch_alive_before_rapid_reset = good.watch_alive();
  outcome.false_transitions_before_rapid_reset = good.false_transitions();
  if (run("rapid_reset")) {
    std::atomic<uint64_t> bytes{0}, streams{0};
    results.push_back(RunPhase(
        "rapid_reset", good, pid,
        [&](const std::atomic<bool>& stop) {
          std::vector<std::thread> t;
          for (int i = 0; i < absl::GetFlag(FLAGS_rapid_reset_connections);
               ++i) {
            t.emplace_back([&] {
              streams += RapidReset(target.config().grpc_address, stop, &bytes);
            });
          }
          for (auto& x : t) x.join();
        },
        phase));
    absl::SleepFor(absl::Seconds(3));
    results.back().extra = absl::StrCat("streams_reset=", streams.load(),
                                        " attack_mb=", bytes.load() >> 20,
                                        " rss_3s_after_mb=", RssMb(pid));
  }
  outcome.target_alive = target.running();
  outcome.false_transitions = good.false_transitions();
  outcome.watch_alive = good.watch_alive();

  AbuseChecks checks;
  checks.max_p99_ms = absl::ToDoubleMilliseconds(absl::GetFlag(FLAGS_max_p99));
  checks.max_rss_mb = absl::GetFlag(FLAGS_max_rss_mb);
  checks.check_rapid_reset = absl::GetFlag(FLAGS_check_rapid_reset);
  const bool ok = PrintAbuseReport(results, outcome, checks, stdout);
  if (!ok) std::fprintf(stderr, "%s\n", daemons[1]->LogTail(30).c_str());
  close(fifo_reader);
  unlink(fifo.c_str());
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace phid

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return phid::Main();
}
