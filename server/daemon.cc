#include "server/daemon.h"

#include <algorithm>
#include <chrono>
#include <random>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "detector/base/file_read.h"
#include "glog/logging.h"
#include "gossip/address.h"
#include "grpc/health/v1/health.pb.h"
#include "grpcpp/security/server_credentials.h"
#include "proto/api_limits.h"
#include "server/background_seed_resolver.h"
#include "server/grpc_status.h"
#include "server/reflection_service.h"
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
  absl::StatusOr<std::string> text = ReadFileToString(path);
  if (!text.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": ", text.status().message()));
  }
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
      LOG(INFO) << "member " << r.name << " removed ("
                << (r.status == MemberStatus::kLeft ? "left" : "failed")
                << "): retention over, forgotten, or evicted by "
                   "--max_members";
      break;
    case MemberEventType::kFailed:
      LOG(WARNING) << "member " << r.name
                   << " failed: silent for --failed_after; listed as failed "
                      "until --failed_member_retention unless it returns "
                      "(`phictl forget "
                   << r.name << "` removes it sooner)";
      break;
    case MemberEventType::kReturned:
      LOG(INFO) << "failed member " << r.name << " is back (generation "
                << r.generation << ")";
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
  std::unique_ptr<Keyring> keyring;
  if (!options_.keyring.empty()) {
    absl::StatusOr<Keyring> ring = Keyring::LoadFile(options_.keyring);
    if (!ring.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("keyring: ", ring.status().message()));
    }
    keyring = std::make_unique<Keyring>(*std::move(ring));
    LOG(INFO) << "keyring " << options_.keyring << ": " << keyring->size()
              << " keys [" << absl::StrJoin(keyring->KeyIds(), ",")
              << "], primary " << keyring->primary_id();
  }
  absl::StatusOr<std::unique_ptr<UdpTransport>> transport =
      UdpTransport::Bind(options_.udp);
  if (!transport.ok()) return transport.status();
  transport_ = *std::move(transport);
  if (options_.faults.any()) {
    // A datagram queued while the loop waits for packets wakes it, so the
    // loop (RunOnce) sends it when due.
    absl::StatusOr<std::unique_ptr<FaultInjectingTransport>> faults =
        FaultInjectingTransport::Create(options_.faults, transport_.get(),
                                        clock_,
                                        [t = transport_.get()] { t->Wake(); });
    if (!faults.ok()) return faults.status();
    faults_ = *std::move(faults);
  }
  Transport* const gossip_transport =
      faults_ != nullptr ? static_cast<Transport*>(faults_.get())
                         : transport_.get();
  if (absl::Status s = SetReceiveBuffer(transport_->socket_fd(),
                                        options_.udp_receive_buffer_bytes);
      !s.ok()) {
    LOG(WARNING) << "--udp_receive_buffer: " << s.message();
  }

  for (const std::string& seed : options_.gossip.seeds) {
    if (!ParseAddress(seed).ok() && resolver_ == nullptr) {
      resolver_ = std::make_unique<BackgroundSeedResolver>(
          std::make_unique<SystemSeedResolver>());
    }
  }
  MonoTime now = clock_.Now();
  {
    absl::MutexLock lock(&mu_);
    keyring_ = std::move(keyring);
    GossipOptions gossip = options_.gossip;
    if (gossip.generation == 0) {  // new on every start, growing
      gossip.generation =
          static_cast<uint64_t>(absl::ToUnixMicros(absl::Now()));
    }
    absl::StatusOr<std::unique_ptr<GossipNode>> node = GossipNode::Create(
        gossip, gossip_transport, keyring_.get(), &collector_, now,
        std::random_device()(), resolver_.get());
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
  // Health: touching the descriptor links grpc.health.v1 so reflection
  // can describe the health service.
  grpc::EnableDefaultHealthCheckService(true);
  (void)grpc::health::v1::HealthCheckRequest::descriptor();

  grpc::ServerBuilder builder;
  AddServerReflection(&builder);  // v1 and v1alpha, with .proto comments
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
    health->SetServingStatus(kJoinedService, false);
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

void Daemon::RequestKeyringReload() {
  reload_requested_ = true;
  if (transport_ != nullptr) transport_->Wake();
}

void Daemon::ReloadKeyring() {
  if (options_.keyring.empty()) {
    LOG(WARNING) << "keyring reload requested (SIGHUP), but phid runs "
                    "without --keyring: nothing to reload (turning "
                    "encryption on needs --keyring on every daemon and a "
                    "restart)";
    return;
  }
  // Read and parse outside the lock: the loop holds it only for the swap.
  absl::StatusOr<Keyring> loaded = Keyring::LoadFile(options_.keyring);
  std::unique_ptr<Keyring> ring;
  if (loaded.ok()) ring = std::make_unique<Keyring>(*std::move(loaded));
  std::string change;
  std::string kept;
  {
    absl::MutexLock lock(&mu_);
    if (ring == nullptr) {
      ++keyring_reload_failures_;
      kept = absl::StrCat(keyring_->size(), " keys, primary ",
                          keyring_->primary_id());
    } else {
      change = DescribeKeyringChange(*keyring_, *ring);
      node_->ReplaceKeyring(ring.get());
      keyring_.swap(ring);  // `ring` now holds the old one, freed below
      ++keyring_reloads_;
    }
  }
  if (!loaded.ok()) {
    LOG(ERROR) << "keyring reload failed; still using the keyring loaded "
                  "before ("
               << kept << "): " << loaded.status().message()
               << ". Fix the file (one key per line, 64 hex digits or "
                  "base64 of 32 bytes; phid keygen writes one) and send "
                  "SIGHUP again (systemctl reload phid)";
    return;
  }
  LOG(INFO) << "keyring reloaded from " << options_.keyring << ": " << change;
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
  if (reload_requested_.exchange(false)) ReloadKeyring();
  MonoTime now = clock_.Now();
  MonoTime due;
  {
    absl::MutexLock lock(&mu_);
    due = std::min({node_->NextTickDue(), hub_->NextDue(), *next_sweep});
  }
  // Injected delay: the datagrams due now go, and the wait ends by the next.
  if (faults_ != nullptr) due = std::min(due, faults_->SendDue(now));
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
  bool joined;
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
    joined = node_->Joined() && !leaving_;
    watchers = hub_->subscribers();
  }
  for (const MemberEvent& event : events) LogEvent(event);
  if (joined != joined_reported_) {
    joined_reported_ = joined;
    if (grpc::HealthCheckServiceInterface* health =
            server_->GetHealthCheckService()) {
      health->SetServingStatus(kJoinedService, joined);
    }
  }
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
