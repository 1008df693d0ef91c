// StderrRelay: makes writes to stderr (fd 2) never block, so a log reader
// that stalls (a full pipe nobody reads, a frozen journal) cannot freeze
// the thread that logs: the daemon's loop, gRPC's threads.
//
// Start() moves the real stderr to a new descriptor and puts the write end
// of a non-blocking pipe (`pipe_bytes` of buffer) on fd 2; one relay thread
// copies from the pipe to the real stderr, and it alone may block. glog,
// gRPC's own logging and any fprintf(stderr) all go through the pipe. When
// the pipe is full a write fails at once (EAGAIN) and that line is lost:
// losing log lines is the price of never blocking. Lines up to 4 KiB are
// written whole or not at all (PIPE_BUF).
//
// Thread safety: Start once, early in main (before other threads write to
// stderr); Flush from any thread.
#ifndef PHID_SERVER_STDERR_RELAY_H_
#define PHID_SERVER_STDERR_RELAY_H_

#include <cstddef>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace phid {

class StderrRelay final {
 public:
  // INTERNAL naming the system call on failure; stderr is then unchanged.
  static absl::Status Start(size_t pipe_bytes);
  // Waits until the pipe is empty (what was logged reached the real
  // stderr) or `timeout` passed. For a clean exit.
  static void Flush(absl::Duration timeout);
};

}  // namespace phid

#endif  // PHID_SERVER_STDERR_RELAY_H_
