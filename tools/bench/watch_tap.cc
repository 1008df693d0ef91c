// watch_tap: the phid side of the detection benchmark (vs_serf.py).
//
// Opens one reconnecting Watch (//client:client) per (daemon, threshold) and
// prints one line per message of interest, stamped with CLOCK_MONOTONIC the
// moment the message reaches this process, so the harness can subtract the
// instant it injected the fault (Python's time.monotonic_ns() reads the same
// clock):
//
//   T <mono_ns> <target> <threshold> <peer> <previous> <state> <reason>
//   S <mono_ns> <target> <threshold> <name>:<state>,...   (a snapshot)
//   E <mono_ns> <target> <threshold> <message>      (stream lost, retrying)
//
// States and reasons are the proto enum names without their prefix
// (ALIVE, SUSPECT, CROSSED_THRESHOLD, ...). Lines are written whole and
// flushed at once; a mutex orders the sessions' callback threads.
//
//   watch_tap --targets=127.0.4.1:19101,127.0.4.2:19101 --thresholds=8,12
//
// Runs until stdin closes (the harness's way of saying stop) or SIGTERM.
#include <time.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "client/phid_client.h"

ABSL_FLAG(std::string, targets, "",
          "Comma-separated gRPC addresses of the daemons to watch.");
ABSL_FLAG(std::string, thresholds, "8,12",
          "Comma-separated phi thresholds; one Watch per target and "
          "threshold.");

namespace phid {
namespace {

int64_t MonotonicNanos() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

std::string Short(const std::string& name, absl::string_view prefix) {
  absl::string_view v = name;
  if (absl::StartsWith(v, prefix)) v.remove_prefix(prefix.size());
  return std::string(v);
}

class Printer final {
 public:
  void Line(const std::string& line) {
    absl::MutexLock lock(&mu_);
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
  }

 private:
  absl::Mutex mu_;
};

int Run() {
  std::vector<std::string> targets =
      absl::StrSplit(absl::GetFlag(FLAGS_targets), ',', absl::SkipEmpty());
  std::vector<double> thresholds;
  for (absl::string_view t : absl::StrSplit(absl::GetFlag(FLAGS_thresholds),
                                            ',', absl::SkipEmpty())) {
    double v;
    if (!absl::SimpleAtod(t, &v)) {
      std::cerr << "--thresholds: not a number: " << t << "\n";
      return 2;
    }
    thresholds.push_back(v);
  }
  if (targets.empty() || thresholds.empty()) {
    std::cerr << "usage: watch_tap --targets=a:p,b:p [--thresholds=8,12]\n";
    return 2;
  }

  Printer printer;
  std::vector<std::unique_ptr<PhidClient>> clients;
  std::vector<std::unique_ptr<WatchSession>> sessions;
  WatchOptions options;
  // Reconnect fast after the daemon is restarted (kill -9 rounds).
  options.backoff.initial = absl::Milliseconds(50);
  options.backoff.max = absl::Milliseconds(500);
  for (const std::string& target : targets) {
    absl::StatusOr<std::unique_ptr<PhidClient>> client =
        PhidClient::Create(target);
    if (!client.ok()) {
      std::cerr << client.status() << "\n";
      return 2;
    }
    for (double threshold : thresholds) {
      const std::string tag = absl::StrCat(target, " ", threshold);
      phi::v1::WatchRequest request;
      request.set_phi_threshold(threshold);
      WatchCallbacks callbacks;
      callbacks.on_message = [&printer, tag](const phi::v1::WatchResponse& m) {
        const int64_t now = MonotonicNanos();
        if (m.has_transition()) {
          const phi::v1::Transition& t = m.transition();
          printer.Line(absl::StrCat(
              "T ", now, " ", tag, " ", t.peer().name(), " ",
              Short(phi::v1::PeerState_Name(t.previous_state()), "PEER_STATE_"),
              " ",
              Short(phi::v1::PeerState_Name(t.peer().state()), "PEER_STATE_"),
              " ",
              Short(phi::v1::TransitionReason_Name(t.reason()),
                    "TRANSITION_REASON_")));
        } else if (m.has_snapshot()) {
          std::string members;
          for (const phi::v1::Peer& peer : m.snapshot().peers()) {
            absl::StrAppend(
                &members, members.empty() ? "" : ",", peer.name(), ":",
                Short(phi::v1::PeerState_Name(peer.state()), "PEER_STATE_"));
          }
          printer.Line(absl::StrCat("S ", now, " ", tag, " ", members));
        }
      };
      callbacks.on_status = [&printer, tag](const absl::Status& s) {
        std::string message(s.message().substr(0, 80));
        for (char& c : message) {
          if (c == '\n') c = ' ';
        }
        printer.Line(absl::StrCat("E ", MonotonicNanos(), " ", tag, " ",
                                  absl::StatusCodeToString(s.code()), " ",
                                  message));
      };
      absl::StatusOr<std::unique_ptr<WatchSession>> session =
          (*client)->StartWatch(request, std::move(callbacks), options);
      if (!session.ok()) {
        std::cerr << session.status() << "\n";
        return 2;
      }
      sessions.push_back(*std::move(session));
    }
    clients.push_back(*std::move(client));
  }
  // Until the harness closes our stdin.
  char buffer[256];
  while (read(STDIN_FILENO, buffer, sizeof buffer) > 0) {
  }
  for (auto& session : sessions) session->Stop();
  return 0;
}

}  // namespace
}  // namespace phid

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return phid::Run();
}
