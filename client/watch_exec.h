// WatchExec: `phictl watch --exec=PROGRAM`, the glue between the Watch
// stream and an EventHandler (event_handler.h): each transition message
// becomes a HandlerEvent (handler_event.h) queued for the program, and
// handler failures and drops are reported on phictl's stderr.
//
// Thread safety: OnMessage and Finish from the thread that reads the
// stream; the handler's log lines come from its runner thread.
#ifndef PHID_CLIENT_WATCH_EXEC_H_
#define PHID_CLIENT_WATCH_EXEC_H_

#include <memory>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "client/event_handler.h"
#include "proto/phi.pb.h"

namespace phid {

struct WatchExecFlags {
  std::string program;                         // --exec; "" = no handler
  absl::Duration timeout = absl::Seconds(30);  // --exec_timeout
  bool timeout_given = false;
  std::string target;  // --target, passed as PHID_TARGET
};

class WatchExec final {
 public:
  // Null without --exec. INVALID_ARGUMENT naming the flag for a bad value.
  // Log lines go to `err` (phictl's stderr), which must outlive this.
  static absl::StatusOr<std::unique_ptr<WatchExec>> FromFlags(
      const WatchExecFlags& flags, std::ostream* err);
  WatchExec(const WatchExec&) = delete;
  WatchExec& operator=(const WatchExec&) = delete;

  // Queues the program for a transition; ignores other messages.
  void OnMessage(const phi::v1::WatchResponse& message);
  // When the watch ends: waits for the queued events to run.
  void Finish();

 private:
  WatchExec(std::string target, std::ostream* err);

  const std::string target_;
  std::ostream* const err_;
  absl::Mutex err_mu_;
  std::unique_ptr<EventHandler> handler_;  // set once by FromFlags
};

}  // namespace phid

#endif  // PHID_CLIENT_WATCH_EXEC_H_
