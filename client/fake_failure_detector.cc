#include "client/fake_failure_detector.h"

#include <chrono>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "proto/api_limits.h"

namespace phid {
namespace {

constexpr double kDefaultThreshold = 8.0;

phi::v1::Peer MakeMember(const std::string& name, phi::v1::PeerState state,
                         double phi) {
  phi::v1::Peer peer;
  peer.set_name(name);
  peer.set_address(absl::StrCat("127.0.0.1:79", name == "a"   ? "46"
                                                : name == "b" ? "47"
                                                              : "48"));
  peer.set_generation(1);
  peer.set_heartbeat(100);
  peer.set_status(phi::v1::MEMBER_STATUS_ALIVE);
  peer.set_state(state);
  peer.set_phi(phi);
  peer.set_threshold(kDefaultThreshold);
  return peer;
}

phi::v1::ListPeersResponse DefaultMembers() {
  phi::v1::ListPeersResponse members;
  members.set_self("a");
  members.set_threshold(kDefaultThreshold);
  phi::v1::Peer* a = members.add_peers();
  *a = MakeMember("a", phi::v1::PEER_STATE_ALIVE, 0);
  a->set_is_self(true);
  phi::v1::Peer* b = members.add_peers();
  *b = MakeMember("b", phi::v1::PEER_STATE_ALIVE, 0.5);
  (*b->mutable_tags())["dc"] = "eu";
  *members.add_peers() = MakeMember("c", phi::v1::PEER_STATE_SUSPECT, 9.3);
  return members;
}

// Judges `members` against `threshold` (0 = the default), like the daemon.
void ApplyThreshold(double threshold, phi::v1::ListPeersResponse* members) {
  if (threshold == 0) return;
  members->set_threshold(threshold);
  for (phi::v1::Peer& peer : *members->mutable_peers()) {
    peer.set_threshold(threshold);
    if (peer.state() == phi::v1::PEER_STATE_ALIVE ||
        peer.state() == phi::v1::PEER_STATE_SUSPECT) {
      peer.set_state(peer.phi() >= threshold ? phi::v1::PEER_STATE_SUSPECT
                                             : phi::v1::PEER_STATE_ALIVE);
    }
  }
}

std::string ThresholdError() {
  return absl::StrCat("phi_threshold must be in (0, ", kMaxPhiThreshold, "]");
}

bool ValidThreshold(double threshold) {
  return threshold >= 0 && threshold <= kMaxPhiThreshold;
}

}  // namespace

phi::v1::WatchResponse FakeTransition(const std::string& name,
                                      phi::v1::PeerState from,
                                      phi::v1::PeerState to, double phi,
                                      phi::v1::TransitionReason reason) {
  phi::v1::WatchResponse message;
  phi::v1::Transition* transition = message.mutable_transition();
  *transition->mutable_peer() = MakeMember(name, to, phi);
  transition->set_previous_state(from);
  transition->set_reason(reason);
  transition->set_phi(phi);
  return message;
}

// Writes one scripted stream, one message in flight at a time, and finishes
// exactly once: after the script if it ends with an error, on EndWith(), or
// on cancellation. Deletes itself in OnDone.
class FakeFailureDetector::WatchReactor final
    : public grpc::ServerWriteReactor<phi::v1::WatchResponse> {
 public:
  WatchReactor(FakeFailureDetector* owner,
               std::vector<phi::v1::WatchResponse> messages,
               grpc::Status scripted_end)
      : owner_(owner),
        messages_(std::move(messages)),
        scripted_end_(std::move(scripted_end)) {}

  void Begin() {
    absl::MutexLock lock(&mu_);
    ContinueLocked();
  }

  void EndWith(const grpc::Status& status) {
    absl::MutexLock lock(&mu_);
    RequestEndLocked(status);
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    write_pending_ = false;
    if (!ok) RequestEndLocked(grpc::Status::CANCELLED);
    ContinueLocked();
  }

  void OnCancel() override {
    absl::MutexLock lock(&mu_);
    RequestEndLocked(grpc::Status::CANCELLED);
  }

  void OnDone() override {
    owner_->Unregister(this);
    delete this;
  }

 private:
  void RequestEndLocked(const grpc::Status& status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (!end_requested_) {
      end_requested_ = true;
      requested_end_ = status;
    }
    ContinueLocked();
  }

  void ContinueLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finished_ || write_pending_) return;
    if (end_requested_) {
      finished_ = true;
      Finish(requested_end_);
      return;
    }
    if (next_ < messages_.size()) {
      write_pending_ = true;
      StartWrite(&messages_[next_++]);
      return;
    }
    if (!scripted_end_.ok()) {
      finished_ = true;
      Finish(scripted_end_);
    }
    // Otherwise the stream stays open, silent.
  }

  FakeFailureDetector* const owner_;
  absl::Mutex mu_;
  std::vector<phi::v1::WatchResponse> messages_ ABSL_GUARDED_BY(mu_);
  const grpc::Status scripted_end_;
  size_t next_ ABSL_GUARDED_BY(mu_) = 0;
  bool write_pending_ ABSL_GUARDED_BY(mu_) = false;
  bool end_requested_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status requested_end_ ABSL_GUARDED_BY(mu_);
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

