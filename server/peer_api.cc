#include "server/peer_api.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gossip/tags.h"
#include "server/echo.h"
#include "server/peer_message.h"
#include "server/subscription.h"

namespace phid {

namespace v1 = ::phi::v1;

namespace {

absl::Status NoMemberNamed(const std::string& name) {
  return absl::NotFoundError(absl::StrCat("no member named ", Echo(name),
                                          "; ListPeers shows the known names"));
}

}  // namespace

void PeerApi::Collector::OnMemberEvent(const MemberEvent& event) {
  events.push_back(event);
}

void PeerApi::Collector::OnEvidence(const std::string& name,
                                    const PhiCurve& before, MonoTime now) {
  (void)before;
  (void)now;
  arrivals.push_back(name);
}

PeerApi::PeerApi(const Options& options, const Clock& clock)
    : name_(options.gossip.name),
      default_threshold_(options.default_threshold),
      wake_(options.wake),
      clock_(clock) {}

PeerApi::~PeerApi() = default;

absl::StatusOr<std::unique_ptr<PeerApi>> PeerApi::Create(
    Options options, Transport* transport, std::unique_ptr<Keyring> keyring,
    SeedResolver* resolver, const Clock& clock) {
  std::unique_ptr<PeerApi> api(new PeerApi(options, clock));
  const MonoTime now = clock.Now();
  {
    absl::MutexLock lock(&api->mu_);
    api->keyring_ = std::move(keyring);
    absl::StatusOr<std::unique_ptr<GossipNode>> node =
        GossipNode::Create(options.gossip, transport, api->keyring_.get(),
                           &api->collector_, now, options.seed, resolver);
    if (!node.ok()) return node.status();
    api->node_ = *std::move(node);
    WatchHub::Options hub;
    hub.epoch = api->node_->generation();  // new on every start
    hub.unix_micros = std::move(options.unix_micros);
    api->hub_ = std::make_unique<WatchHub>(std::move(hub));
    api->hub_->OnMembersChanged(
        api->node_->Snapshot(now, api->default_threshold_), now);
  }
  return api;
}

absl::StatusOr<v1::ListPeersResponse> PeerApi::ListPeers(
    const v1::ListPeersRequest& request) {
  absl::StatusOr<double> threshold = ResolveThreshold(
      request.phi_threshold(), default_threshold_, "phi_threshold");
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

absl::StatusOr<v1::Peer> PeerApi::GetPeer(const v1::GetPeerRequest& request) {
  if (absl::Status s = ValidateMemberName(request.name(), "name"); !s.ok()) {
    return s;
  }
  absl::StatusOr<double> threshold = ResolveThreshold(
      request.phi_threshold(), default_threshold_, "phi_threshold");
  if (!threshold.ok()) return threshold.status();
  MemberView view;
  MonoTime now;
  {
    absl::MutexLock lock(&mu_);
    now = clock_.Now();
    const Member* member = node_->membership().Find(request.name());
    if (member == nullptr) return NoMemberNamed(request.name());
    view = node_->membership().View(*member, now, *threshold);
  }
  v1::Peer peer;
  FillPeer(view, JudgeOnce(view, *threshold, now), *threshold, now, &peer);
  return peer;
}

absl::StatusOr<v1::ForgetResponse> PeerApi::Forget(
    const v1::ForgetRequest& request) {
  if (absl::Status s = ValidateMemberName(request.name(), "name"); !s.ok()) {
    return s;
  }
  v1::ForgetResponse response;
  {
    absl::MutexLock lock(&mu_);
    MonoTime now = clock_.Now();
    const Member* member = node_->membership().Find(request.name());
    if (member == nullptr) return NoMemberNamed(request.name());
    MemberView view =
        node_->membership().View(*member, now, default_threshold_);
    v1::PeerState state = JudgeOnce(view, default_threshold_, now);
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
    FillPeer(view, state, default_threshold_, now, response.mutable_peer());
    if (absl::Status s = node_->Forget(request.name(), now); !s.ok()) return s;
    // The hub hears of the removal with the loop's next batch of events.
  }
  Wake();
  return response;
}

absl::StatusOr<uint64_t> PeerApi::Subscribe(const v1::WatchRequest& request,
                                            std::shared_ptr<WatchSink> sink) {
  absl::StatusOr<WatchSpec> spec =
      ParseWatchRequest(request, default_threshold_);
  if (!spec.ok()) return spec.status();
  return Subscribe(*std::move(spec), std::move(sink));
}

uint64_t PeerApi::Subscribe(WatchSpec spec, std::shared_ptr<WatchSink> sink) {
  uint64_t id;
  {
    absl::MutexLock lock(&mu_);
    id = hub_->Subscribe(std::move(spec), std::move(sink), clock_.Now());
  }
  // Its first level or crossing may be due before the loop's current wait
  // ends.
  Wake();
  return id;
}

void PeerApi::Unsubscribe(uint64_t id) {
  absl::MutexLock lock(&unsubscribe_mu_);
  unsubscribed_.push_back(id);
}

void PeerApi::Wake() {
  if (wake_) wake_();
}

MonoTime PeerApi::NextDue() {
  absl::MutexLock lock(&mu_);
  return std::min(node_->NextTickDue(), hub_->NextDue());
}

PeerApi::StepResult PeerApi::Step(
    std::vector<DatagramBatch::Datagram> datagrams) {
  std::vector<uint64_t> unsubscribed;
  {
    absl::MutexLock lock(&unsubscribe_mu_);
    unsubscribed.swap(unsubscribed_);
  }
  StepResult result;
  absl::MutexLock lock(&mu_);
  for (const DatagramBatch::Datagram& d : datagrams) {
    node_->OnPacket(d.from, d.payload, d.at);
  }
  for (uint64_t id : unsubscribed) hub_->Unsubscribe(id);
  const MonoTime now = clock_.Now();
  node_->Tick(now);  // the pause guard runs before any crossing is judged
  result.events = Publish(now);
  hub_->Fire(now);
  result.joined = node_->Joined();
  result.watchers = hub_->subscribers();
  result.now = now;
  return result;
}

std::vector<MemberEvent> PeerApi::Publish(MonoTime now) {
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
  const double level = default_threshold_;
  if (paused) {
    views = node_->Snapshot(now, level);
  } else {
    const Membership& membership = node_->membership();
    std::sort(arrivals.begin(), arrivals.end());
    arrivals.erase(std::unique(arrivals.begin(), arrivals.end()),
                   arrivals.end());
    arrivals.push_back(node_->name());  // self: heartbeat counter moves
    for (const std::string& name : arrivals) {
      if (const Member* m = membership.Find(name)) {
        views.push_back(membership.View(*m, now, level));
      }
    }
  }
  hub_->OnMembersChanged(views, now);
  return events;
}

void PeerApi::Leave(MonoTime now) {
  absl::MutexLock lock(&mu_);
  node_->Leave(now);
  hub_->Fire(now);
}

bool PeerApi::LeaveDone(MonoTime now) {
  absl::MutexLock lock(&mu_);
  return node_->LeaveDone(now);
}

std::string PeerApi::ReplaceKeyring(std::unique_ptr<Keyring> keyring) {
  std::string change;
  {
    absl::MutexLock lock(&mu_);
    change = DescribeKeyringChange(*keyring_, *keyring);
    node_->ReplaceKeyring(keyring.get());
    keyring_.swap(keyring);
    ++keyring_reloads_;
  }
  return change;  // `keyring` now holds the old one, freed outside the lock
}

std::string PeerApi::KeepKeyring() {
  absl::MutexLock lock(&mu_);
  ++keyring_reload_failures_;
  return absl::StrCat(keyring_->size(), " keys, primary ",
                      keyring_->primary_id());
}

void PeerApi::FillMetrics(MetricsSnapshot* s) {
  absl::MutexLock lock(&mu_);
  const MonoTime now = clock_.Now();
  for (const MemberView& view : node_->Snapshot(now, default_threshold_)) {
    switch (JudgeOnce(view, default_threshold_, now)) {
      case v1::PEER_STATE_SUSPECT:
        ++s->members_suspect;
        break;
      case v1::PEER_STATE_LEFT:
        ++s->members_left;
        break;
      case v1::PEER_STATE_FAILED:
        ++s->members_failed;
        s->failed_peers.push_back(view.record.name);
        break;
      default:
        ++s->members_alive;
    }
    if (!view.is_self) {
      s->peer_phi.emplace_back(view.record.name, PhiOfView(view, now));
    }
  }
  s->gossip = node_->counters();
  s->joined = node_->Joined();
  s->secondary_key_opens = node_->secondary_key_opens();
  if (keyring_ != nullptr) s->key_ids = keyring_->KeyIds();
  s->keyring_reloads = keyring_reloads_;
  s->keyring_reload_failures = keyring_reload_failures_;
  const WatchHub::Counters& hub = hub_->counters();
  s->transitions = hub.transitions;
  s->level_messages = hub.levels;
  s->heartbeat_messages = hub.heartbeats;
}

}  // namespace phid
