// PhidClient: how a local service talks to its phid daemon.
//
// phid is a phi-accrual failure detector daemon; its gRPC API
// (phi.v1.FailureDetector, proto/phi.proto) lists the members it knows with
// their phi, and streams suspicion judged against the caller's own
// threshold. This class wraps that API with absl::Status errors that say
// what to do, per-call deadlines, and a Watch that reconnects by itself:
//
//   absl::StatusOr<std::unique_ptr<phid::PhidClient>> client =
//       phid::PhidClient::Create("127.0.0.1:7070");
//   absl::StatusOr<phi::v1::Peer> peer = (*client)->GetPeer("node-b", 8.0);
//
// Watch comes in two styles over the same reconnecting stream:
//   * Watch() returns a WatchStream to iterate (watch_stream.h);
//   * StartWatch() runs callbacks on a thread of its own (watch_session.h).
// WatchState (watch_state.h) turns either into the current view.
//
// Errors: gRPC codes map one to one onto absl codes (grpc_status.h). When
// the daemon cannot be reached the code is UNAVAILABLE and the message names
// the target and how to start the daemon; unknown members are NOT_FOUND; a
// bad threshold or tag selector is INVALID_ARGUMENT.
//
// Thread safety: all methods are thread-safe; one client may serve many
// threads and streams at once (gRPC multiplexes them on one connection).
// Streams and sessions share the connection but not the client's lifetime:
// they may outlive it.
#ifndef PHID_CLIENT_PHID_CLIENT_H_
#define PHID_CLIENT_PHID_CLIENT_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "client/watch_session.h"
#include "client/watch_stream.h"
#include "grpcpp/grpcpp.h"
#include "proto/phi.grpc.pb.h"
#include "proto/phi.pb.h"

namespace phid {

// The default target of tools, and the daemon's default API address.
inline constexpr char kDefaultTarget[] = "127.0.0.1:7070";

struct ClientOptions {
  // Deadline of each unary call (ListPeers, GetPeer). Default 5 s; must be
  // positive (InfiniteDuration allowed).
  absl::Duration deadline = absl::Seconds(5);
  // Added to the message when the daemon cannot be reached. The default
  // suits phictl; a service embedding the client may say how it configures
  // its target instead.
  std::string unreachable_hint =
      "is the daemon running? start it with `bazel run //server:phid` or "
      "pass --target";

  absl::Status Validate() const;
};

class PhidClient final {
 public:
  // A client of the daemon at `target`: "host:port" ("127.0.0.1:7070"),
  // "unix:/path/to/socket", or any gRPC target URI. Plaintext. Does not
  // connect yet; an unreachable daemon shows in the first call.
  // INVALID_ARGUMENT for an empty target or invalid options.
  static absl::StatusOr<std::unique_ptr<PhidClient>> Create(
      absl::string_view target, const ClientOptions& options = {});

  // The same over a channel built by the caller (e.g. in-process, or with
  // credentials). `target` only words error messages.
  static absl::StatusOr<std::unique_ptr<PhidClient>> ForChannel(
      std::shared_ptr<grpc::Channel> channel, absl::string_view target,
      const ClientOptions& options = {});

  PhidClient(const PhidClient&) = delete;
  PhidClient& operator=(const PhidClient&) = delete;

  // Every member the daemon knows, itself included.
  absl::StatusOr<phi::v1::ListPeersResponse> ListPeers(
      const phi::v1::ListPeersRequest& request) const;

  // One member; NOT_FOUND if the daemon does not know `name`. `threshold` 0
  // judges against the daemon's default threshold, otherwise (0, 64].
  absl::StatusOr<phi::v1::Peer> GetPeer(absl::string_view name,
                                        double threshold = 0) const;

  // Has the daemon forget a FAILED or LEFT member now (on that daemon
  // only); returns the member as it was. NOT_FOUND if unknown,
  // FAILED_PRECONDITION if it is alive, INVALID_ARGUMENT for a bad name.
  absl::StatusOr<phi::v1::Peer> Forget(absl::string_view name) const;

  // A reconnecting Watch to iterate. INVALID_ARGUMENT for invalid options;
  // a bad request surfaces from Next() as the stream's status.
  absl::StatusOr<std::unique_ptr<WatchStream>> Watch(
      const phi::v1::WatchRequest& request,
      const WatchOptions& options = {}) const;

  // A reconnecting Watch delivered to `callbacks` on a new thread.
  // `callbacks.on_status` replaces options.on_disconnect.
  absl::StatusOr<std::unique_ptr<WatchSession>> StartWatch(
      const phi::v1::WatchRequest& request, WatchCallbacks callbacks,
      const WatchOptions& options = {}) const;

  const std::string& target() const { return target_; }
  const ClientOptions& options() const { return options_; }

 private:
  PhidClient(std::shared_ptr<grpc::Channel> channel, std::string target,
             ClientOptions options);

  // The absl::Status for a failed unary call.
  absl::Status UnaryError(const grpc::Status& status) const;
  // A context carrying the unary deadline.
  std::unique_ptr<grpc::ClientContext> UnaryContext() const;

  const std::shared_ptr<grpc::Channel> channel_;
  const std::string target_;
  const ClientOptions options_;
  const std::unique_ptr<phi::v1::FailureDetector::Stub> stub_;
};

}  // namespace phid

#endif  // PHID_CLIENT_PHID_CLIENT_H_
