#include "server/daemon_metrics.h"

#include "server/socket_stats.h"

namespace phid {

absl::Status DaemonMetrics::Serve(const DaemonOptions& options,
                                  StatusPageSources page) {
  if (options.metrics_address.empty()) return absl::OkStatus();
  MetricsHttpLimits limits;
  limits.max_connections = options.metrics_max_connections;
  limits.max_connections_per_client =
      options.metrics_max_connections_per_client;
  limits.request_timeout = options.metrics_request_timeout;
  limits.max_body_bytes = options.metrics_max_request_bytes;
  absl::StatusOr<std::unique_ptr<MetricsServer>> http = MetricsServer::Start(
      options.metrics_address, [this] { return Text(); }, limits,
      [page = std::move(page)](httplib::Server* server) {
        AddStatusPageRoutes(page, server);
      });
  if (!http.ok()) return http.status();
  http_ = *std::move(http);
  serving_ = http_.get();
  return absl::OkStatus();
}

std::string DaemonMetrics::Text() const {
  MetricsSnapshot s;
  s.default_threshold = sources_.peers->default_threshold();
  s.seeds = sources_.seeds;
  sources_.peers->FillMetrics(&s);
  const FailureDetectorService& service = *sources_.service;
  s.watchers = service.watchers();
  s.evictions = service.evictions();
  s.watches_refused = service.refused();
  const UdpTransport& udp = *sources_.transport;
  s.transport.datagrams_sent = udp.datagrams_sent();
  s.transport.bytes_sent = udp.bytes_sent();
  s.transport.datagrams_received = udp.datagrams_received();
  s.transport.bytes_received = udp.bytes_received();
  s.transport.send_errors = udp.send_errors();
  s.transport.oversize_refused = udp.oversize_refused();
  s.transport.receive_errors = udp.receive_errors();
  if (sources_.faults != nullptr) {
    s.transport.injected_drops = sources_.faults->injected_drops();
  }
  if (absl::StatusOr<uint64_t> drops = KernelReceiveDrops(udp.socket_fd());
      drops.ok()) {
    s.kernel_drops = static_cast<int64_t>(*drops);
  }
  if (absl::StatusOr<int64_t> bytes = ReceiveBufferBytes(udp.socket_fd());
      bytes.ok()) {
    s.receive_buffer_bytes = *bytes;
  }
  if (MetricsServer* http = serving_.load()) {
    s.http_refused_connections = http->refused_connections();
    s.http_cut_requests = http->cut_requests();
  }
  return RenderMetrics(s);
}

}  // namespace phid
