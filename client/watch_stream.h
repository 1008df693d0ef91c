// WatchStream: the Watch RPC as an endless iterator that reconnects.
//
//   auto stream = client->Watch(request);
//   phi::v1::WatchResponse message;
//   while ((*stream)->Next(&message)) { ... }
//   // (*stream)->status() says why it ended.
//
// Next() hides disconnects: when a stream fails with a retryable error
// (UNAVAILABLE, CANCELLED by the daemon, DEADLINE_EXCEEDED, ...) it waits an
// exponential backoff (100 ms, growing 1.6x per attempt up to 5 s, with
// jitter; see backoff.h) and subscribes again with the same request. Every new
// stream starts with a Snapshot, which re-establishes the state: feed all
// messages to a WatchState and the view stays right across reconnections. The
// `epoch` field of the messages changes when the daemon restarted in between
// (sequence numbers also start over with every stream).
//
// A stream that delivers nothing for the liveness timeout (the daemon sends
// idle heartbeats, so silence means a dead connection or a hung daemon) is
// cancelled and reconnected too.
//
// Next() returns false only for good: after Cancel() (status() CANCELLED) or
// on an error that retrying cannot fix (INVALID_ARGUMENT for a bad request,
// UNIMPLEMENTED, PERMISSION_DENIED, ...; see IsRetryableWatchError).
//
// Thread safety: Next() from one thread at a time. Cancel() from any thread,
// any time, also while Next() blocks: Next() then returns false promptly
// (TryCancel on the live call, and the backoff wait is interrupted).
// Destroy only when no Next() is running.
#ifndef PHID_CLIENT_WATCH_STREAM_H_
#define PHID_CLIENT_WATCH_STREAM_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "client/backoff.h"
#include "grpcpp/grpcpp.h"
#include "proto/phi.grpc.pb.h"
#include "proto/phi.pb.h"

namespace phid {

struct WatchOptions {
  // Delays between reconnection attempts. Default: 100 ms initial, 5 s max,
  // x1.6, 20% jitter. The backoff starts over after a stream that delivered
  // at least one message.
  BackoffOptions backoff;
  // Reconnect when no message arrived for this long. Default 0 = derived
  // from the request: 3 x idle_interval + 1 s (idle_interval defaults to
  // 5 s, so 16 s). InfiniteDuration disables it. Otherwise must be > 0.
  absl::Duration liveness_timeout = absl::ZeroDuration();
  // Seeds the backoff jitter. Default 0 = random.
  uint64_t seed = 0;
  // Called on the thread inside Next() each time a stream ended and will be
  // retried: the reason (never OK) and the wait before the next attempt.
  // Optional.
  std::function<void(const absl::Status& reason, absl::Duration retry_in)>
      on_disconnect;

  absl::Status Validate() const;
};

// Whether a Watch that ended with `code` is worth subscribing again.
bool IsRetryableWatchError(absl::StatusCode code);

class WatchStream final {
 public:
  // Prefer PhidClient::Watch. `options` must be valid (CHECK).
  // `unreachable_hint` words the status when the daemon cannot be reached.
  WatchStream(std::shared_ptr<grpc::Channel> channel, std::string target,
              std::string unreachable_hint, phi::v1::WatchRequest request,
              WatchOptions options);
  WatchStream(const WatchStream&) = delete;
  WatchStream& operator=(const WatchStream&) = delete;
  ~WatchStream();

  // Blocks for the next message, reconnecting as needed. False when the
  // stream is over for good; see status().
  bool Next(phi::v1::WatchResponse* response);

  // Ends the stream: a blocked or later Next() returns false. Thread-safe,
  // idempotent.
  void Cancel();

  // Why Next() returned false: CANCELLED after Cancel(), otherwise the
  // permanent error. OK while the stream is still going.
  absl::Status status() const;

  // How many streams delivered at least one message (1 until the first
  // reconnection). For tests and diagnostics; use from the Next() thread.
  int64_t connections() const { return connections_; }

  // The liveness timeout in effect (see WatchOptions::liveness_timeout).
  absl::Duration liveness_timeout() const { return liveness_timeout_; }

 private:
  struct Call;

  // Waits any pending backoff, then starts a call. False if cancelled.
  bool StartCall();
  // Reads one message from the live call. False when the call has ended.
  bool ReadMessage(phi::v1::WatchResponse* response);
  // Collects the live call's status and forgets the call.
  absl::Status EndCall();
  // Waits for the one outstanding operation on cq_. If `deadline` passes
  // first, cancels the call, still waits for the operation, and returns
  // false.
  bool AwaitOperation(void* tag, absl::Time deadline, bool* ok);
  bool IsCancelled() const;

  // Constant after construction.
  const std::string target_;
  const std::string unreachable_hint_;
  const phi::v1::WatchRequest request_;
  const WatchOptions options_;
  const absl::Duration liveness_timeout_;
  const std::unique_ptr<phi::v1::FailureDetector::Stub> stub_;

  // Owned by the thread calling Next().
  grpc::CompletionQueue cq_;
  std::unique_ptr<Call> call_;
  Backoff backoff_;
  absl::Duration pending_delay_ = absl::ZeroDuration();
  int64_t connections_ = 0;
  bool finished_ = false;

  mutable absl::Mutex mu_;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  // The live call's context, for Cancel(); null between calls.
  grpc::ClientContext* live_context_ ABSL_GUARDED_BY(mu_) = nullptr;
  absl::Status final_status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace phid

#endif  // PHID_CLIENT_WATCH_STREAM_H_
