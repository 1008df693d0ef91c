// phictl: a command-line client of the local phid daemon. See kUsage below
// or run `phictl --help`; the logic lives in phictl.h. The flags of `phi`
// (but --threshold) are the calculator's, from detector/calc/phi_calc_flags.h.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/phictl.h"
#include "client/terminal.h"
#include "detector/base/flag_args.h"
#include "detector/calc/phi_calc.h"
#include "detector/calc/phi_calc_flags.h"
#include "proto/api_limits.h"

ABSL_FLAG(
    std::string, target, phid::DefaultTarget(std::getenv("PHID_TARGET")),
    "Address of the phid daemon's API: host:port or unix:/path/to/socket. "
    "Defaults to $PHID_TARGET if set, else 127.0.0.1:7070.");
ABSL_FLAG(bool, json, false,
          "Print one JSON object per line instead of text (proto3 JSON "
          "mapping: lowerCamel names, 64-bit integers as strings): peers "
          "prints one object per member, get one, watch one per message "
          "including idle heartbeats.");
ABSL_FLAG(absl::Duration, timeout, phid::PhictlFlags().timeout,
          "Deadline of each call to the daemon (peers, get; top: at most "
          "max(--interval, 1s)), e.g. 500ms or 5s.");
ABSL_FLAG(double, threshold, 0,
          absl::StrCat("peers, get, watch, top: judge members against this "
                       "phi, in (0, ",
                       phid::kMaxPhiThreshold,
                       "]; 0 uses the daemon's default. phi: the phi whose "
                       "silence to compute."));
ABSL_FLAG(double, recovery, 0,
          "watch: a suspect becomes alive again only when phi falls below "
          "this (hysteresis), in (0, threshold]; 0 = the threshold itself.");
ABSL_FLAG(absl::Duration, levels, absl::ZeroDuration(),
          absl::StrCat("watch: also print every watched member's phi at "
                       "this interval (at least ",
                       absl::FormatDuration(phid::kMinLevelInterval),
                       ", e.g. 1s); 0 = transitions only."));
ABSL_FLAG(std::string, peers, "",
          "watch: only these members, comma-separated (a,b); empty = all.");
ABSL_FLAG(std::string, tags, "",
          "peers, watch, top: only members whose tags match every pair, as "
          "k=v,k2=v2.");
ABSL_FLAG(absl::Duration, idle, absl::ZeroDuration(),
          absl::StrCat("watch: the daemon sends a heartbeat after this long "
                       "without other messages (",
                       absl::FormatDuration(phid::kMinIdleInterval), " to ",
                       absl::FormatDuration(phid::kMaxIdleInterval),
                       "); 0 = the daemon's ",
                       absl::FormatDuration(phid::kDefaultIdleInterval),
                       ". The watch reconnects when nothing arrives for 3 x "
                       "idle + 1s."));
ABSL_FLAG(std::string, exec, "",
          "watch: run this shell command (/bin/sh -c) for each transition, "
          "one at a time in order, with the event in PHID_* environment "
          "variables and as JSON on stdin (see Event handlers below).");
ABSL_FLAG(absl::Duration, exec_timeout, phid::PhictlFlags().exec_timeout,
          "watch: kill an --exec program (and its process group) still "
          "running after this long, 100ms to 1h; the next event then runs.");
ABSL_FLAG(absl::Duration, interval, phid::PhictlFlags().interval,
          "top: refresh the screen this often (100ms to 1h), e.g. 1s.");
