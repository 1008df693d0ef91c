// The Daemon's side of the gRPC service (FailureDetectorBackend) and its
// metrics: everything here takes the daemon's lock briefly and copies out.
#include "absl/strings/str_cat.h"
#include "gossip/tags.h"
#include "server/daemon.h"
#include "server/echo.h"
#include "server/peer_message.h"
#include "server/socket_stats.h"
#include "server/subscription.h"
#include "server/watch_request.h"

namespace phid {

namespace v1 = ::phi::v1;

absl::StatusOr<v1::ListPeersResponse> Daemon::ListPeers(
    const v1::ListPeersRequest& request) {
  absl::StatusOr<double> threshold = ResolveThreshold(
      request.phi_threshold(), options_.default_threshold, "phi_threshold");
  if (!threshold.ok()) return threshold.status();
  absl::StatusOr<TagSelector> selector =
      ParseTagSelector(request.tag_selector());
  if (!selector.ok()) return selector.status();
  std::vector<MemberView> views;
  MonoTime now;
  v1::ListPeersResponse response;
  {
    absl::MutexLock lock(&mu_);
    now = clock_.Now();
    views = node_->Snapshot(now, *threshold);
    response.set_self(node_->name());
  }
  response.set_threshold(*threshold);
  for (const MemberView& view : views) {
    if (!Matches(*selector, view.record.tags)) continue;
    FillPeer(view, JudgeOnce(view, *threshold, now), *threshold, now,
             response.add_peers());
  }
  return response;
}

absl::StatusOr<v1::Peer> Daemon::GetPeer(const v1::GetPeerRequest& request) {
  if (absl::Status s = ValidateMemberName(request.name(), "name"); !s.ok()) {
    return s;
  }
  absl::StatusOr<double> threshold = ResolveThreshold(
      request.phi_threshold(), options_.default_threshold, "phi_threshold");
  if (!threshold.ok()) return threshold.status();
  MemberView view;
  MonoTime now;
  {
    absl::MutexLock lock(&mu_);
    now = clock_.Now();
    const Membership::Member* member = node_->membership().Find(request.name());
    if (member == nullptr) {
      return absl::NotFoundError(
          absl::StrCat("no member named ", Echo(request.name()),
                       "; ListPeers shows the known names"));
    }
    view = node_->membership().View(*member, now, *threshold);
  }
  v1::Peer peer;
  FillPeer(view, JudgeOnce(view, *threshold, now), *threshold, now, &peer);
  return peer;
}

absl::StatusOr<v1::ForgetResponse> Daemon::Forget(
    const v1::ForgetRequest& request) {
  if (absl::Status s = ValidateMemberName(request.name(), "name"); !s.ok()) {
    return s;
  }
  v1::ForgetResponse response;
  {
    absl::MutexLock lock(&mu_);
    MonoTime now = clock_.Now();
    const Membership::Member* member = node_->membership().Find(request.name());
    if (member == nullptr) {
      return absl::NotFoundError(
          absl::StrCat("no member named ", Echo(request.name()),
                       "; ListPeers shows the known names"));
    }
    MemberView view =
        node_->membership().View(*member, now, options_.default_threshold);
    v1::PeerState state = JudgeOnce(view, options_.default_threshold, now);
    if (state != v1::PEER_STATE_FAILED && state != v1::PEER_STATE_LEFT) {
      return absl::FailedPreconditionError(absl::StrCat(
          "member ", Echo(request.name()), " is ",
          view.is_self
              ? "this daemon itself"
              : absl::StrCat("in state ", v1::PeerState_Name(state).substr(
                                              sizeof("PEER_STATE_") - 1)),
          "; only FAILED or LEFT members can be forgotten (a silent member "
          "becomes FAILED after --failed_after)"));
    }
    FillPeer(view, state, options_.default_threshold, now,
             response.mutable_peer());
    if (absl::Status s = node_->Forget(request.name(), now); !s.ok()) return s;
    // The hub hears of the removal with the loop's next batch of events.
  }
  transport_->Wake();
  return response;
}

absl::StatusOr<uint64_t> Daemon::Subscribe(const v1::WatchRequest& request,
                                           std::shared_ptr<WatchSink> sink) {
  absl::StatusOr<WatchSpec> spec =
      ParseWatchRequest(request, options_.default_threshold);
  if (!spec.ok()) return spec.status();
  uint64_t id;
  {
    absl::MutexLock lock(&mu_);
    id = hub_->Subscribe(*std::move(spec), std::move(sink), clock_.Now());
  }
  // Its first level or crossing may be due before the loop's current wait
  // ends.
  transport_->Wake();
  return id;
}

void Daemon::Unsubscribe(uint64_t id) {
  absl::MutexLock lock(&unsubscribe_mu_);
  unsubscribed_.push_back(id);
}

int Daemon::metrics_port() const { return metrics_ ? metrics_->port() : 0; }

std::string Daemon::MetricsText() {
  MetricsSnapshot s;
  s.default_threshold = options_.default_threshold;
  for (const std::string& seed : options_.gossip.seeds) {
    if (seed != transport_->LocalAddress()) ++s.seeds;
  }
  {
    absl::MutexLock lock(&mu_);
    MonoTime now = clock_.Now();
    for (const MemberView& view :
         node_->Snapshot(now, options_.default_threshold)) {
      switch (JudgeOnce(view, options_.default_threshold, now)) {
        case v1::PEER_STATE_SUSPECT:
          ++s.members_suspect;
          break;
        case v1::PEER_STATE_LEFT:
          ++s.members_left;
          break;
        case v1::PEER_STATE_FAILED:
          ++s.members_failed;
          s.failed_peers.push_back(view.record.name);
          break;
        default:
          ++s.members_alive;
      }
      if (!view.is_self) {
        s.peer_phi.emplace_back(view.record.name, PhiOfView(view, now));
      }
    }
    s.gossip = node_->counters();
    s.joined = node_->Joined();
    s.secondary_key_opens = node_->secondary_key_opens();
    if (keyring_ != nullptr) s.key_ids = keyring_->KeyIds();
    s.keyring_reloads = keyring_reloads_;
    s.keyring_reload_failures = keyring_reload_failures_;
    const WatchHub::Counters& hub = hub_->counters();
    s.transitions = hub.transitions;
    s.level_messages = hub.levels;
    s.heartbeat_messages = hub.heartbeats;
  }
  s.watchers = service_->watchers();
  s.evictions = service_->evictions();
  s.watches_refused = service_->refused();
  s.transport.datagrams_sent = transport_->datagrams_sent();
  s.transport.bytes_sent = transport_->bytes_sent();
  s.transport.datagrams_received = transport_->datagrams_received();
  s.transport.bytes_received = transport_->bytes_received();
  s.transport.send_errors = transport_->send_errors();
  s.transport.oversize_refused = transport_->oversize_refused();
  s.transport.receive_errors = transport_->receive_errors();
  if (faults_ != nullptr) {
    s.transport.injected_drops = faults_->injected_drops();
  }
  if (absl::StatusOr<uint64_t> drops =
          KernelReceiveDrops(transport_->socket_fd());
      drops.ok()) {
    s.kernel_drops = static_cast<int64_t>(*drops);
  }
  if (absl::StatusOr<int64_t> bytes =
          ReceiveBufferBytes(transport_->socket_fd());
      bytes.ok()) {
    s.receive_buffer_bytes = *bytes;
  }
  if (MetricsServer* http = metrics_server_.load()) {
    s.http_refused_connections = http->refused_connections();
    s.http_cut_requests = http->cut_requests();
  }
  return RenderMetrics(s);
}

}  // namespace phid
