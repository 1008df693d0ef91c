#include "server/simulated_peers.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "grpcpp/grpcpp.h"
#include "server/daemon.h"
#include "server/grpc_status.h"
#include "server/keyring_file.h"
#include "server/metrics.h"

namespace phid {

MonoTime SimulatedPeers::SharedClock::Now() const {
  absl::MutexLock lock(&mu_);
  return clock_.Now();
}

void SimulatedPeers::SharedClock::AdvanceTo(MonoTime t) {
  absl::MutexLock lock(&mu_);
  clock_.AdvanceTo(t);
}

SimulatedPeers::SimulatedPeers(uint64_t seed) : net_(clock_, seed) {}

SimulatedPeers::~SimulatedPeers() = default;

std::unique_ptr<SimulatedPeers::Peer> SimulatedPeers::Launch(
    const DaemonOptions& options, const std::string& address) {
  auto peer = std::make_unique<Peer>();
  peer->options = options;
  peer->address = address;
  PeerApi::Options api;
  api.gossip = options.gossip;
  if (api.gossip.generation == 0) api.gossip.generation = next_generation_++;
  api.default_threshold = options.default_threshold;
  api.seed = api.gossip.generation;
  // sent_unix_micros in simulated time.
  api.unix_micros = [this] { return absl::ToInt64Microseconds(Now()); };
  std::unique_ptr<Keyring> keyring;
  if (!options.keyring.empty()) {
    absl::StatusOr<std::unique_ptr<Keyring>> loaded =
        LoadKeyringFile(options.keyring);
    CHECK(loaded.ok()) << loaded.status();
    keyring = *std::move(loaded);
  }
  Transport* transport = net_.Attach(address, &peer->inbox);
  absl::StatusOr<std::unique_ptr<PeerApi>> created =
      PeerApi::Create(std::move(api), transport, std::move(keyring),
                      /*resolver=*/nullptr, clock_);
  CHECK(created.ok()) << created.status();
  peer->api = *std::move(created);
  peer->grpc = std::make_unique<ServiceOnLoopback>(
      peer->api.get(), service_clock_, Daemon::ServiceOptions(options));
  return peer;
}

void SimulatedPeers::Start(const DaemonOptions& options) {
  const std::string& name = options.gossip.name;
  CHECK(peers_.count(name) == 0) << name << " runs already";
  const std::string address = absl::StrCat("10.0.0.", next_address_++, ":7946");
  peers_[name] = Launch(options, address);
}

SimulatedPeers::Peer& SimulatedPeers::Find(const std::string& name) const {
  auto it = peers_.find(name);
  CHECK(it != peers_.end()) << "no peer " << name;
  return *it->second;
}

const std::string& SimulatedPeers::address(const std::string& name) const {
  return Find(name).address;
}

PeerApi& SimulatedPeers::api(const std::string& name) {
  return *Find(name).api;
}

std::unique_ptr<phi::v1::FailureDetector::Stub> SimulatedPeers::Stub(
    const std::string& name) {
  return phi::v1::FailureDetector::NewStub(Find(name).grpc->channel());
}

bool SimulatedPeers::Knows(const std::string& observer,
                           const std::string& name) {
  phi::v1::GetPeerRequest request;
  request.set_name(name);
  return api(observer).GetPeer(request).ok();
}

std::string SimulatedPeers::MetricsText(const std::string& name) {
  PeerApi& peer = api(name);
  MetricsSnapshot snapshot;
  snapshot.default_threshold = peer.default_threshold();
  peer.FillMetrics(&snapshot);
  return RenderMetrics(snapshot);
}

void SimulatedPeers::Stop(Peer* peer) {
  peer->state = State::kStopped;
  net_.Detach(peer->address);
}

void SimulatedPeers::Crash(const std::string& name) { Stop(&Find(name)); }

void SimulatedPeers::Pause(const std::string& name, bool paused) {
  Peer& peer = Find(name);
  CHECK(peer.state == State::kRunning || peer.state == State::kPaused);
  peer.state = paused ? State::kPaused : State::kRunning;
  net_.Hold(peer.address, paused);
}

void SimulatedPeers::Leave(const std::string& name) {
  Peer& peer = Find(name);
  CHECK(peer.state == State::kRunning);
  peer.state = State::kLeaving;
  peer.leave_started = Now();
  peer.api->Leave(Now());
}

void SimulatedPeers::Restart(const std::string& name) {
  Peer& old = Find(name);
  const DaemonOptions options = old.options;
  const std::string address = old.address;
  Stop(&old);
  peers_[name] = Launch(options, address);  // destroys the old peer
}

void SimulatedPeers::ReloadKeyring(const std::string& name) {
  Peer& peer = Find(name);
  ReloadKeyringFile(peer.options.keyring, peer.api.get());
}

bool SimulatedPeers::StepOnce(MonoTime end) {
  MonoTime due = net_.NextDeliveryTime();
  for (const auto& [name, peer] : peers_) {
    if (peer->state == State::kRunning || peer->state == State::kLeaving) {
      due = std::min(due, peer->api->NextDue());
    }
  }
  if (due > end) return false;
  const MonoTime now = std::max(due, Now());
  clock_.AdvanceTo(now);
  net_.DeliverUntil(now);
  for (const auto& [name, peer] : peers_) {
    if (peer->state == State::kLeaving) {
      // The daemon's loop: done once the leave has propagated, or after
      // half the shutdown timeout.
      if (peer->api->LeaveDone(now) ||
          now - peer->leave_started > peer->options.shutdown_timeout / 2) {
        peer->grpc->service().EndAllWatches(
            ToGrpcStatus(absl::UnavailableError("phid is shutting down")));
        Stop(peer.get());
        continue;
      }
    }
    if (peer->state == State::kRunning || peer->state == State::kLeaving) {
      std::vector<DatagramBatch::Datagram> datagrams;
      datagrams.swap(peer->inbox.datagrams);
      peer->api->Step(std::move(datagrams));
    }
  }
  return true;
}

bool SimulatedPeers::RunUntil(const std::function<bool()>& done,
                              absl::Duration limit) {
  const MonoTime end = Now() + limit;
  for (int steps = 0; !done(); ++steps) {
    CHECK_LT(steps, 1000000)
        << "a peer is due again and again at " << absl::FormatDuration(Now());
    if (!StepOnce(end)) {
      clock_.AdvanceTo(end);
      return done();
    }
  }
  return true;
}

void SimulatedPeers::RunFor(absl::Duration d) {
  RunUntil([] { return false; }, d);
}

}  // namespace phid
