// Terminal: the screen and keyboard as `phictl top` uses them, behind an
// interface so its loop is tested with a fake (no tty, no waiting).
//
// AnsiTerminal is the real one, with plain ANSI escape codes and termios (no
// curses): Open() switches to the alternate screen, hides the cursor and
// turns off line buffering and echo (but not signals: Ctrl-C stays SIGINT);
// Close() restores all of it. Keys are read only when input is a terminal.
//
// Thread safety: Wake() and Close() may be called from any thread (a signal
// thread); the other methods from one thread.
#ifndef PHID_CLIENT_TERMINAL_H_
#define PHID_CLIENT_TERMINAL_H_

#include <termios.h>

#include <memory>
#include <ostream>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace phid {

class Terminal {
 public:
  // What WaitForKey returns when no key came, and when the input is gone
  // (the terminal hung up: no key will ever come).
  static constexpr int kNoKey = -1;
  static constexpr int kInputClosed = -2;

  virtual ~Terminal() = default;

  // Takes over the screen; Close() gives it back. Idempotent.
  virtual void Open() = 0;
  virtual void Close() = 0;
  // The size in columns and rows; 80x24 if unknown.
  virtual int Columns() = 0;
  virtual int Rows() = 0;
  // Waits up to `timeout` for a key press: the byte read, kNoKey at the
  // timeout or when Wake() was called (also before the wait began), or
  // kInputClosed.
  virtual int WaitForKey(absl::Duration timeout) = 0;
  // Ends the current or next WaitForKey at once.
  virtual void Wake() = 0;
};

class AnsiTerminal final : public Terminal {
 public:
  // Reads keys from `input_fd` when it is a tty; writes escape codes to
  // `output`, the stream frames go to, and takes its size from
  // `output_fd`.
  AnsiTerminal(int input_fd, int output_fd, std::ostream* output);
  AnsiTerminal(const AnsiTerminal&) = delete;
  AnsiTerminal& operator=(const AnsiTerminal&) = delete;
  ~AnsiTerminal() override;  // Closes.

  void Open() override;
  void Close() override;
  int Columns() override;
  int Rows() override;
  int WaitForKey(absl::Duration timeout) override;
  void Wake() override;

 private:
  // Constant after construction.
  const int input_fd_;
  const int output_fd_;
  std::ostream* const output_;
  const bool input_is_tty_;
  int wake_pipe_[2] = {-1, -1};

  absl::Mutex mu_;
  bool open_ ABSL_GUARDED_BY(mu_) = false;
  bool saved_ ABSL_GUARDED_BY(mu_) = false;
  termios saved_mode_ ABSL_GUARDED_BY(mu_);
};

}  // namespace phid

#endif  // PHID_CLIENT_TERMINAL_H_
