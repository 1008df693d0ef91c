// EventHandler: runs a program for each event, one at a time in order, off
// the caller's thread (`phictl watch --exec=PROGRAM`, like Serf's event
// handlers but at the subscriber's own threshold).
//
// Each event runs `/bin/sh -c PROGRAM` with phictl's environment plus the
// event's PHID_* variables, the event's JSON and a newline on stdin, stdout
// and stderr to phictl's stderr (phictl's stdout stays the event stream), in
// a process group of its own. A program still running after the timeout is
// killed with its whole group (SIGKILL). Failures are logged and the next
// event runs: a non-zero exit (127: command not found), a signal, a timeout,
// or a failure to start it.
//
// Enqueue never blocks: events wait in a bounded queue between the stream
// and the runner thread; when it is full the event is dropped, counted and
// logged, so a slow program never stalls the Watch stream (which would get
// it evicted by the daemon).
//
// Thread safety: every method may be called from any thread. The log
// function is called from the runner thread (failures) and from Enqueue's
// caller (drops), never concurrently with itself from the runner.
#ifndef PHID_CLIENT_EVENT_HANDLER_H_
#define PHID_CLIENT_EVENT_HANDLER_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "client/handler_event.h"

namespace phid {

// Limits of --exec_timeout.
inline constexpr absl::Duration kMinHandlerTimeout = absl::Milliseconds(100);
inline constexpr absl::Duration kMaxHandlerTimeout = absl::Hours(1);

struct EventHandlerOptions {
  // The shell command to run for each event. Required.
  std::string program;
  // Kill the program (and its process group) after this long. Default
  // 30 s; [kMinHandlerTimeout, kMaxHandlerTimeout].
  absl::Duration timeout = absl::Seconds(30);
  // Events waiting to run; more are dropped. Default 1024; at least 1.
  size_t queue_capacity = 1024;
  // Receives one line (no newline) per failure or drop. Default: none.
  std::function<void(const std::string&)> log;

  absl::Status Validate() const;
};

class EventHandler final {
 public:
  // Starts the runner thread. INVALID_ARGUMENT if the options are invalid.
  static absl::StatusOr<std::unique_ptr<EventHandler>> Start(
      EventHandlerOptions options);
  EventHandler(const EventHandler&) = delete;
  EventHandler& operator=(const EventHandler&) = delete;
  // Lets the running program finish (or time out), drops the events still
  // queued (logging how many), and joins the runner.
  ~EventHandler();

  // Queues `event`; false (and logged) if the queue is full.
  bool Enqueue(HandlerEvent event);
  // Blocks until every event queued so far has run.
  void Drain();

  struct Counters {
    uint64_t ran = 0;      // programs that ran, whatever their outcome
    uint64_t failed = 0;   // of those: non-zero exit, signal, timeout
    uint64_t errors = 0;   // programs that could not be started
    uint64_t dropped = 0;  // events refused by a full queue
  };
  Counters counters() const;

 private:
  explicit EventHandler(EventHandlerOptions options);
  void Run();
  // Runs one event's program; returns what to log, or "" on success.
  std::string RunOne(const HandlerEvent& event, bool* started);
  void Log(const std::string& line) const;

  // Constant after construction.
  const EventHandlerOptions options_;

  mutable absl::Mutex mu_;
  std::deque<HandlerEvent> queue_ ABSL_GUARDED_BY(mu_);
  bool running_one_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  Counters counters_ ABSL_GUARDED_BY(mu_);

  std::thread runner_;
};

}  // namespace phid

#endif  // PHID_CLIENT_EVENT_HANDLER_H_
