#include "server/daemon.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "glog/logging.h"
#include "grpc/health/v1/health.pb.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/security/server_credentials.h"
#include "server/api_limits.h"
#include "server/grpc_status.h"
#include "server/socket_stats.h"
#include "server/watch_request.h"

namespace phid {
namespace {

namespace v1 = ::phi::v1;

// Longest the loop sleeps: keeps shutdown and pauses responsive.
constexpr absl::Duration kMaxWait = absl::Milliseconds(250);

// Datagrams from one ReceiveOnce, fed to the node under the lock in one go.
class PacketBatch final : public PacketSink {
 public:
  struct Packet {
    std::string from;
    std::string payload;
    MonoTime at;
  };
  void OnPacket(const std::string& from, absl::string_view payload,
                MonoTime now) override {
    packets.push_back(Packet{from, std::string(payload), now});
  }
  std::vector<Packet> packets;
};

MetricsHttpLimits MetricsLimitsOf(const DaemonOptions& o) {
  MetricsHttpLimits limits;
  limits.max_connections = o.metrics_max_connections;
  limits.max_connections_per_client = o.metrics_max_connections_per_client;
  limits.request_timeout = o.metrics_request_timeout;
  limits.max_body_bytes = o.metrics_max_request_bytes;
  return limits;
}

absl::StatusOr<std::string> ReadFile(const std::string& path,
                                     absl::string_view flag) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": cannot read ", path, ": ", std::strerror(errno)));
  }
  std::string text;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0) {
    text.append(buffer, n);
  }
  std::fclose(f);
  return text;
}

void LogEvent(const MemberEvent& e) {
  const MemberRecord& r = e.record;
  switch (e.type) {
    case MemberEventType::kJoined:
      LOG(INFO) << "member " << r.name << " joined at " << r.address
                << " (generation " << r.generation << ")";
      break;
    case MemberEventType::kRestarted:
      LOG(INFO) << "member " << r.name << " restarted (generation "
                << r.generation << ")";
      break;
    case MemberEventType::kLeft:
      LOG(INFO) << "member " << r.name << " left the cluster";
      break;
    case MemberEventType::kRemoved:
      if (r.status == MemberStatus::kLeft) {
        LOG(INFO) << "member " << r.name << " removed after leaving";
      } else {
        LOG(WARNING) << "member " << r.name
                     << " removed: no heartbeat for too long";
      }
      break;
    case MemberEventType::kObserverPaused:
      LOG(WARNING) << "observer paused for " << absl::FormatDuration(e.paused)
                   << "; re-evaluating every member";
      break;
  }
}

}  // namespace

void Daemon::Collector::OnMemberEvent(const MemberEvent& event) {
  events.push_back(event);
}

void Daemon::Collector::OnEvidence(const std::string& name,
                                   const PhiCurve& before, MonoTime now) {
  (void)before;
  (void)now;
  arrivals.push_back(name);
}

Daemon::Daemon(const DaemonOptions& options)
    : options_(options), clock_(RealClock::Get()) {}

absl::StatusOr<std::unique_ptr<Daemon>> Daemon::Start(
    const DaemonOptions& options) {
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  std::unique_ptr<Daemon> daemon(new Daemon(options));
  if (absl::Status s = daemon->Init(); !s.ok()) {
    daemon->stopped_.Notify();  // nothing to stop
    daemon->joined_ = true;
    return s;
  }
  return daemon;
}

