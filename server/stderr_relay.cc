#include "server/stderr_relay.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace phid {
namespace {

std::atomic<int> relay_read_fd{-1};
std::atomic<bool> relay_busy{false};

absl::Status Errno(const char* call) {
  return absl::InternalError(
      absl::StrCat("stderr relay: ", call, ": ", std::strerror(errno)));
}

void Relay(int from, int to) {
  char buffer[16384];
  while (true) {
    ssize_t n = read(from, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    relay_busy = true;
    for (ssize_t done = 0; done < n;) {
      ssize_t w = write(to, buffer + done, static_cast<size_t>(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) break;  // the real stderr is gone: drop
      done += w;
    }
    relay_busy = false;
  }
}

}  // namespace

absl::Status StderrRelay::Start(size_t pipe_bytes) {
  int real = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
  if (real < 0) return Errno("dup(2)");
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    close(real);
    return Errno("pipe2");
  }
  // Best effort: the default pipe (64 KiB) still never blocks.
  (void)fcntl(fds[1], F_SETPIPE_SZ, static_cast<int>(pipe_bytes));
  if (fcntl(fds[1], F_SETFL, O_NONBLOCK) != 0 ||
      dup2(fds[1], STDERR_FILENO) < 0) {
    close(real);
    close(fds[0]);
    close(fds[1]);
    return Errno("fcntl/dup2");
  }
  close(fds[1]);
  relay_read_fd = fds[0];
  std::thread([from = fds[0], real] { Relay(from, real); }).detach();
  return absl::OkStatus();
}

void StderrRelay::Flush(absl::Duration timeout) {
  const int fd = relay_read_fd.load();
  if (fd < 0) return;
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    int queued = 0;
    if (ioctl(fd, FIONREAD, &queued) != 0) return;
    if (queued == 0 && !relay_busy) return;
    absl::SleepFor(absl::Milliseconds(5));
  }
}

}  // namespace phid
