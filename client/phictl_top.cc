// top: a live view of ListPeers on a Terminal, redrawn every --interval
// until 'q' or Ctrl-C (phictl_commands.h; the screen is top_view.h).
#include <algorithm>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "client/format.h"
#include "client/phictl_commands.h"
#include "client/terminal.h"
#include "client/top_view.h"
#include "proto/phi.pb.h"

namespace phid {
namespace phictl_internal {
namespace {

// --interval of `top`: how often it polls.
constexpr absl::Duration kMinInterval = absl::Milliseconds(100);
constexpr absl::Duration kMaxInterval = absl::Hours(1);

}  // namespace

std::optional<int> PrepareTop(const PhictlFlags& flags,
                              const PhictlEnvironment& env,
                              ClientOptions* options) {
  if (flags.json) {
    return Usage(
        "top draws a screen; for JSON use peers --json or watch "
        "--json",
        env);
  }
  if (flags.interval < kMinInterval || flags.interval > kMaxInterval) {
    return Usage(
        absl::StrCat("--interval=", FormatShortDuration(flags.interval),
                     ": give 100ms to 1h, e.g. 500ms"),
        env);
  }
  if (env.terminal == nullptr) {
    *env.err << "phictl: top needs a terminal\n";
    return kExitFailure;
  }
  // A hung call must not freeze the screen for long: at most one
  // interval (1 s at least), or --timeout if shorter.
  options->deadline =
      std::min(flags.timeout, std::max(flags.interval, absl::Seconds(1)));
  return std::nullopt;
}

// `top` polls ListPeers rather than following a Watch: one answer carries
// every column (a Watch's Levels lack suspected_by and the heartbeat ages),
// each frame is one consistent view, and a daemon that went away shows on
// the next refresh and recovers by itself. One small call per interval is
// nothing for the local daemon.
int RunTop(const PhidClient& client, const PhictlFlags& flags,
           const PhictlEnvironment& env) {
  Terminal& terminal = *env.terminal;
  absl::Mutex mu;
  bool stop = false;  // guarded by mu
  if (env.interrupter != nullptr) {
    env.interrupter->SetHandler([&mu, &stop, &terminal] {
      absl::MutexLock lock(&mu);
      stop = true;
      terminal.Wake();
    });
  }
  phi::v1::ListPeersRequest request;
  request.set_phi_threshold(flags.threshold);
  request.set_tag_selector(flags.tags);
  auto clock = [&env]() -> std::string {
    if (!env.now) return "";
    return absl::FormatTime("%H:%M:%S", env.now(), env.zone);
  };

  TopScreen screen;
  screen.target = client.target();
  screen.interval = flags.interval;
  screen.color = env.color;
  absl::Status refused;  // a value the daemon rejects ends top
  terminal.Open();
  for (;;) {
    {
      absl::MutexLock lock(&mu);
      if (stop) break;
    }
    absl::StatusOr<phi::v1::ListPeersResponse> response =
        client.ListPeers(request);
    screen.clock = clock();
    if (response.ok()) {
      screen.peers = *std::move(response);
      screen.peers_clock = screen.clock;
      screen.error = absl::OkStatus();
    } else if (absl::IsInvalidArgument(response.status())) {
      refused = response.status();
      break;
    } else {
      screen.error = response.status();
    }
    screen.columns = terminal.Columns();
    screen.rows = terminal.Rows();
    *env.out << TopFrame(screen);
    env.out->flush();
    const int key = terminal.WaitForKey(flags.interval);
    if (key == 'q' || key == 'Q' || key == Terminal::kInputClosed) break;
  }
  terminal.Close();
  if (env.interrupter != nullptr) env.interrupter->SetHandler(nullptr);
  if (!refused.ok()) return Fail(refused, env);
  return kExitOk;
}

}  // namespace phictl_internal
}  // namespace phid
