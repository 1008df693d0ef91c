// phictl: the command-line client of phid, as a library so it is tested.
//
// phictl_main.cc defines the flags, checks them (detector/base/flag_args.h)
// and parses them, and calls RunPhictl with the
// subcommand and its arguments; everything a user sees (validation, output,
// exit status) happens here:
//   peers [--threshold=X] [--tags=k=v,...]  the members as a table
//   get NAME [--threshold=X]                one member in detail
//   watch [--threshold ...]                 one line per event until Ctrl-C;
//                                           --exec runs a program per
//                                           transition
//   top [--interval=500ms --threshold=X]    a live view until 'q' or Ctrl-C
//   phi [--mean ...]                        the phi calculator, if linked in
// With --json every command but top prints one JSON object per line
// instead.
//
// Exit status: 0 success (also a watch ended by Ctrl-C); 1 the daemon is
// unreachable or answered with an error (NOT_FOUND for an unknown member...);
// 2 a bad command line (unknown command or flag, bad value, also when the
// daemon rejects a value as INVALID_ARGUMENT).
//
// Thread safety: RunPhictl may run on any thread; Interrupter is
// thread-safe.
#ifndef PHID_CLIENT_PHICTL_H_
#define PHID_CLIENT_PHICTL_H_

#include <functional>
#include <ostream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "client/phid_client.h"
#include "client/terminal.h"
#include "client/watch_exec.h"

namespace phid {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// The flags' values after parsing, and which were given. The defaults are
// the flags' (phictl_main.cc defines them from these).
struct PhictlFlags {
  // Global.
  std::string target = kDefaultTarget;
  bool json = false;
  absl::Duration timeout = ClientOptions().deadline;
  // peers, get, watch, top (and phi: the phi whose time is asked).
  double threshold = 0;
  // watch.
  double recovery = 0;
  absl::Duration levels = absl::ZeroDuration();
  absl::Duration idle = absl::ZeroDuration();
  std::string peers;  // "a,b"
  // peers, watch, top.
  std::string tags;  // "k=v,k2=v2"
  // watch: run this shell command for each transition (see watch_exec.h),
  // killing it after exec_timeout.
  std::string exec;
  absl::Duration exec_timeout = WatchExecFlags().timeout;
  // top: the refresh period, [100ms, 1h].
  absl::Duration interval = absl::Milliseconds(500);
  // phi's other flags are not here: they are the calculator's, which reads
  // them itself (PhictlEnvironment::phi_calculator).
  // Names of the flags given on the command line, to refuse those that do
  // not apply to the subcommand.
  std::set<std::string> given;
};

// Ctrl-C, delivered from a signal-waiting thread to the running command.
class Interrupter {
 public:
  Interrupter() = default;
  Interrupter(const Interrupter&) = delete;
  Interrupter& operator=(const Interrupter&) = delete;

  // Runs `handler` on the next Interrupt(), or at once if one already came.
  // Replaces the previous handler; nullptr clears it (and waits for a
  // running handler to return).
  void SetHandler(std::function<void()> handler);

  // Runs the handler. False if there was none or it already ran: the caller
  // should then exit at once.
  bool Interrupt();

 private:
  absl::Mutex mu_;
  bool interrupted_ ABSL_GUARDED_BY(mu_) = false;
  bool handled_ ABSL_GUARDED_BY(mu_) = false;
  std::function<void()> handler_ ABSL_GUARDED_BY(mu_);
};

// `phi`: the phi calculator. Defines and reads its own flags (the phictl
// binary links detector/calc/phi_calc_flags.h) but --threshold, phictl's,
// which it gets as typed ("" when not given). Returns the output line or
// INVALID_ARGUMENT naming a flag.
using PhiCalculator =
    std::function<absl::StatusOr<std::string>(const std::string& threshold)>;

struct PhictlEnvironment {
  std::ostream* out = nullptr;  // results
  std::ostream* err = nullptr;  // errors and notices
  Interrupter* interrupter = nullptr;
  // Times of watch events print in this zone.
  absl::TimeZone zone = absl::UTCTimeZone();
  // Null: `phi` says to use //tools:phi_calc.
  PhiCalculator phi_calculator;
  // For tests: reconnection backoff of `watch`.
  WatchOptions watch_options;
  // top: the screen and keyboard; null refuses `top`.
  Terminal* terminal = nullptr;
  // top: the time shown in each frame (in `zone`); null shows none.
  std::function<absl::Time()> now;
  // top: colors (false for $NO_COLOR).
  bool color = true;
};

// Runs the subcommand args[0] with its arguments args[1..]. Returns the exit
// status.
int RunPhictl(const std::vector<std::string>& args, const PhictlFlags& flags,
              const PhictlEnvironment& env);

// The target to use when --target is not given: `env_value`
// ($PHID_TARGET) if set and not empty, else kDefaultTarget.
std::string DefaultTarget(const char* env_value);

// "k=v,k2=v2": every pair has a non-empty key. INVALID_ARGUMENT otherwise.
absl::Status ValidateTagSelector(absl::string_view selector);

}  // namespace phid

#endif  // PHID_CLIENT_PHICTL_H_
