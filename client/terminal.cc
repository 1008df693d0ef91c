#include "client/terminal.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>

namespace phid {
namespace {

constexpr char kEnterAlternateScreen[] = "\x1b[?1049h";
constexpr char kLeaveAlternateScreen[] = "\x1b[?1049l";
constexpr char kHideCursor[] = "\x1b[?25l";
constexpr char kShowCursor[] = "\x1b[?25h";
constexpr char kClearScreen[] = "\x1b[H\x1b[2J";

winsize SizeOf(int fd) {
  winsize size{};
  if (ioctl(fd, TIOCGWINSZ, &size) != 0 || size.ws_col == 0 ||
      size.ws_row == 0) {
    size.ws_col = 80;
    size.ws_row = 24;
  }
  return size;
}

void DrainPipe(int fd) {
  char buffer[64];
  while (read(fd, buffer, sizeof buffer) > 0) {
  }
}

}  // namespace

AnsiTerminal::AnsiTerminal(int input_fd, int output_fd, std::ostream* output)
    : input_fd_(input_fd),
      output_fd_(output_fd),
      output_(output),
      input_is_tty_(isatty(input_fd) == 1) {
  if (pipe2(wake_pipe_, O_NONBLOCK | O_CLOEXEC) != 0) {
    wake_pipe_[0] = wake_pipe_[1] = -1;
  }
}

AnsiTerminal::~AnsiTerminal() {
  Close();
  for (int fd : wake_pipe_) {
    if (fd >= 0) close(fd);
  }
}

void AnsiTerminal::Open() {
  absl::MutexLock lock(&mu_);
  if (open_) return;
  open_ = true;
  if (input_is_tty_ && tcgetattr(input_fd_, &saved_mode_) == 0) {
    saved_ = true;
    termios raw = saved_mode_;
    raw.c_lflag &= ~(ICANON | ECHO);  // ISIG stays: Ctrl-C is SIGINT
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    tcsetattr(input_fd_, TCSANOW, &raw);
  }
  *output_ << kEnterAlternateScreen << kHideCursor << kClearScreen;
  output_->flush();
}

void AnsiTerminal::Close() {
  absl::MutexLock lock(&mu_);
  if (!open_) return;
  open_ = false;
  if (saved_) {
    tcsetattr(input_fd_, TCSANOW, &saved_mode_);
    saved_ = false;
  }
  *output_ << kShowCursor << kLeaveAlternateScreen;
  output_->flush();
}

int AnsiTerminal::Columns() { return SizeOf(output_fd_).ws_col; }

int AnsiTerminal::Rows() { return SizeOf(output_fd_).ws_row; }

int AnsiTerminal::WaitForKey(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    pollfd fds[2] = {{wake_pipe_[0], POLLIN, 0}, {input_fd_, POLLIN, 0}};
    const nfds_t count = input_is_tty_ ? 2 : 1;
    const int64_t left_ms = std::max<int64_t>(
        0, absl::ToInt64Milliseconds(
               absl::Ceil(deadline - absl::Now(), absl::Milliseconds(1))));
    const int ready =
        poll(fds, count, static_cast<int>(std::min<int64_t>(left_ms, 1 << 30)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return kNoKey;
    if ((fds[0].revents & POLLIN) != 0) {
      DrainPipe(wake_pipe_[0]);
      return kNoKey;
    }
    if (count == 2 && (fds[1].revents & POLLIN) != 0) {
      unsigned char key = 0;
      if (read(input_fd_, &key, 1) == 1) return key;
      return kInputClosed;
    }
    if (count == 2 && (fds[1].revents & (POLLHUP | POLLERR | POLLNVAL)) != 0) {
      return kInputClosed;
    }
  }
}

void AnsiTerminal::Wake() {
  if (wake_pipe_[1] < 0) return;
  const char byte = 1;
  // A full pipe already wakes the waiter.
  [[maybe_unused]] ssize_t written = write(wake_pipe_[1], &byte, 1);
}

}  // namespace phid
