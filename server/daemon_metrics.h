// DaemonMetrics: the daemon's /metrics and the HTTP server that serves it
// with the status page. Text() gathers one MetricsSnapshot from the pieces
// the daemon wired together (the PeerApi's members, gossip and watch
// counters; the gRPC service's watchers; the UDP socket's counts and the
// kernel's view of it; the fault injector's drops; the HTTP server's own
// limits at work) and renders it (metrics.h).
//
// Owns the HTTP server (MetricsServer), nothing else: every piece it reads
// belongs to the daemon and must outlive it.
//
// Thread safety: Text() may be called from any thread (the HTTP server's
// thread does); Serve() once, before anything else.
#ifndef PHID_SERVER_DAEMON_METRICS_H_
#define PHID_SERVER_DAEMON_METRICS_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "gossip/fault_injecting_transport.h"
#include "gossip/udp_transport.h"
#include "server/daemon_options.h"
#include "server/failure_detector_service.h"
#include "server/metrics.h"
#include "server/peer_api.h"
#include "server/status_page.h"

namespace phid {

class DaemonMetrics final {
 public:
  struct Sources {
    PeerApi* peers = nullptr;                   // required
    FailureDetectorService* service = nullptr;  // required
    UdpTransport* transport = nullptr;          // required
    FaultInjectingTransport* faults = nullptr;  // null without faults
    // Seed addresses other than our own: 0 for a daemon meant to start a
    // cluster alone.
    uint64_t seeds = 0;
  };

  explicit DaemonMetrics(const Sources& sources) : sources_(sources) {}
  DaemonMetrics(const DaemonMetrics&) = delete;
  DaemonMetrics& operator=(const DaemonMetrics&) = delete;

  // Serves Text() at /metrics and the status page on
  // options.metrics_address, within the --metrics_* limits; does nothing
  // when the address is empty (metrics off). Errors name the address.
  absl::Status Serve(const DaemonOptions& options, StatusPageSources page);

  // The Prometheus text /metrics serves.
  std::string Text() const;
  // The HTTP server's port; 0 when metrics are off.
  int port() const { return http_ != nullptr ? http_->port() : 0; }

 private:
  const Sources sources_;
  // http_, for Text() on the server's own thread: set once it runs.
  std::atomic<MetricsServer*> serving_{nullptr};
  // Declared last: stopped first, while everything Text() reads exists.
  std::unique_ptr<MetricsServer> http_;
};

}  // namespace phid

#endif  // PHID_SERVER_DAEMON_METRICS_H_
