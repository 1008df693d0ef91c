// Metrics: the daemon's counters in the Prometheus text format, served over
// HTTP (cpp-httplib) at /metrics.
//
// DaemonMetrics fills a MetricsSnapshot (the PeerApi's part under its lock:
// cheap copies) and RenderMetrics formats it outside the lock. Labels are
// bounded: member names (peer), drop reasons, transition reasons and
// states. Tags are never labels (unbounded cardinality).
//
// Thread safety: RenderMetrics is pure. MetricsServer runs the HTTP server
// on its own thread; the provider is called there, concurrently with
// anything else.
#ifndef PHID_SERVER_METRICS_H_
#define PHID_SERVER_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gossip/gossip_counters.h"
#include "gossip/packet_codec.h"
#include "proto/phi.pb.h"

namespace httplib {
class Server;
}  // namespace httplib

namespace phid {

class LimitedHttpServer;

struct MetricsSnapshot {
  // Members (self included) by state judged at the default threshold.
  uint64_t members_alive = 0;
  uint64_t members_suspect = 0;
  uint64_t members_left = 0;
  uint64_t members_failed = 0;
  // phi per peer at the default threshold's snapshot (self excluded).
  std::vector<std::pair<std::string, double>> peer_phi;
  // Peers that are FAILED (self excluded): 1 in phid_peer_failed, the
  // others of peer_phi 0.
  std::vector<std::string> failed_peers;
  double default_threshold = 0;
  // Seed addresses this daemon joins through, its own address excluded: 0
  // for a daemon meant to start a cluster alone.
  uint64_t seeds = 0;
  // GossipNode::Joined(): what readiness reports.
  bool joined = false;
  GossipCounters gossip;
  // Keyring (--keyring): its keys' ids, primary first (empty without one);
  // datagrams opened by a non-primary key; SIGHUP reloads by outcome.
  std::vector<std::string> key_ids;
  uint64_t secondary_key_opens = 0;
  uint64_t keyring_reloads = 0;
  uint64_t keyring_reload_failures = 0;
  // The UDP socket's own counts (gossip/udp_transport.h) and the drops
  // fault injection made (--drop_probability).
  struct Transport {
    uint64_t datagrams_sent = 0;
    uint64_t bytes_sent = 0;
    uint64_t datagrams_received = 0;
    uint64_t bytes_received = 0;
    uint64_t send_errors = 0;
    uint64_t oversize_refused = 0;
    uint64_t receive_errors = 0;
    uint64_t injected_drops = 0;
  } transport;
  // Datagrams the kernel dropped on the gossip socket (its receive buffer
  // was full), and that buffer's size as the kernel reports it; -1 when
  // unknown.
  int64_t kernel_drops = -1;
  int64_t receive_buffer_bytes = -1;
  // Watch streams.
  uint64_t watchers = 0;
  uint64_t evictions = 0;
  // Watches refused by --max_watchers or --max_watchers_per_client.
  uint64_t watches_refused = 0;
  // The metrics HTTP server's own limits at work.
  uint64_t http_refused_connections = 0;
  uint64_t http_cut_requests = 0;
  // Transition messages sent to watchers, by phi::v1::TransitionReason.
  std::array<uint64_t, phi::v1::TransitionReason_ARRAYSIZE> transitions{};
  uint64_t level_messages = 0;
  uint64_t heartbeat_messages = 0;
};

// The Prometheus text exposition (version 0.0.4) of `snapshot`.
std::string RenderMetrics(const MetricsSnapshot& snapshot);

// What one client may cost the metrics server (limited_http_server.h).
struct MetricsHttpLimits {
  // Connections served at once; from one IP address. Default 32, 4.
  int max_connections = 32;
  int max_connections_per_client = 4;
  // A request's whole life. Default 5 s.
  absl::Duration request_timeout = absl::Seconds(5);
  // Largest request body (413 past it). Default 16 KiB.
  size_t max_body_bytes = 16 << 10;
};

class MetricsServer {
 public:
  // Listens on `address` ("host:port"; port 0 = any) and serves
  // provider() at /metrics, and whatever `add_routes` (if set) adds, such
  // as the status page. Errors name the address.
  static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(
      const std::string& address, std::function<std::string()> provider,
      const MetricsHttpLimits& limits = MetricsHttpLimits(),
      std::function<void(httplib::Server*)> add_routes = nullptr);
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;
  // Stops serving and joins the thread.
  ~MetricsServer();

  int port() const { return port_; }
  // Connections closed for being over a cap; requests cut off at their
  // timeout or byte budget.
  uint64_t refused_connections() const;
  uint64_t cut_requests() const;

 private:
  MetricsServer(std::unique_ptr<LimitedHttpServer> server, int port);

  std::unique_ptr<LimitedHttpServer> server_;
  int port_;
  std::atomic<bool> listen_returned_{false};
  std::thread thread_;
};

}  // namespace phid

#endif  // PHID_SERVER_METRICS_H_