FakeFailureDetector::FakeFailureDetector() : members_(DefaultMembers()) {
  default_plan_.events.push_back(FakeTransition(
      "b", phi::v1::PEER_STATE_ALIVE, phi::v1::PEER_STATE_SUSPECT, 8.4,
      phi::v1::TRANSITION_REASON_CROSSED_THRESHOLD));
  default_plan_.events.push_back(FakeTransition(
      "c", phi::v1::PEER_STATE_SUSPECT, phi::v1::PEER_STATE_ALIVE, 1.2,
      phi::v1::TRANSITION_REASON_RECOVERED));
}

FakeFailureDetector::~FakeFailureDetector() {
  absl::MutexLock lock(&mu_);
  CHECK(open_.empty()) << "shut the server down before its service";
}

void FakeFailureDetector::SetMembers(
    const phi::v1::ListPeersResponse& members) {
  absl::MutexLock lock(&mu_);
  members_ = members;
}

void FakeFailureDetector::QueueWatchPlan(FakeWatchPlan plan) {
  absl::MutexLock lock(&mu_);
  queued_plans_.push_back(std::move(plan));
}

void FakeFailureDetector::SetDefaultWatchPlan(FakeWatchPlan plan) {
  absl::MutexLock lock(&mu_);
  default_plan_ = std::move(plan);
}

void FakeFailureDetector::EndOpenStreams(const grpc::Status& status) {
  // Holding mu_ keeps every reactor alive: OnDone needs mu_ to unregister.
  absl::MutexLock lock(&mu_);
  for (WatchReactor* reactor : open_) reactor->EndWith(status);
}

std::vector<phi::v1::WatchRequest> FakeFailureDetector::watch_requests() const {
  absl::MutexLock lock(&mu_);
  return watch_requests_;
}

phi::v1::ListPeersRequest FakeFailureDetector::last_list_peers_request() const {
  absl::MutexLock lock(&mu_);
  return last_list_peers_request_;
}

int FakeFailureDetector::open_streams() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(open_.size());
}

bool FakeFailureDetector::WaitForWatchCalls(int count,
                                            absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto enough = [this, count]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return static_cast<int>(watch_requests_.size()) >= count;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
}

bool FakeFailureDetector::WaitForNoOpenStreams(absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto none = [this]()
                  ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return open_.empty(); };
  return mu_.AwaitWithTimeout(absl::Condition(&none), timeout);
}

grpc::ServerUnaryReactor* FakeFailureDetector::ListPeers(
    grpc::CallbackServerContext* context,
    const phi::v1::ListPeersRequest* request,
    phi::v1::ListPeersResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::MutexLock lock(&mu_);
  last_list_peers_request_ = *request;
  if (!ValidThreshold(request->phi_threshold())) {
    reactor->Finish(
        grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, ThresholdError()));
    return reactor;
  }
  *response = members_;
  ApplyThreshold(request->phi_threshold(), response);
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* FakeFailureDetector::GetPeer(
    grpc::CallbackServerContext* context,
    const phi::v1::GetPeerRequest* request, phi::v1::Peer* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::MutexLock lock(&mu_);
  if (!ValidThreshold(request->phi_threshold())) {
    reactor->Finish(
        grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, ThresholdError()));
    return reactor;
  }
  phi::v1::ListPeersResponse judged = members_;
  ApplyThreshold(request->phi_threshold(), &judged);
  for (const phi::v1::Peer& peer : judged.peers()) {
    if (peer.name() == request->name()) {
      *response = peer;
      reactor->Finish(grpc::Status::OK);
      return reactor;
    }
  }
  reactor->Finish(
      grpc::Status(grpc::StatusCode::NOT_FOUND,
                   absl::StrCat("no member named \"", request->name(), "\"")));
  return reactor;
}