namespace {

constexpr char kUsage[] =
    "Talks to the local phid daemon, a phi-accrual failure detector.\n"
    "\n"
    "Usage: phictl COMMAND [ARG] [--flags]\n"
    "\n"
    "Commands:\n"
    "  peers     Every member the daemon knows, as a table (--threshold,\n"
    "            --tags). Columns: NAME ('*' marks the daemon itself), STATE\n"
    "            (ALIVE or SUSPECT against the threshold, FAILED: silent\n"
    "            past the daemon's --failed_after, LEFT), PHI, TTT\n"
    "            (time until phi reaches the threshold), LAST_HB (age of the\n"
    "            newest heartbeat), MEAN and STDDEV (heartbeat interval),\n"
    "            SUSPECTED_BY (other daemons that suspect it), GEN\n"
    "            (generation, grows when the member restarts), ADDRESS\n"
    "            (gossip), TAGS.\n"
    "  get NAME  One member in detail (--threshold).\n"
    "  forget NAME  Removes a FAILED or LEFT member from this daemon now\n"
    "            rather than when its retention ends; refused for a live\n"
    "            member. Other daemons keep it until forgotten there too.\n"
    "  watch     One line per event until Ctrl-C: a snapshot, then\n"
    "            transitions (ALIVE -> SUSPECT ...), phi levels with\n"
    "            --levels (--threshold, --recovery, --levels, --peers,\n"
    "            --tags, --idle). Reconnects by itself with backoff; each\n"
    "            reconnection prints a fresh snapshot. Notices go to stderr.\n"
    "            --exec=PROGRAM runs PROGRAM for each transition (at the\n"
    "            watch's own threshold; see Event handlers).\n"
    "  top       A live view, redrawn every --interval (500ms) until 'q' or\n"
    "            Ctrl-C: every member's state, phi with a bar (full at the\n"
    "            threshold), SUSPECTED_BY, LAST_HB, TTT (--threshold,\n"
    "            --tags, --interval). Colors unless $NO_COLOR is set.\n"
    "  phi       Phi calculator: phi after --elapsed of silence, or when phi\n"
    "            reaches --threshold, for --mean/--stddev or --intervals\n"
    "            (--model, --acceptable_pause, --min_stddev).\n"
    "\n"
    "Event handlers (watch --exec=PROGRAM, --exec_timeout=30s):\n"
    "  For each transition, /bin/sh -c PROGRAM runs with phictl's environment\n"
    "  plus these variables:\n"
    "    PHID_EVENT           member-suspect, member-recover, member-join,\n"
    "                         member-leave, member-restart, member-fail,\n"
    "                         member-remove,\n"
    "                         observer-pause\n"
    "    PHID_PEER, PHID_ADDRESS, PHID_GENERATION  the member\n"
    "    PHID_STATE, PHID_PREVIOUS_STATE  ALIVE, SUSPECT, FAILED, LEFT,\n"
    "                         REMOVED\n"
    "    PHID_PHI, PHID_THRESHOLD  phi at the transition; the watch's "
    "threshold\n"
    "    PHID_REASON          crossed_threshold, recovered, joined, left,\n"
    "                         restarted, failed, removed, observer_paused\n"
    "    PHID_TAGS            k=v,k2=v2\n"
    "    PHID_PAUSED_SECONDS  observer-pause: how long the daemon was paused\n"
    "    PHID_SEQUENCE, PHID_EPOCH, PHID_TIME (RFC 3339), PHID_TARGET\n"
    "  and on stdin the message as one line of JSON, as watch --json prints\n"
    "  it. Its stdout and stderr go to phictl's stderr. Programs run one at a\n"
    "  time in order; up to 1024 events wait, more are dropped and logged, so\n"
    "  a slow program never stalls the stream. A non-zero exit, a signal or a\n"
    "  timeout is logged and the next event runs. Snapshots (also after a\n"
    "  reconnection) run nothing. At Ctrl-C the queued events still run;\n"
    "  Ctrl-C again exits at once.\n"
    "\n"
    "Examples:\n"
    "  phictl peers --threshold=5 --tags=dc=eu\n"
    "  phictl get node-b\n"
    "  phictl watch --levels=1s --peers=node-b,node-c --json | jq .\n"
    "  phictl watch --threshold=3 --exec='logger -t phid \"$PHID_PEER "
    "$PHID_STATE\"'\n"
    "  phictl top --threshold=5 --interval=1s\n"
    "  phictl phi --mean=1000ms --stddev=100ms --elapsed=1400ms\n"
    "  PHID_TARGET=unix:/run/phid.sock phictl peers\n"
    "\n"
    "Exit status: 0 success (also watch ended by Ctrl-C); 1 the daemon is\n"
    "unreachable or answered an error (e.g. get of an unknown NAME); 2 a bad\n"
    "command line (unknown command or flag, or a bad value).";

// `phictl phi`: the calculator's flags as parsed, with phictl's --threshold.
absl::StatusOr<std::string> CalculatePhi(const std::string& threshold) {
  return phid::RunPhiCalc(phid::PhiCalcFlagsFromCommandLine(threshold));
}

// Waits for Ctrl-C (and SIGTERM) on a thread of its own, so the handler may
// take locks. A second signal, or one with no command to stop, exits, after
// giving the screen back if `top` had it.
void HandleSignalsOnAThread(phid::Interrupter* interrupter,
                            phid::Terminal* terminal) {
  static sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  // Blocked in every thread created from now on, gRPC's included.
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::thread([interrupter, terminal] {
    int signal_number = 0;
    while (sigwait(&signals, &signal_number) == 0) {
      if (!interrupter->Interrupt()) {
        terminal->Close();
        std::cout.flush();
        std::_Exit(128 + signal_number);
      }
    }
  }).detach();
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(kUsage);
  phid::AddPhiCalcFlagsToHelp("client/phictl_main.cc");
  absl::StatusOr<std::set<std::string>> given =
      phid::CheckFlagArguments(argc, argv);
  if (!given.ok()) {
    std::cerr << "phictl: " << given.status().message()
              << " (see phictl --help)\n";
    return phid::kExitUsage;
  }
  const std::vector<char*> positional = absl::ParseCommandLine(argc, argv);

  phid::PhictlFlags flags;
  flags.target = absl::GetFlag(FLAGS_target);
  flags.json = absl::GetFlag(FLAGS_json);
  flags.timeout = absl::GetFlag(FLAGS_timeout);
  flags.threshold = absl::GetFlag(FLAGS_threshold);
  flags.recovery = absl::GetFlag(FLAGS_recovery);
  flags.levels = absl::GetFlag(FLAGS_levels);
  flags.idle = absl::GetFlag(FLAGS_idle);
  flags.peers = absl::GetFlag(FLAGS_peers);
  flags.tags = absl::GetFlag(FLAGS_tags);
  flags.exec = absl::GetFlag(FLAGS_exec);
  flags.exec_timeout = absl::GetFlag(FLAGS_exec_timeout);
  flags.interval = absl::GetFlag(FLAGS_interval);
  flags.given = *std::move(given);

  // Leaked: the signal thread may use them until the process is gone.
  auto* interrupter = new phid::Interrupter;
  auto* terminal =
      new phid::AnsiTerminal(STDIN_FILENO, STDOUT_FILENO, &std::cout);
  HandleSignalsOnAThread(interrupter, terminal);

  phid::PhictlEnvironment env;
  env.out = &std::cout;
  env.err = &std::cerr;
  env.interrupter = interrupter;
  env.zone = absl::LocalTimeZone();
  env.phi_calculator = CalculatePhi;
  env.terminal = terminal;
  env.now = [] { return absl::Now(); };
  const char* no_color = std::getenv("NO_COLOR");
  env.color = no_color == nullptr || no_color[0] == '\0';
  const std::vector<std::string> args(positional.begin() + 1, positional.end());
  const int status = phid::RunPhictl(args, flags, env);
  std::cout.flush();
  return status;
}
