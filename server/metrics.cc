#include "server/metrics.h"

#include <algorithm>
#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "httplib.h"
#include "proto/phi.pb.h"
#include "server/limited_http_server.h"

namespace phid {
namespace {

std::string Escape(absl::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

class Writer {
 public:
  void Family(absl::string_view name, absl::string_view type,
              absl::string_view help) {
    absl::StrAppend(&text_, "# HELP ", name, " ", help, "\n# TYPE ", name, " ",
                    type, "\n");
  }
  void Sample(absl::string_view name, double value,
              absl::string_view label = "",
              absl::string_view label_value = "") {
    absl::StrAppend(&text_, name);
    if (!label.empty()) {
      absl::StrAppend(&text_, "{", label, "=\"", Escape(label_value), "\"}");
    }
    absl::StrAppend(&text_, " ", absl::StrFormat("%.17g", value), "\n");
  }
  std::string Take() { return std::move(text_); }

 private:
  std::string text_;
};

}  // namespace

std::string RenderMetrics(const MetricsSnapshot& s) {
  Writer w;
  w.Family("phid_members", "gauge",
           "Members this daemon knows (self included), by state at the "
           "default threshold.");
  w.Sample("phid_members", s.members_alive, "state", "alive");
  w.Sample("phid_members", s.members_suspect, "state", "suspect");
  w.Sample("phid_members", s.members_left, "state", "left");
  w.Sample("phid_members", s.members_failed, "state", "failed");
  w.Family("phid_default_threshold", "gauge",
           "The phi threshold ListPeers and these metrics judge against.");
  w.Sample("phid_default_threshold", s.default_threshold);
  w.Family("phid_seeds", "gauge",
           "Seed addresses this daemon joins through (--seeds, its own "
           "address excluded).");
  w.Sample("phid_seeds", s.seeds);
  w.Family("phid_joined", "gauge",
           "1 once this daemon has joined its cluster (met a live peer, or "
           "has no seed but itself), else 0: readiness.");
  w.Sample("phid_joined", s.joined ? 1 : 0);
  w.Family("phid_peer_phi", "gauge",
           "Current phi of each peer (clamped to 1000).");
  for (const auto& [peer, phi] : s.peer_phi) {
    w.Sample("phid_peer_phi", phi, "peer", peer);
  }
  w.Family("phid_peer_failed", "gauge",
           "1 for each peer that is FAILED (silent past --failed_after and "
           "kept for --failed_member_retention), 0 for the others.");
  for (const auto& [peer, phi] : s.peer_phi) {
    const bool failed = std::find(s.failed_peers.begin(), s.failed_peers.end(),
                                  peer) != s.failed_peers.end();
    w.Sample("phid_peer_failed", failed ? 1 : 0, "peer", peer);
  }
  w.Family("phid_gossip_packets_total", "counter", "Gossip datagrams.");
  w.Sample("phid_gossip_packets_total", s.gossip.packets_in, "direction", "in");
  w.Sample("phid_gossip_packets_total", s.gossip.packets_out, "direction",
           "out");
  w.Family("phid_gossip_bytes_total", "counter", "Gossip datagram bytes.");
  w.Sample("phid_gossip_bytes_total", s.gossip.bytes_in, "direction", "in");
  w.Sample("phid_gossip_bytes_total", s.gossip.bytes_out, "direction", "out");
  w.Family("phid_gossip_drops_total", "counter",
           "Received gossip datagrams dropped, by reason.");
  for (size_t i = 1; i < s.gossip.drops.size(); ++i) {
    w.Sample("phid_gossip_drops_total", s.gossip.drops[i], "reason",
             DropReasonName(static_cast<DropReason>(i)));
  }
  w.Family("phid_keyring_keys", "gauge",
           "Keys in the gossip keyring (--keyring), primary included; 0 "
           "without one.");
  w.Sample("phid_keyring_keys", static_cast<double>(s.key_ids.size()));
  w.Family("phid_keyring_primary_info", "gauge",
           "1, labelled with the id of the key this daemon seals gossip with "
           "(8 hex digits of its SHA-256; phid keygen prints it).");
  if (!s.key_ids.empty()) {
    w.Sample("phid_keyring_primary_info", 1, "key_id", s.key_ids[0]);
  }
  w.Family("phid_keyring_secondary_opens_total", "counter",
           "Gossip datagrams opened by a key other than the primary: while "
           "it grows on any daemon, some peer still seals with a key this "
           "one holds as secondary, which cannot be removed yet.");
  w.Sample("phid_keyring_secondary_opens_total", s.secondary_key_opens);
  w.Family("phid_keyring_reloads_total", "counter",
           "Keyring reloads on SIGHUP, by result; a failed one keeps the "
           "keyring in use (the log says why).");
  w.Sample("phid_keyring_reloads_total", s.keyring_reloads, "result", "ok");
  w.Sample("phid_keyring_reloads_total", s.keyring_reload_failures, "result",
           "failed");
  w.Family("phid_transport_datagrams_total", "counter",
           "Datagrams the gossip socket sent (out) and read (in).");
  w.Sample("phid_transport_datagrams_total", s.transport.datagrams_received,
           "direction", "in");
  w.Sample("phid_transport_datagrams_total", s.transport.datagrams_sent,
           "direction", "out");
  w.Family("phid_transport_bytes_total", "counter",
           "Bytes the gossip socket sent (out) and read (in).");
  w.Sample("phid_transport_bytes_total", s.transport.bytes_received,
           "direction", "in");
  w.Sample("phid_transport_bytes_total", s.transport.bytes_sent, "direction",
           "out");
  w.Family("phid_transport_send_errors_total", "counter",
           "Gossip sends that failed: a bad destination address or a sendto() "
           "error (e.g. a full socket buffer).");
  w.Sample("phid_transport_send_errors_total", s.transport.send_errors);
  w.Family("phid_transport_oversize_refused_total", "counter",
           "Outgoing gossip payloads over the datagram limit, refused.");
  w.Sample("phid_transport_oversize_refused_total",
           s.transport.oversize_refused);
  w.Family("phid_transport_receive_errors_total", "counter",
           "Failures reading the gossip socket other than nothing to read.");
  w.Sample("phid_transport_receive_errors_total", s.transport.receive_errors);
  w.Family("phid_transport_injected_drops_total", "counter",
           "Outgoing gossip datagrams dropped on purpose by "
           "--drop_probability.");
  w.Sample("phid_transport_injected_drops_total", s.transport.injected_drops);
  w.Family("phid_gossip_kernel_drops_total", "counter",
           "Gossip datagrams the kernel dropped before phid read them (the "
           "socket's receive buffer was full; see --udp_receive_buffer).");
  if (s.kernel_drops >= 0) {
    w.Sample("phid_gossip_kernel_drops_total", s.kernel_drops);
  }
  w.Family("phid_gossip_receive_buffer_bytes", "gauge",
           "SO_RCVBUF of the gossip socket as the kernel reports it.");
  if (s.receive_buffer_bytes >= 0) {
    w.Sample("phid_gossip_receive_buffer_bytes", s.receive_buffer_bytes);
  }
  w.Family("phid_gossip_name_conflicts_total", "counter",
           "Evidence of another daemon running under this daemon's --name "
           "(either side of the conflict counts it; see the ERROR lines).");
  w.Sample("phid_gossip_name_conflicts_total", s.gossip.name_conflicts);
  w.Family("phid_gossip_arrivals_total", "counter",
           "Newer heartbeats learned about any member.");
  w.Sample("phid_gossip_arrivals_total", s.gossip.arrivals);
  w.Family("phid_membership_events_total", "counter",
           "Membership changes this daemon learned.");
  w.Sample("phid_membership_events_total", s.gossip.joins, "event", "joined");
  w.Sample("phid_membership_events_total", s.gossip.restarts, "event",
           "restarted");
  w.Sample("phid_membership_events_total", s.gossip.leaves, "event", "left");
  w.Sample("phid_membership_events_total", s.gossip.removals, "event",
           "removed");
  w.Sample("phid_membership_events_total", s.gossip.failures, "event",
           "failed");
  w.Sample("phid_membership_events_total", s.gossip.forgotten, "event",
           "forgotten");
  w.Family("phid_pauses_total", "counter",
           "Times this daemon found itself paused and discounted the pause.");
  w.Sample("phid_pauses_total", s.gossip.pauses);
  w.Family(
      "phid_gossip_protocol_total", "counter",
      "Protocol 2 activity: heartbeats sent, newer reports merged, "
      "other monitors' suspect reports lapsed unrenewed, "
      "summaries sent, entries repaired, push-pulls challenged, "
      "members refused over --max_members, failed or left members evicted "
      "to make room, unknown members of unverified datagrams refused "
      "over --admission_rate (all sources) or --admission_rate_per_source, "
      "reconnect probes sent to failed members, probes answered by a "
      "daemon that holds the prober alive.");
  w.Sample("phid_gossip_protocol_total", s.gossip.heartbeats_sent, "what",
           "heartbeats_sent");
  w.Sample("phid_gossip_protocol_total", s.gossip.reports, "what", "reports");
  w.Sample("phid_gossip_protocol_total", s.gossip.reports_lapsed, "what",
           "reports_lapsed");
  w.Sample("phid_gossip_protocol_total", s.gossip.summaries, "what",
           "summaries");
  w.Sample("phid_gossip_protocol_total", s.gossip.repairs, "what", "repairs");
  w.Sample("phid_gossip_protocol_total", s.gossip.challenges, "what",
           "challenges");
  w.Sample("phid_gossip_protocol_total", s.gossip.members_refused, "what",
           "members_refused");
  w.Sample("phid_gossip_protocol_total", s.gossip.members_evicted, "what",
           "members_evicted");
  w.Sample("phid_gossip_protocol_total", s.gossip.admissions_refused_global,
           "what", "admissions_refused_global");
  w.Sample("phid_gossip_protocol_total", s.gossip.admissions_refused_source,
           "what", "admissions_refused_source");
  w.Sample("phid_gossip_protocol_total", s.gossip.reconnects, "what",
           "reconnects");
  w.Sample("phid_gossip_protocol_total", s.gossip.probe_answers, "what",
           "probe_answers");

  w.Family("phid_watchers", "gauge", "Open Watch streams.");
  w.Sample("phid_watchers", s.watchers);
  w.Family("phid_watch_evictions_total", "counter",
           "Watchers cancelled for not reading their stream.");
  w.Sample("phid_watch_evictions_total", s.evictions);
  w.Family("phid_watch_refused_total", "counter",
           "Watches refused by --max_watchers or --max_watchers_per_client.");
  w.Sample("phid_watch_refused_total", s.watches_refused);
  w.Family("phid_http_refused_connections_total", "counter",
           "Metrics HTTP connections closed at once for being over "
           "--metrics_max_connections(_per_client).");
  w.Sample("phid_http_refused_connections_total", s.http_refused_connections);
  w.Family("phid_http_cut_requests_total", "counter",
           "Metrics HTTP requests cut off at --metrics_request_timeout or "
           "their byte budget.");
  w.Sample("phid_http_cut_requests_total", s.http_cut_requests);
  w.Family("phid_watch_transitions_total", "counter",
           "Transition messages sent to watchers, by reason.");
  for (size_t i = 1; i < s.transitions.size(); ++i) {
    if (!phi::v1::TransitionReason_IsValid(static_cast<int>(i))) continue;
    std::string reason = absl::AsciiStrToLower(phi::v1::TransitionReason_Name(
        static_cast<phi::v1::TransitionReason>(i)));
    absl::string_view label = reason;
    absl::ConsumePrefix(&label, "transition_reason_");
    w.Sample("phid_watch_transitions_total", s.transitions[i], "reason", label);
  }
  w.Family("phid_watch_messages_total", "counter",
           "Level and idle heartbeat messages sent to watchers.");
  w.Sample("phid_watch_messages_total", s.level_messages, "kind", "levels");
  w.Sample("phid_watch_messages_total", s.heartbeat_messages, "kind",
           "heartbeat");
  return w.Take();
}

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(
    const std::string& address, std::function<std::string()> provider,
    const MetricsHttpLimits& limits,
    std::function<void(httplib::Server*)> add_routes) {
  size_t colon = address.rfind(':');
  int port = 0;
  if (colon == std::string::npos ||
      !absl::SimpleAtoi(address.substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(
        "metrics address '", address, "' is not of the form host:port"));
  }
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  LimitedHttpServer::Limits http;
  http.max_connections = limits.max_connections;
  http.max_connections_per_client = limits.max_connections_per_client;
  http.request_timeout = limits.request_timeout;
  http.max_body_bytes = limits.max_body_bytes;
  auto server = std::make_unique<LimitedHttpServer>(http);
  // Without it, a scraper that keeps its connection open waits ~40 ms per
  // request for Nagle and delayed ACK.
  server->set_tcp_nodelay(true);
  server->Get("/metrics",
              [provider](const httplib::Request&, httplib::Response& response) {
                response.set_content(provider(), "text/plain; version=0.0.4");
              });
  if (add_routes) add_routes(server.get());
  int bound = port == 0 ? server->bind_to_any_port(host)
                        : (server->bind_to_port(host, port) ? port : -1);
  if (bound <= 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", address,
                     " for metrics (in use? set "
                     "--metrics_address, or empty to turn metrics off)"));
  }
  return std::unique_ptr<MetricsServer>(
      new MetricsServer(std::move(server), bound));
}

uint64_t MetricsServer::refused_connections() const {
  return server_->refused_connections();
}

uint64_t MetricsServer::cut_requests() const { return server_->cut_requests(); }

MetricsServer::MetricsServer(std::unique_ptr<LimitedHttpServer> server,
                             int port)
    : server_(std::move(server)), port_(port) {
  thread_ = std::thread([this] {
    server_->listen_after_bind();
    listen_returned_ = true;
  });
}

MetricsServer::~MetricsServer() {
  // stop() is a no-op until the server runs: let it get there first.
  while (!server_->is_running() && !listen_returned_) {
    std::this_thread::yield();
  }
  server_->stop();
  thread_.join();
}

}  // namespace phid
