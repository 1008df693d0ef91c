// FakeFailureDetector: an in-process phi.v1.FailureDetector for tests.
//
// Serves canned answers instead of a real detector:
//   ListPeers  the canned members (three by default: "a" is self and alive,
//              "b" alive, "c" suspect); INVALID_ARGUMENT for a threshold
//              outside [0, 64], as the daemon does;
//   GetPeer    one of them, NOT_FOUND for any other name;
//   Forget     removes a FAILED or LEFT one; FAILED_PRECONDITION for the
//              others, NOT_FOUND for any other name;
//   Watch      a snapshot of the canned members, then a plan's events, then
//              either stays open (silent, no idle heartbeats) or ends with
//              the plan's status, e.g. UNAVAILABLE to make the client
//              reconnect. Plans queued with QueueWatchPlan serve one Watch
//              call each, in order; later calls get the default plan.
// It records every request so tests can check what the client sent.
//
// FakeServer runs any service on 127.0.0.1 at a port the kernel picks.
//
// Thread safety: all methods are thread-safe; gRPC calls the service from
// its own threads.
#ifndef PHID_CLIENT_FAKE_FAILURE_DETECTOR_H_
#define PHID_CLIENT_FAKE_FAILURE_DETECTOR_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "proto/phi.grpc.pb.h"
#include "proto/phi.pb.h"

namespace phid {

struct FakeWatchPlan {
  // The epoch of every message of the stream.
  uint64_t epoch = 1;
  // False: the stream starts with the events, or just ends (a daemon that
  // refuses the subscription).
  bool send_snapshot = true;
  // Sent after the snapshot; the fake fills in sequence, epoch and
  // sent_unix_micros.
  std::vector<phi::v1::WatchResponse> events;
  // After the events: OK keeps the stream open until the client cancels or
  // EndOpenStreams(); any other status ends the stream with it.
  grpc::Status end = grpc::Status::OK;
};

class FakeFailureDetector final
    : public phi::v1::FailureDetector::CallbackService {
 public:
  // The three default members and a default plan of two transitions (b
  // becomes SUSPECT, c recovers) that then stays open.
  FakeFailureDetector();
  FakeFailureDetector(const FakeFailureDetector&) = delete;
  FakeFailureDetector& operator=(const FakeFailureDetector&) = delete;
  ~FakeFailureDetector() override;

  // The members and self name ListPeers, GetPeer and snapshots serve.
  void SetMembers(const phi::v1::ListPeersResponse& members);
  void QueueWatchPlan(FakeWatchPlan plan);
  void SetDefaultWatchPlan(FakeWatchPlan plan);
  // Ends every open Watch stream with `status` (as the daemon does with
  // UNAVAILABLE when it shuts down).
  void EndOpenStreams(const grpc::Status& status);

  std::vector<phi::v1::WatchRequest> watch_requests() const;
  phi::v1::ListPeersRequest last_list_peers_request() const;
  int open_streams() const;
  // Waits until at least `count` Watch calls arrived. False on timeout.
  bool WaitForWatchCalls(int count, absl::Duration timeout) const;
  // Waits until no Watch stream is open. False on timeout.
  bool WaitForNoOpenStreams(absl::Duration timeout) const;

  // phi.v1.FailureDetector.
  grpc::ServerUnaryReactor* ListPeers(
      grpc::CallbackServerContext* context,
      const phi::v1::ListPeersRequest* request,
      phi::v1::ListPeersResponse* response) override;
  grpc::ServerUnaryReactor* GetPeer(grpc::CallbackServerContext* context,
                                    const phi::v1::GetPeerRequest* request,
                                    phi::v1::Peer* response) override;
  grpc::ServerUnaryReactor* Forget(grpc::CallbackServerContext* context,
                                   const phi::v1::ForgetRequest* request,
                                   phi::v1::ForgetResponse* response) override;
  grpc::ServerWriteReactor<phi::v1::WatchResponse>* Watch(
      grpc::CallbackServerContext* context,
      const phi::v1::WatchRequest* request) override;

 private:
  class WatchReactor;
  void Unregister(WatchReactor* reactor);

  mutable absl::Mutex mu_;
  phi::v1::ListPeersResponse members_ ABSL_GUARDED_BY(mu_);
  std::deque<FakeWatchPlan> queued_plans_ ABSL_GUARDED_BY(mu_);
  FakeWatchPlan default_plan_ ABSL_GUARDED_BY(mu_);
  std::vector<phi::v1::WatchRequest> watch_requests_ ABSL_GUARDED_BY(mu_);
  phi::v1::ListPeersRequest last_list_peers_request_ ABSL_GUARDED_BY(mu_);
  std::set<WatchReactor*> open_ ABSL_GUARDED_BY(mu_);
};

// A transition message for plans: `name` went from `from` to `to`.
phi::v1::WatchResponse FakeTransition(const std::string& name,
                                      phi::v1::PeerState from,
                                      phi::v1::PeerState to, double phi,
                                      phi::v1::TransitionReason reason);

class FakeServer final {
 public:
  // Serves `service` (not owned; must outlive the server) on 127.0.0.1 at
  // an ephemeral port. CHECK-fails if it cannot listen.
  explicit FakeServer(grpc::Service* service);
  FakeServer(const FakeServer&) = delete;
  FakeServer& operator=(const FakeServer&) = delete;
  ~FakeServer();

  // "127.0.0.1:<port>".
  std::string target() const;
  int port() const { return port_; }
  // Stops at once, cancelling calls in flight. Idempotent.
  void Shutdown();

 private:
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace phid

#endif  // PHID_CLIENT_FAKE_FAILURE_DETECTOR_H_