grpc::ServerUnaryReactor* FakeFailureDetector::Forget(
    grpc::CallbackServerContext* context, const phi::v1::ForgetRequest* request,
    phi::v1::ForgetResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::MutexLock lock(&mu_);
  auto* peers = members_.mutable_peers();
  for (int i = 0; i < peers->size(); ++i) {
    const phi::v1::Peer& peer = peers->Get(i);
    if (peer.name() != request->name()) continue;
    if (peer.state() != phi::v1::PEER_STATE_FAILED &&
        peer.state() != phi::v1::PEER_STATE_LEFT) {
      reactor->Finish(grpc::Status(
          grpc::StatusCode::FAILED_PRECONDITION,
          absl::StrCat("member \"", peer.name(), "\" is in state ",
                       phi::v1::PeerState_Name(peer.state()),
                       "; only FAILED or LEFT members can be forgotten")));
      return reactor;
    }
    *response->mutable_peer() = peer;
    peers->DeleteSubrange(i, 1);
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  reactor->Finish(
      grpc::Status(grpc::StatusCode::NOT_FOUND,
                   absl::StrCat("no member named \"", request->name(), "\"")));
  return reactor;
}

grpc::ServerWriteReactor<phi::v1::WatchResponse>* FakeFailureDetector::Watch(
    grpc::CallbackServerContext* /*context*/,
    const phi::v1::WatchRequest* request) {
  absl::MutexLock lock(&mu_);
  watch_requests_.push_back(*request);
  FakeWatchPlan plan = default_plan_;
  if (!queued_plans_.empty()) {
    plan = std::move(queued_plans_.front());
    queued_plans_.pop_front();
  }

  std::vector<phi::v1::WatchResponse> messages;
  phi::v1::ListPeersResponse judged = members_;
  ApplyThreshold(request->phi_threshold(), &judged);
  if (plan.send_snapshot) {
    phi::v1::WatchResponse snapshot;
    snapshot.mutable_snapshot()->set_self(judged.self());
    *snapshot.mutable_snapshot()->mutable_peers() = judged.peers();
    // As the daemon does: the requested names no member has.
    std::set<std::string> unknown(request->names().begin(),
                                  request->names().end());
    for (const phi::v1::Peer& peer : judged.peers()) unknown.erase(peer.name());
    for (const std::string& name : unknown) {
      snapshot.mutable_snapshot()->add_unknown_names(name);
    }
    messages.push_back(std::move(snapshot));
  }
  for (const phi::v1::WatchResponse& event : plan.events) {
    messages.push_back(event);
  }
  const int64_t now = absl::ToUnixMicros(absl::Now());
  uint64_t sequence = 0;
  for (phi::v1::WatchResponse& message : messages) {
    message.set_sequence(++sequence);
    message.set_epoch(plan.epoch);
    message.set_sent_unix_micros(now);
  }

  auto* reactor = new WatchReactor(this, std::move(messages), plan.end);
  open_.insert(reactor);
  reactor->Begin();
  return reactor;
}

void FakeFailureDetector::Unregister(WatchReactor* reactor) {
  absl::MutexLock lock(&mu_);
  open_.erase(reactor);
}

FakeServer::FakeServer(grpc::Service* service) {
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port_);
  builder.RegisterService(service);
  server_ = builder.BuildAndStart();
  CHECK(server_ != nullptr && port_ > 0) << "cannot listen on 127.0.0.1";
}

FakeServer::~FakeServer() { Shutdown(); }

std::string FakeServer::target() const {
  return absl::StrCat("127.0.0.1:", port_);
}

void FakeServer::Shutdown() {
  if (server_ == nullptr) return;
  server_->Shutdown(std::chrono::system_clock::now());
  server_->Wait();
  server_.reset();
}

}  // namespace phid
