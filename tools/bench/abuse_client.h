// abuse_soak's well-behaved client and what it measures per phase.
//
// GoodClient, from its own source address: ListPeers every 20 ms (the
// latency of each, 10 s for a failed call), a /metrics scrape every 500 ms,
// and a Watch at phi 8 on which a CROSSED_THRESHOLD transition of a real
// member counts as false. RunPhase runs one attack for a phase while
// sampling the target's RSS, then folds the client's window into a
// PhaseResult (abuse_report.h judges and prints it).
//
// Thread safety: GoodClient's accessors from any thread; it owns three
// threads, joined by its destructor. RunPhase from one thread at a time.
#ifndef PHID_TOOLS_BENCH_ABUSE_CLIENT_H_
#define PHID_TOOLS_BENCH_ABUSE_CLIENT_H_

#include <sys/types.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "proto/phi.grpc.pb.h"
#include "tests/daemon_process.h"

namespace phid {

class GoodClient final {
 public:
  // Transitions of `members` (the real ones) count as false.
  GoodClient(const e2e::DaemonProcess& target, std::string source_ip,
             std::vector<std::string> members);
  ~GoodClient();
  GoodClient(const GoodClient&) = delete;
  GoodClient& operator=(const GoodClient&) = delete;

  // What the client saw since the last Take().
  struct Window {
    std::vector<double> latencies_ms;
    int scrapes = 0, scrapes_ok = 0;
  };
  Window Take();
  int false_transitions() const { return false_transitions_.load(); }
  bool watch_alive() const { return !watch_ended_.load(); }

 private:
  void ListLoop();
  void ScrapeLoop();
  void WatchLoop();

  const e2e::DaemonProcess& target_;
  const std::string source_;
  const std::vector<std::string> members_;
  std::unique_ptr<phi::v1::FailureDetector::Stub> list_stub_, watch_stub_;
  grpc::ClientContext watch_context_;
  std::atomic<bool> stop_{false};
  std::atomic<int> false_transitions_{0};
  std::atomic<bool> watch_ended_{false};
  std::mutex mu_;
  Window window_;  // guarded by mu_
  std::vector<std::thread> threads_;
};

// One phase: the good client's ListPeers latencies (ms), scrapes, and the
// target's RSS and CPU while the attack ran. `extra` is the phase's own
// numbers ("datagrams=... "); a "FAIL" in it fails the phase.
struct PhaseResult {
  std::string name;
  double p50 = 0, p99 = 0, max = 0;
  double cpu_s = 0;  // the target's CPU seconds in the phase
  int scrapes = 0, scrapes_ok = 0;
  int rss_max_mb = 0, rss_end_mb = 0;
  std::string extra;
};

// The q-quantile (0..1) of `v` by rank; 0 for none.
double Percentile(std::vector<double> v, double q);

// Runs `attack` (which must return when `stop` is set) on a thread for
// `length`, or until *done if given, sampling the RSS of `pid` every
// 100 ms; then folds the good client's window into a result.
PhaseResult RunPhase(
    const std::string& name, GoodClient& good, pid_t pid,
    const std::function<void(const std::atomic<bool>&)>& attack,
    absl::Duration length, const std::atomic<bool>* done = nullptr);

}  // namespace phid

#endif  // PHID_TOOLS_BENCH_ABUSE_CLIENT_H_