absl::Status Daemon::Init() {
  if (!options_.keyring.empty()) {
    absl::StatusOr<Keyring> ring = Keyring::LoadFile(options_.keyring);
    if (!ring.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("keyring: ", ring.status().message()));
    }
    keyring_ = std::make_unique<Keyring>(*std::move(ring));
  }
  absl::StatusOr<std::unique_ptr<UdpTransport>> transport =
      UdpTransport::Bind(options_.udp);
  if (!transport.ok()) return transport.status();
  transport_ = *std::move(transport);
  if (absl::Status s = SetReceiveBuffer(transport_->socket_fd(),
                                        options_.udp_receive_buffer_bytes);
      !s.ok()) {
    LOG(WARNING) << "--udp_receive_buffer: " << s.message();
  }

  MonoTime now = clock_.Now();
  {
    absl::MutexLock lock(&mu_);
    absl::StatusOr<std::unique_ptr<GossipNode>> node =
        GossipNode::Create(options_.gossip, transport_.get(), keyring_.get(),
                           &collector_, now, std::random_device()());
    if (!node.ok()) return node.status();
    node_ = *std::move(node);
    WatchHub::Options hub;
    hub.epoch = node_->generation();  // new on every start
    hub.unix_micros = [] { return absl::ToUnixMicros(absl::Now()); };
    hub_ = std::make_unique<WatchHub>(std::move(hub));
    hub_->OnMembersChanged(node_->Snapshot(now, options_.default_threshold),
                           now);
    // The status page's log. Its idle heartbeats are useless: as rare as
    // allowed.
    WatchSpec spec;
    spec.threshold = spec.recovery_threshold = options_.default_threshold;
    spec.idle_interval = kMaxIdleInterval;
    transition_log_ = std::make_shared<TransitionLog>();
    hub_->Subscribe(std::move(spec), transition_log_, now);
  }

  FailureDetectorService::Options service;
  service.max_watchers = options_.max_watchers;
  service.max_watchers_per_client = options_.max_watchers_per_client;
  service.stream.max_queued = options_.max_queued_messages;
  service.stream.write_timeout = options_.write_timeout;
  FailureDetectorBackend* backend = this;
  service_ = std::make_unique<FailureDetectorService>(service, backend, clock_);
  if (absl::Status s = StartGrpc(); !s.ok()) return s;

  if (!options_.metrics_address.empty()) {
    absl::StatusOr<std::unique_ptr<MetricsServer>> metrics =
        MetricsServer::Start(
            options_.metrics_address, [this] { return MetricsText(); },
            MetricsLimitsOf(options_),
            [this](httplib::Server* server) {
              StatusPageSources sources;
              sources.list_peers = [this](const v1::ListPeersRequest& r) {
                return ListPeers(r);
              };
              sources.log = transition_log_.get();
              AddStatusPageRoutes(std::move(sources), server);
            });
    if (!metrics.ok()) {
      server_->Shutdown();
      return metrics.status();
    }
    metrics_ = *std::move(metrics);
    metrics_server_ = metrics_.get();
  }

  LOG(INFO) << "phid '" << name() << "' started: gossip on udp "
            << transport_->BoundAddress() << " (advertised "
            << transport_->LocalAddress() << "), cluster '"
            << options_.gossip.cluster << "', seeds ["
            << absl::StrJoin(options_.gossip.seeds, ",") << "], gRPC on "
            << options_.grpc_address << " (port " << grpc_port_
            << (options_.tls_cert.empty() ? ", plaintext" : ", TLS")
            << "), metrics "
            << (metrics_ ? absl::StrCat("on http://", options_.metrics_address,
                                        "/metrics (port ", metrics_->port(),
                                        "; status page at /)")
                         : std::string("off"))
            << ", default threshold " << options_.default_threshold;
  loop_ = std::thread([this] { Loop(); });
  return absl::OkStatus();
}

