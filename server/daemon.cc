#include "server/daemon.h"

#include <algorithm>
#include <chrono>
#include <random>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "glog/logging.h"
#include "gossip/address.h"
#include "proto/api_limits.h"
#include "server/background_seed_resolver.h"
#include "server/grpc_server.h"
#include "server/grpc_status.h"
#include "server/keyring_file.h"
#include "server/member_event_log.h"
#include "server/socket_stats.h"
#include "server/watch_request.h"

namespace phid {
namespace {

namespace v1 = ::phi::v1;

// Longest the loop sleeps: keeps shutdown and pauses responsive.
constexpr absl::Duration kMaxWait = absl::Milliseconds(250);

}  // namespace

FailureDetectorService::Options Daemon::ServiceOptions(
    const DaemonOptions& options) {
  FailureDetectorService::Options service;
  service.max_watchers = options.max_watchers;
  service.max_watchers_per_client = options.max_watchers_per_client;
  service.stream.max_queued = options.max_queued_messages;
  service.stream.write_timeout = options.write_timeout;
  return service;
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
    absl::StatusOr<std::unique_ptr<Keyring>> ring =
        LoadKeyringFile(options_.keyring);
    if (!ring.ok()) return ring.status();
    keyring = *std::move(ring);
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
  PeerApi::Options peers;
  peers.gossip = options_.gossip;
  if (peers.gossip.generation == 0) {  // new on every start, growing
    peers.gossip.generation =
        static_cast<uint64_t>(absl::ToUnixMicros(absl::Now()));
  }
  peers.default_threshold = options_.default_threshold;
  peers.seed = std::random_device()();
  peers.unix_micros = [] { return absl::ToUnixMicros(absl::Now()); };
  peers.wake = [t = transport_.get()] { t->Wake(); };
  absl::StatusOr<std::unique_ptr<PeerApi>> api =
      PeerApi::Create(std::move(peers), gossip_transport, std::move(keyring),
                      resolver_.get(), clock_);
  if (!api.ok()) return api.status();
  peers_ = *std::move(api);
  // The status page's log. Its idle heartbeats are useless: as rare as
  // allowed.
  WatchSpec spec;
  spec.threshold = spec.recovery_threshold = options_.default_threshold;
  spec.idle_interval = kMaxIdleInterval;
  transition_log_ = std::make_shared<TransitionLog>();
  peers_->Subscribe(std::move(spec), transition_log_);

  service_ = std::make_unique<FailureDetectorService>(ServiceOptions(options_),
                                                      peers_.get(), clock_);
  DaemonMetrics::Sources sources;
  sources.peers = peers_.get();
  sources.service = service_.get();
  sources.transport = transport_.get();
  sources.faults = faults_.get();
  for (const std::string& seed : options_.gossip.seeds) {
    if (seed != transport_->LocalAddress()) ++sources.seeds;
  }
  metrics_ = std::make_unique<DaemonMetrics>(sources);
  if (absl::Status s = StartGrpc(); !s.ok()) return s;
  StatusPageSources page;
  page.list_peers = [this](const v1::ListPeersRequest& r) {
    return peers_->ListPeers(r);
  };
  page.log = transition_log_.get();
  if (absl::Status s = metrics_->Serve(options_, std::move(page)); !s.ok()) {
    server_->Shutdown();
    return s;
  }

  LOG(INFO) << "phid '" << name() << "' started: gossip on udp "
            << transport_->BoundAddress() << " (advertised "
            << transport_->LocalAddress() << "), cluster '"
            << options_.gossip.cluster << "', seeds ["
            << absl::StrJoin(options_.gossip.seeds, ",") << "], gRPC on "
            << options_.grpc_address << " (port " << grpc_port_
            << (options_.tls_cert.empty() ? ", plaintext" : ", TLS")
            << "), metrics "
            << (metrics_->port() != 0
                    ? absl::StrCat("on http://", options_.metrics_address,
                                   "/metrics (port ", metrics_->port(),
                                   "; status page at /)")
                    : std::string("off"))
            << ", default threshold " << options_.default_threshold;
  loop_ = std::thread([this] { Loop(); });
  return absl::OkStatus();
}

absl::Status Daemon::StartGrpc() {
  absl::StatusOr<GrpcServer> grpc = StartGrpcServer(options_, service_.get());
  if (!grpc.ok()) return grpc.status();
  server_ = std::move(grpc->server);
  grpc_port_ = grpc->port;
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
      peers_->Leave(now);
    }
    if (leaving_) {
      if (peers_->LeaveDone(now) ||
          now - shutdown_started_ > options_.shutdown_timeout / 2) {
        break;
      }
    }
    RunOnce(&next_sweep);
  }
  FinishShutdown();
}

void Daemon::RunOnce(MonoTime* next_sweep) {
  if (reload_requested_.exchange(false)) {
    ReloadKeyringFile(options_.keyring, peers_.get());
  }
  MonoTime now = clock_.Now();
  MonoTime due = std::min(peers_->NextDue(), *next_sweep);
  // Injected delay: the datagrams due now go, and the wait ends by the next.
  if (faults_ != nullptr) due = std::min(due, faults_->SendDue(now));
  absl::Duration wait = std::clamp(due - now, absl::ZeroDuration(), kMaxWait);
  // Round up: a wait that ends just before `due` would only spin.
  wait = absl::Ceil(wait, absl::Milliseconds(1));
  DatagramBatch batch;
  transport_->ReceiveOnce(wait, clock_, &batch);

  PeerApi::StepResult step = peers_->Step(std::move(batch.datagrams));
  now = step.now;
  const bool joined = step.joined && !leaving_;
  const size_t watchers = step.watchers;
  for (const MemberEvent& event : step.events) LogMemberEvent(event);
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

int Daemon::metrics_port() const { return metrics_ ? metrics_->port() : 0; }

std::string Daemon::MetricsText() { return metrics_->Text(); }

}  // namespace phid
