// WatchRecorder: a Watch on a real daemon whose every message is kept with
// the local time it arrived, so a test can wait (with a deadline) for a
// transition and measure when it came.
//
//   auto recorder = WatchRecorder::Start(daemon.client(), WatchAt(8));
//   absl::optional<ReceivedMessage> suspect = (*recorder)->WaitForTransition(
//       "node-5", phi::v1::TRANSITION_REASON_CROSSED_THRESHOLD,
//       absl::Seconds(5));
//   absl::Duration detection = suspect->received - killed_at;
//
// It runs the client library's reconnecting WatchSession; a reconnection
// shows as a second snapshot.
//
// Thread safety: all methods are thread-safe; messages arrive on the
// session's thread.
#ifndef PHID_TESTS_WATCH_RECORDER_H_
#define PHID_TESTS_WATCH_RECORDER_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "client/phid_client.h"
#include "proto/phi.pb.h"

namespace phid {
namespace e2e {

struct ReceivedMessage {
  phi::v1::WatchResponse message;
  absl::Time received;  // local wall time when the callback got it
};

// A WatchRequest at `threshold` for every member.
phi::v1::WatchRequest WatchAt(double threshold);

class WatchRecorder final {
 public:
  // Starts the watch and waits for its first snapshot. `label` names the
  // recorder in failure messages (e.g. the daemon's name).
  static absl::StatusOr<std::unique_ptr<WatchRecorder>> Start(
      const PhidClient& client, const phi::v1::WatchRequest& request,
      std::string label, absl::Duration timeout = absl::Seconds(5));
  WatchRecorder(const WatchRecorder&) = delete;
  WatchRecorder& operator=(const WatchRecorder&) = delete;
  ~WatchRecorder();

  // Blocks until done(messages so far) is true, or `timeout` passes;
  // returns done's last answer. `done` runs under the recorder's lock.
  bool WaitUntil(
      const std::function<bool(const std::vector<ReceivedMessage>&)>& done,
      absl::Duration timeout) const;

  // The first transition of member `name` for `reason` received at or
  // after `after`, waiting up to `timeout` for it.
  absl::optional<ReceivedMessage> WaitForTransition(
      const std::string& name, phi::v1::TransitionReason reason,
      absl::Duration timeout, absl::Time after = absl::InfinitePast()) const;

  // Transitions received so far, optionally only of member `name` (empty =
  // any) and `reason` (UNSPECIFIED = any).
  std::vector<ReceivedMessage> Transitions(
      const std::string& name = "",
      phi::v1::TransitionReason reason =
          phi::v1::TRANSITION_REASON_UNSPECIFIED) const;
  std::vector<ReceivedMessage> Messages() const;
  // The first snapshot.
  phi::v1::Snapshot snapshot() const;
  // One line per transition received, for failure messages.
  std::string DescribeTransitions() const;
  const std::string& label() const { return label_; }

 private:
  explicit WatchRecorder(std::string label) : label_(std::move(label)) {}
  void OnMessage(const phi::v1::WatchResponse& message);

  const std::string label_;
  mutable absl::Mutex mu_;
  mutable absl::CondVar changed_;
  std::vector<ReceivedMessage> messages_ ABSL_GUARDED_BY(mu_);
  // Declared last: stopped (its thread joined) before the rest is gone.
  std::unique_ptr<WatchSession> session_;
};

// True if `m` is a transition of member `name` for `reason`.
bool IsTransition(const phi::v1::WatchResponse& m, const std::string& name,
                  phi::v1::TransitionReason reason);

}  // namespace e2e
}  // namespace phid

#endif  // PHID_TESTS_WATCH_RECORDER_H_
