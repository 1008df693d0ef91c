// Daemon: the composition root of phid. It wires the pieces together and
// runs ONE loop thread:
//   UdpTransport [+ FaultInjectingTransport]   the gossip socket
//   PeerApi (peer_api.h)     the GossipNode and the WatchHub behind one
//                            lock, and the API's semantics on them
//   FailureDetectorService   the phi.v1 gRPC service on the PeerApi
//   DaemonMetrics            /metrics and the status page over HTTP
//
//   loop:
//     ReceiveOnce(until min(peers.NextDue(), next eviction sweep))
//     peers.Step(datagrams)   (under the PeerApi's lock: feed the node,
//                              tick it, events and views -> hub, fire)
//     log the events          (never under the lock)
//     readiness; give memory back; evict stalled watchers (about 1/s)
//
// gRPC handlers call the PeerApi, which takes its lock briefly. Watch
// streams never block the loop: the hub only queues into each stream
// (watch_reactor.h).
//
// Readiness: the gRPC health service answers for kJoinedService with
// SERVING once the node has joined its cluster (GossipNode::Joined), and
// NOT_SERVING before and whenever it is not; "" and the API's own name
// answer SERVING while the process runs (liveness). /metrics has the same
// as the phid_joined gauge.
//
// Keyring reload (RequestKeyringReload, on SIGHUP): the loop re-reads
// --keyring before its next batch, outside the lock, and swaps the node's
// keyring under it, between two packets; it logs what changed by key id.
// A file that does not load keeps the keyring in use, is logged with what
// to do, and counted (phid_keyring_reloads_total{result="failed"}).
//
// Shutdown (RequestShutdown, e.g. on SIGTERM): the node leaves and the loop
// keeps gossiping until the leave has propagated, then every Watch ends
// with UNAVAILABLE "phid is shutting down", and the gRPC server shuts down
// with a deadline. The whole sequence is bounded by shutdown_timeout.
//
// Thread safety: all public methods may be called from any thread (not from
// a signal handler).
#ifndef PHID_SERVER_DAEMON_H_
#define PHID_SERVER_DAEMON_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "detector/base/clock.h"
#include "gossip/fault_injecting_transport.h"
#include "gossip/seed_resolver.h"
#include "gossip/udp_transport.h"
#include "grpcpp/grpcpp.h"
#include "server/daemon_metrics.h"
#include "server/daemon_options.h"
#include "server/failure_detector_service.h"
#include "server/memory_trim.h"
#include "server/metrics.h"
#include "server/peer_api.h"
#include "server/status_page.h"

namespace phid {

class Daemon final {
 public:
  // The health service name that reports readiness (joined).
  static constexpr const char* kJoinedService = "phid.joined";

  // The gRPC service's caps and stream limits from `options`.
  static FailureDetectorService::Options ServiceOptions(
      const DaemonOptions& options);

  // Validates `options`, binds every socket and starts the loop. Errors
  // name the option or address at fault.
  static absl::StatusOr<std::unique_ptr<Daemon>> Start(
      const DaemonOptions& options);
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;
  // Shuts down gracefully if still running.
  ~Daemon();

  // Starts the graceful shutdown; returns at once.
  void RequestShutdown();
  // Blocks until the daemon has shut down.
  void Wait();

  // Asks the loop to reload --keyring; returns at once. Only sets a flag
  // and wakes the loop, but is still not for a signal handler (phid_main
  // takes SIGHUP with sigwait).
  void RequestKeyringReload();

  // Tests: stop at once without leaving (peers see a failure) ...
  void CrashForTesting();
  // ... or freeze the loop (no gossip, no ticks) until unpaused.
  void PauseForTesting(bool paused);

  const std::string& name() const { return options_.gossip.name; }
  std::string gossip_address() const { return transport_->LocalAddress(); }
  int grpc_port() const { return grpc_port_; }
  // 0 when metrics are off.
  int metrics_port() const;
  // The Prometheus text /metrics serves.
  std::string MetricsText();

 private:
  explicit Daemon(const DaemonOptions& options);
  absl::Status Init();
  absl::Status StartGrpc();
  void Loop();
  void RunOnce(MonoTime* next_sweep);
  void FinishShutdown();

  // Constant after Start.
  const DaemonOptions options_;
  const Clock& clock_;
  // DNS seeds, looked up off the loop thread (null without DNS seeds).
  std::unique_ptr<SeedResolver> resolver_;
  std::unique_ptr<UdpTransport> transport_;
  // Around transport_ when options_.faults has any (else null); the node
  // sends through it. Declared after transport_: destroyed first.
  std::unique_ptr<FaultInjectingTransport> faults_;
  // The node and the hub; what the API answers from.
  std::unique_ptr<PeerApi> peers_;
  std::unique_ptr<FailureDetectorService> service_;
  std::unique_ptr<grpc::Server> server_;
  int grpc_port_ = 0;
  // The status page's transitions: a hub subscriber at the default
  // threshold.
  std::shared_ptr<TransitionLog> transition_log_;
  // /metrics and the status page (its server only with metrics on).
  std::unique_ptr<DaemonMetrics> metrics_;
  // Loop thread only: gives memory back after a crowd of watchers left.
  MemoryTrim memory_trim_{&MemoryTrim::TrimMalloc};

  absl::Mutex pause_mu_;
  bool paused_ ABSL_GUARDED_BY(pause_mu_) = false;

  std::atomic<bool> shutdown_requested_{false};
  std::atomic<bool> crash_{false};
  std::atomic<bool> reload_requested_{false};
  MonoTime shutdown_started_;     // loop thread only
  bool leaving_ = false;          // loop thread only
  bool joined_reported_ = false;  // loop thread only: health says joined
  std::thread loop_;
  absl::Notification stopped_;
  std::atomic<bool> joined_{false};
};

}  // namespace phid

#endif  // PHID_SERVER_DAEMON_H_
