// Daemon: the composition root of phid. It owns the UDP transport, the
// gossip node, the watch hub, the gRPC server and the metrics server, and
// runs ONE loop thread that drives the node and the hub:
//
//   loop:
//     ReceiveOnce(until min(node.NextTickDue(), hub.NextDue()))
//     lock
//       feed the datagrams to the node      (listener notes arrivals/events)
//       node.Tick(now)                      (local-pause guard runs first)
//       events -> hub; changed views -> hub (all views after a pause)
//       hub.Fire(now)                       (crossings, levels, heartbeats)
//     unlock
//     log the events                      (never under the lock)
//     evict stalled watchers (about once a second)
//
// One absl::Mutex guards the node and the hub; gRPC handlers take it
// briefly (ListPeers, GetPeer, a new Watch's snapshot). Watch streams never
// block the loop: the hub only queues into each stream (watch_reactor.h).
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
#include "gossip/events.h"
#include "gossip/fault_injecting_transport.h"
#include "gossip/gossip_node.h"
#include "gossip/keyring.h"
#include "gossip/seed_resolver.h"
#include "gossip/udp_transport.h"
#include "grpcpp/grpcpp.h"
#include "server/daemon_options.h"
#include "server/failure_detector_service.h"
#include "server/memory_trim.h"
#include "server/metrics.h"
#include "server/status_page.h"
#include "server/watch_hub.h"

namespace phid {

class Daemon final : private FailureDetectorBackend {
 public:
  // The health service name that reports readiness (joined).
  static constexpr const char* kJoinedService = "phid.joined";

  // Validates `options`, binds every socket and starts the loop. Errors
  // name the option or address at fault.
  static absl::StatusOr<std::unique_ptr<Daemon>> Start(
      const DaemonOptions& options);
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;
  // Shuts down gracefully if still running.
  ~Daemon() override;

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
  // Collects what the node reports while the loop holds mu_.
  class Collector final : public MembershipListener {
   public:
    void OnMemberEvent(const MemberEvent& event) override;
    void OnEvidence(const std::string& name, const PhiCurve& before,
                    MonoTime now) override;
    std::vector<MemberEvent> events;
    std::vector<std::string> arrivals;
  };

  explicit Daemon(const DaemonOptions& options);
  absl::Status Init();
  absl::Status StartGrpc();
  void Loop();
  void RunOnce(MonoTime* next_sweep);
  // Loop thread: re-reads --keyring and swaps it in, or keeps the old one.
  void ReloadKeyring();
  // Hands the node's events and changed views to the hub; returns the
  // events, for the caller to log once it has released mu_ (logging never
  // runs under the daemon's lock).
  std::vector<MemberEvent> Publish(MonoTime now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void FinishShutdown();

  // FailureDetectorBackend.
  absl::StatusOr<phi::v1::ListPeersResponse> ListPeers(
      const phi::v1::ListPeersRequest& request) override;
  absl::StatusOr<phi::v1::Peer> GetPeer(
      const phi::v1::GetPeerRequest& request) override;
  absl::StatusOr<phi::v1::ForgetResponse> Forget(
      const phi::v1::ForgetRequest& request) override;
  absl::StatusOr<uint64_t> Subscribe(const phi::v1::WatchRequest& request,
                                     std::shared_ptr<WatchSink> sink) override;
  void Unsubscribe(uint64_t id) override;

  // Constant after Start.
  const DaemonOptions options_;
  const Clock& clock_;
  // DNS seeds, looked up off the loop thread (null without DNS seeds).
  std::unique_ptr<SeedResolver> resolver_;
  std::unique_ptr<UdpTransport> transport_;
  // Around transport_ when options_.faults has any (else null); the node
  // sends through it. Declared after transport_: destroyed first.
  std::unique_ptr<FaultInjectingTransport> faults_;
  std::unique_ptr<FailureDetectorService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<MetricsServer> metrics_;
  // metrics_, for the metrics thread: set once metrics_ is.
  std::atomic<MetricsServer*> metrics_server_{nullptr};
  int grpc_port_ = 0;
  // The status page's transitions: a hub subscriber at the default
  // threshold.
  std::shared_ptr<TransitionLog> transition_log_;

  absl::Mutex mu_;
  Collector collector_ ABSL_GUARDED_BY(mu_);
  // The node's keyring (null without --keyring); replaced by a reload.
  // Declared before node_, so it outlives it.
  std::unique_ptr<Keyring> keyring_ ABSL_GUARDED_BY(mu_);
  uint64_t keyring_reloads_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t keyring_reload_failures_ ABSL_GUARDED_BY(mu_) = 0;
  std::unique_ptr<GossipNode> node_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<WatchHub> hub_ ABSL_GUARDED_BY(mu_);
  // Loop thread only: gives memory back after a crowd of watchers left.
  MemoryTrim memory_trim_{&MemoryTrim::TrimMalloc};

  absl::Mutex unsubscribe_mu_;
  std::vector<uint64_t> unsubscribed_ ABSL_GUARDED_BY(unsubscribe_mu_);

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
