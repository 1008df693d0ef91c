// WatchSession: the Watch RPC delivered to callbacks on a thread of its own.
//
//   phid::WatchCallbacks callbacks;
//   callbacks.on_message = [](const phi::v1::WatchResponse& m) { ... };
//   callbacks.on_status = [](const absl::Status& s) { LOG(WARNING) << s; };
//   auto session = client->StartWatch(request, std::move(callbacks));
//   ...
//   (*session)->Stop();
//
// It runs a WatchStream (see watch_stream.h for reconnection, backoff,
// snapshots after every reconnection and the meaning of `epoch`) and calls:
//   on_message  for every message, in order;
//   on_status   each time the stream was lost and will be retried (the
//               reason), and once for a permanent error that ends the
//               session (e.g. INVALID_ARGUMENT);
//   on_done     exactly once at the end, with the final status (CANCELLED
//               after Stop()).
// No callback runs after Stop() returns or on_done returned.
//
// Thread safety: callbacks run one at a time on the session's thread, so
// they need no locking among themselves. Stop() is thread-safe, idempotent
// and returns promptly (it cancels the live call and interrupts a backoff
// wait) once the callback in progress, if any, returns. Stop() may be called
// from a callback (the session then ends after the callback returns), but
// the session must not be destroyed from one.
#ifndef PHID_CLIENT_WATCH_SESSION_H_
#define PHID_CLIENT_WATCH_SESSION_H_

#include <functional>
#include <memory>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "client/watch_stream.h"
#include "proto/phi.pb.h"

namespace phid {

struct WatchCallbacks {
  // Required.
  std::function<void(const phi::v1::WatchResponse&)> on_message;
  // Optional: disconnects, and a permanent error.
  std::function<void(const absl::Status&)> on_status;
  // Optional: the end, exactly once.
  std::function<void(const absl::Status&)> on_done;
};

class WatchSession final {
 public:
  // Prefer PhidClient::StartWatch, which wires on_status into the stream.
  // Starts the thread at once.
  WatchSession(std::unique_ptr<WatchStream> stream, WatchCallbacks callbacks);
  WatchSession(const WatchSession&) = delete;
  WatchSession& operator=(const WatchSession&) = delete;
  // Stops, see Stop().
  ~WatchSession();

  // Cancels the watch and waits for the thread to finish (unless called
  // from a callback).
  void Stop();

 private:
  void Run();

  // Constant after construction.
  const std::unique_ptr<WatchStream> stream_;
  const WatchCallbacks callbacks_;

  absl::Mutex join_mu_;
  std::thread thread_ ABSL_GUARDED_BY(join_mu_);
};

}  // namespace phid

#endif  // PHID_CLIENT_WATCH_SESSION_H_