absl::Status Daemon::StartGrpc() {
  std::shared_ptr<grpc::ServerCredentials> credentials =
      grpc::InsecureServerCredentials();
  if (!options_.tls_cert.empty()) {
    absl::StatusOr<std::string> cert = ReadFile(options_.tls_cert, "tls_cert");
    if (!cert.ok()) return cert.status();
    absl::StatusOr<std::string> key = ReadFile(options_.tls_key, "tls_key");
    if (!key.ok()) return key.status();
    grpc::SslServerCredentialsOptions ssl;
    ssl.pem_key_cert_pairs.push_back({*key, *cert});
    credentials = grpc::SslServerCredentials(ssl);
  }
  // Reflection: the call keeps libgrpc++_reflection linked (--as-needed
  // drops it otherwise). Health: touching the descriptor links
  // grpc.health.v1 so reflection can describe the health service.
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::EnableDefaultHealthCheckService(true);
  (void)grpc::health::v1::HealthCheckRequest::descriptor();

  grpc::ServerBuilder builder;
  builder.AddListeningPort(options_.grpc_address, credentials, &grpc_port_);
  builder.RegisterService(service_.get());
  // Abuse limits (README: Under abuse). gRPC 1.51 has no rapid-reset
  // defence: reset streams do not count against the stream limit.
  grpc::ResourceQuota quota("phid");
  quota.Resize(static_cast<size_t>(options_.grpc_memory_limit_bytes));
  builder.SetResourceQuota(quota);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                             options_.grpc_max_streams_per_connection);
  builder.SetMaxReceiveMessageSize(static_cast<int>(kMaxRequestBytes));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS,
                             static_cast<int>(absl::ToInt64Milliseconds(
                                 options_.grpc_keepalive_time)));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
                             static_cast<int>(absl::ToInt64Milliseconds(
                                 options_.grpc_keepalive_timeout)));
  // A client that pings more often than allowed gets GOAWAY
  // (too_many_pings) after this many strikes.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 2);
  // A TCP connection that never completes its HTTP/2 handshake.
  builder.AddChannelArgument(GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS, 10000);
  // Let clients keep idle watches alive with pings every 10 s
  // (`grpcurl -keepalive-time 10`); the default allows one per 5 min.
  builder.AddChannelArgument(
      GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // gRPC sets SO_REUSEPORT by default: a second daemon on the same port
  // would start and silently share it. Fail instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || grpc_port_ == 0) {
    if (server_ != nullptr) server_->Shutdown();
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options_.grpc_address,
                     " for gRPC (address in use or not local? set "
                     "--grpc_address)"));
  }
  // Health answers for the whole server ("") and for the API by name.
  if (grpc::HealthCheckServiceInterface* health =
          server_->GetHealthCheckService()) {
    health->SetServingStatus(phi::v1::FailureDetector::service_full_name(),
                             true);
  }
  return absl::OkStatus();
}

Daemon::~Daemon() {
  RequestShutdown();
  Wait();
  metrics_.reset();
}

void Daemon::RequestShutdown() {
  shutdown_requested_ = true;
  PauseForTesting(false);
  if (transport_ != nullptr) transport_->Wake();
}

void Daemon::CrashForTesting() {
  crash_ = true;
  RequestShutdown();
}

void Daemon::PauseForTesting(bool paused) {
  absl::MutexLock lock(&pause_mu_);
  paused_ = paused;
}

void Daemon::Wait() {
  stopped_.WaitForNotification();
  if (!joined_.exchange(true)) loop_.join();
}

void Daemon::Loop() {
  MonoTime next_sweep = clock_.Now();
  while (true) {
    {
      absl::MutexLock lock(&pause_mu_);
      pause_mu_.Await(absl::Condition(
          +[](bool* paused) { return !*paused; }, &paused_));
    }
    if (crash_) break;
    MonoTime now = clock_.Now();
    if (shutdown_requested_ && !leaving_) {
      leaving_ = true;
      shutdown_started_ = now;
      LOG(INFO) << "shutting down: leaving the cluster";
      absl::MutexLock lock(&mu_);
      node_->Leave(now);
      hub_->Fire(now);
    }
    if (leaving_) {
      absl::MutexLock lock(&mu_);
      if (node_->LeaveDone(now) ||
          now - shutdown_started_ > options_.shutdown_timeout / 2) {
        break;
      }
    }
    RunOnce(&next_sweep);
  }
  FinishShutdown();
}

void Daemon::RunOnce(MonoTime* next_sweep) {
  MonoTime now = clock_.Now();
  MonoTime due;
  {
    absl::MutexLock lock(&mu_);
    due = std::min({node_->NextTickDue(), hub_->NextDue(), *next_sweep});
  }
  absl::Duration wait = std::clamp(due - now, absl::ZeroDuration(), kMaxWait);
  // Round up: a wait that ends just before `due` would only spin.
  wait = absl::Ceil(wait, absl::Milliseconds(1));
  PacketBatch batch;
  transport_->ReceiveOnce(wait, clock_, &batch);

  std::vector<uint64_t> unsubscribed;
  {
    absl::MutexLock lock(&unsubscribe_mu_);
    unsubscribed.swap(unsubscribed_);
  }
  std::vector<MemberEvent> events;
  size_t watchers = 0;
  {
    absl::MutexLock lock(&mu_);
    for (const PacketBatch::Packet& p : batch.packets) {
      node_->OnPacket(p.from, p.payload, p.at);
    }
    for (uint64_t id : unsubscribed) hub_->Unsubscribe(id);
    now = clock_.Now();
    node_->Tick(now);  // the pause guard runs before any crossing is judged
    events = Publish(now);
    hub_->Fire(now);
    watchers = hub_->subscribers();
  }
  for (const MemberEvent& event : events) LogEvent(event);
  if (memory_trim_.Observe(watchers, now)) {
    LOG(INFO) << "returned freed memory to the system after most watchers "
                 "left (now "
              << watchers << ", trim took "
              << absl::FormatDuration(clock_.Now() - now) << ")";
  }
  if (now >= *next_sweep) {
    service_->EvictStalled(now);
    *next_sweep = now + std::min(absl::Seconds(1), options_.write_timeout / 4);
  }
}

std::vector<MemberEvent> Daemon::Publish(MonoTime now) {
  std::vector<MemberEvent> events;
  std::vector<std::string> arrivals;
  events.swap(collector_.events);
  arrivals.swap(collector_.arrivals);
  bool paused = false;
  for (const MemberEvent& event : events) {
    hub_->OnMemberEvent(event);
    paused |= event.type == MemberEventType::kObserverPaused;
    arrivals.push_back(event.record.name);
  }
  std::vector<MemberView> views;
  double level = options_.default_threshold;
  if (paused) {
    views = node_->Snapshot(now, level);
  } else {
    const Membership& membership = node_->membership();
    std::sort(arrivals.begin(), arrivals.end());
    arrivals.erase(std::unique(arrivals.begin(), arrivals.end()),
                   arrivals.end());
    arrivals.push_back(node_->name());  // self: heartbeat counter moves
    for (const std::string& name : arrivals) {
      if (const Membership::Member* m = membership.Find(name)) {
        views.push_back(membership.View(*m, now, level));
      }
    }
  }
  hub_->OnMembersChanged(views, now);
  return events;
}

void Daemon::FinishShutdown() {
  MonoTime now = clock_.Now();
  if (!leaving_) shutdown_started_ = now;
  LOG(INFO) << "ending every watch and stopping the gRPC server";
  service_->EndAllWatches(
      ToGrpcStatus(absl::UnavailableError("phid is shutting down")));
  if (grpc::HealthCheckServiceInterface* health =
          server_->GetHealthCheckService()) {
    health->SetServingStatus(false);
  }
  absl::Duration left =
      std::max(absl::Milliseconds(200), options_.shutdown_timeout -
                                            (now - shutdown_started_) -
                                            absl::Milliseconds(200));
  server_->Shutdown(std::chrono::system_clock::now() +
                    absl::ToChronoMilliseconds(left));
  LOG(INFO) << "phid '" << name() << "' stopped";
  stopped_.Notify();
}

}  // namespace phid
