#include "client/phictl.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "client/format.h"
#include "client/top_view.h"
#include "client/watch_exec.h"
#include "client/watch_state.h"
#include "google/protobuf/duration.pb.h"
#include "proto/api_limits.h"
#include "proto/duration.h"
#include "proto/phi.pb.h"

namespace phid {
namespace {

constexpr char kSeeHelp[] = " (see phictl --help)";
// --interval of `top`: how often it polls.
constexpr absl::Duration kMinInterval = absl::Milliseconds(100);
constexpr absl::Duration kMaxInterval = absl::Hours(1);

// The flags every command accepts.
constexpr absl::string_view kGlobalFlags[] = {"target", "json", "timeout"};

struct Command {
  absl::string_view name;
  // The operand after the command name, if any ("NAME").
  absl::string_view operand;
  std::vector<absl::string_view> flags;
};

const std::vector<Command>& Commands() {
  static const auto* const commands = new std::vector<Command>{
      {"peers", "", {"threshold", "tags"}},
      {"get", "NAME", {"threshold"}},
      {"forget", "NAME", {}},
      {"watch",
       "",
       {"threshold", "recovery", "levels", "peers", "tags", "idle", "exec",
        "exec_timeout"}},
      {"top", "", {"threshold", "tags", "interval"}},
      {"phi",
       "",
       {"threshold", "model", "mean", "stddev", "intervals", "acceptable_pause",
        "min_stddev", "elapsed"}},
  };
  return *commands;
}

std::string CommandNames() {
  std::vector<absl::string_view> names;
  for (const Command& command : Commands()) names.push_back(command.name);
  return absl::StrJoin(names, ", ");
}

// Whether `name` is one of phictl's own flags (not absl's built-ins).
bool IsPhictlFlag(absl::string_view name) {
  for (absl::string_view global : kGlobalFlags) {
    if (name == global) return true;
  }
  for (const Command& command : Commands()) {
    for (absl::string_view flag : command.flags) {
      if (name == flag) return true;
    }
  }
  return false;
}

absl::Status CheckFlagsApply(const Command& command,
                             const std::set<std::string>& given) {
  for (const std::string& name : given) {
    if (!IsPhictlFlag(name)) continue;
    if (std::find(std::begin(kGlobalFlags), std::end(kGlobalFlags), name) !=
        std::end(kGlobalFlags)) {
      continue;
    }
    if (std::find(command.flags.begin(), command.flags.end(), name) ==
        command.flags.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", name, " does not apply to `", command.name, "`"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateThreshold(absl::string_view flag, double value) {
  if (!std::isfinite(value) || value < 0 || value > kMaxPhiThreshold) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--", flag, "=", value, " is out of range: give a phi in (0, ",
        kMaxPhiThreshold, "], or 0 for the daemon's default"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> SplitNames(absl::string_view text) {
  std::vector<std::string> names;
  if (text.empty()) return names;
  for (absl::string_view piece : absl::StrSplit(text, ',')) {
    piece = absl::StripAsciiWhitespace(piece);
    if (piece.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--peers=", text, " has an empty name: give names like a,b"));
    }
    names.emplace_back(piece);
  }
  return names;
}

// Prints `status` and picks the exit status: a value the daemon refused is a
// command-line mistake too.
int Fail(const absl::Status& status, const PhictlEnvironment& env) {
  *env.err << "phictl: " << status.message() << "\n";
  return absl::IsInvalidArgument(status) ? kExitUsage : kExitFailure;
}

int Usage(absl::string_view message, const PhictlEnvironment& env) {
  *env.err << "phictl: " << message << kSeeHelp << "\n";
  return kExitUsage;
}

// Writes `message` as a JSON line. False (after printing why) on failure.
bool PrintJson(const google::protobuf::Message& message,
               const PhictlEnvironment& env) {
  absl::StatusOr<std::string> line = ToJsonLine(message);
  if (!line.ok()) {
    Fail(line.status(), env);
    return false;
  }
  *env.out << *line << "\n";
  return true;
}

int RunPeers(const PhidClient& client, const PhictlFlags& flags,
             const PhictlEnvironment& env) {
  phi::v1::ListPeersRequest request;
  request.set_phi_threshold(flags.threshold);
  request.set_tag_selector(flags.tags);
  absl::StatusOr<phi::v1::ListPeersResponse> response =
      client.ListPeers(request);
  if (!response.ok()) return Fail(response.status(), env);
  if (!flags.json) {
    *env.out << FormatPeersTable(*response);
    return kExitOk;
  }
  std::vector<const phi::v1::Peer*> peers;
  for (const phi::v1::Peer& peer : response->peers()) peers.push_back(&peer);
  std::sort(peers.begin(), peers.end(),
            [](const phi::v1::Peer* a, const phi::v1::Peer* b) {
              return a->name() < b->name();
            });
  for (const phi::v1::Peer* peer : peers) {
    if (!PrintJson(*peer, env)) return kExitFailure;
  }
  return kExitOk;
}

int RunGet(const PhidClient& client, const std::string& name,
           const PhictlFlags& flags, const PhictlEnvironment& env) {
  absl::StatusOr<phi::v1::Peer> peer = client.GetPeer(name, flags.threshold);
  if (!peer.ok()) return Fail(peer.status(), env);
  if (flags.json) return PrintJson(*peer, env) ? kExitOk : kExitFailure;
  *env.out << FormatPeer(*peer);
  return kExitOk;
}

int RunForget(const PhidClient& client, const std::string& name,
              const PhictlFlags& flags, const PhictlEnvironment& env) {
  absl::StatusOr<phi::v1::Peer> peer = client.Forget(name);
  if (!peer.ok()) return Fail(peer.status(), env);
  if (flags.json) return PrintJson(*peer, env) ? kExitOk : kExitFailure;
  *env.out << "forgot " << peer->name() << " (" << PeerStateName(peer->state())
           << ", generation " << peer->generation()
           << ") on this daemon; other daemons keep it until they forget it "
              "too or its retention ends\n";
  return kExitOk;
}

absl::StatusOr<phi::v1::WatchRequest> WatchRequestFromFlags(
    const PhictlFlags& flags) {
  phi::v1::WatchRequest request;
  request.set_phi_threshold(flags.threshold);
  if (absl::Status status = ValidateThreshold("recovery", flags.recovery);
      !status.ok()) {
    return status;
  }
  if (flags.threshold > 0 && flags.recovery > flags.threshold) {
    return absl::InvalidArgumentError(
        absl::StrCat("--recovery=", flags.recovery,
                     " is above --threshold=", flags.threshold,
                     ": suspects recover below the recovery "
                     "threshold, so it must not exceed the threshold"));
  }
  request.set_recovery_threshold(flags.recovery);
  absl::StatusOr<std::vector<std::string>> names = SplitNames(flags.peers);
  if (!names.ok()) return names.status();
  for (std::string& name : *names) request.add_names(std::move(name));
  if (flags.levels != absl::ZeroDuration()) {
    if (flags.levels < kMinLevelInterval ||
        flags.levels == absl::InfiniteDuration()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--levels=", absl::FormatDuration(flags.levels),
                       ": give 0 (transitions only) or at least ",
                       absl::FormatDuration(kMinLevelInterval)));
    }
    ToProtoDuration(flags.levels, request.mutable_level_interval());
  }
  if (flags.idle != absl::ZeroDuration()) {
    if (flags.idle < kMinIdleInterval || flags.idle > kMaxIdleInterval) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--idle=", absl::FormatDuration(flags.idle),
          ": give 0 (the daemon's ", absl::FormatDuration(kDefaultIdleInterval),
          ") or ", absl::FormatDuration(kMinIdleInterval), " to ",
          absl::FormatDuration(kMaxIdleInterval)));
    }
    ToProtoDuration(flags.idle, request.mutable_idle_interval());
  }
  request.set_tag_selector(flags.tags);
  return request;
}

int RunWatch(const PhidClient& client, const phi::v1::WatchRequest& request,
             const PhictlFlags& flags, const PhictlEnvironment& env) {
  WatchOptions options = env.watch_options;
  // A daemon that stays down would repeat the same long message at every
  // attempt: say it in full once, then only that it goes on.
  std::string last_failure;
  options.on_disconnect = [&env, &last_failure](const absl::Status& status,
                                                absl::Duration retry_in) {
    const std::string retry =
        absl::StrCat("retrying in ", FormatShortDuration(retry_in));
    if (status.message() == last_failure) {
      *env.err << "phictl: still failing; " << retry << "\n";
    } else {
      *env.err << "phictl: " << status.message() << "; " << retry << "\n";
      last_failure = std::string(status.message());
    }
    env.err->flush();
  };
  absl::StatusOr<std::unique_ptr<WatchExec>> exec = WatchExec::FromFlags(
      {flags.exec, flags.exec_timeout, flags.given.count("exec_timeout") > 0,
       flags.target},
      env.err);
  if (!exec.ok()) return Usage(exec.status().message(), env);
  absl::StatusOr<std::unique_ptr<WatchStream>> stream =
      client.Watch(request, options);
  if (!stream.ok()) return Fail(stream.status(), env);
  WatchStream* const watch = stream->get();
  if (env.interrupter != nullptr) {
    env.interrupter->SetHandler([watch] { watch->Cancel(); });
  }

  WatchState state;
  phi::v1::WatchResponse message;
  while (watch->Next(&message)) {
    last_failure.clear();
    const WatchState::Result result = state.Apply(message);
    if (result.new_epoch) {
      *env.err << "phictl: phid restarted (epoch " << message.epoch()
               << "); its snapshot replaces the state\n";
    }
    if (result.outcome == WatchState::Outcome::kDuplicate ||
        result.outcome == WatchState::Outcome::kOutOfOrder) {
      *env.err << "phictl: ignored a " << OutcomeName(result.outcome)
               << " message (sequence " << message.sequence() << ")\n";
      continue;
    }
    if (result.outcome == WatchState::Outcome::kAppliedAfterGap) {
      *env.err << "phictl: messages were lost before sequence "
               << message.sequence() << "\n";
    }
    if (message.has_snapshot() && message.snapshot().unknown_names_size() > 0) {
      *env.err << "phictl: warning: phid knows no member named "
               << absl::StrJoin(message.snapshot().unknown_names(), ", ")
               << " (a typo? watched all the same, in case one joins)\n";
    }
    if (flags.json) {
      if (!PrintJson(message, env)) break;
    } else if (!message.has_heartbeat()) {
      *env.out << FormatWatchEvent(message, env.zone) << "\n";
    }
    env.out->flush();
    if (*exec != nullptr) (*exec)->OnMessage(message);
  }
  if (*exec != nullptr) (*exec)->Finish();
  if (env.interrupter != nullptr) env.interrupter->SetHandler(nullptr);
  const absl::Status status = watch->status();
  if (absl::IsCancelled(status)) return kExitOk;  // Ctrl-C
  if (status.ok()) return kExitFailure;           // a JSON printing failure
  return Fail(status, env);
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

int RunPhi(const PhictlFlags& flags, const PhictlEnvironment& env) {
  if (!env.phi_calculator) {
    *env.err << "phictl: phi is not built in; use bazel run //tools:phi_calc\n";
    return kExitFailure;
  }
  const std::vector<std::pair<std::string, std::string>> values = {
      {"model", flags.model},
      {"mean", flags.mean},
      {"stddev", flags.stddev},
      {"intervals", flags.intervals},
      {"acceptable_pause", flags.acceptable_pause},
      {"min_stddev", flags.min_stddev},
      {"elapsed", flags.elapsed},
      {"threshold", absl::StrCat(flags.threshold)},
  };
  std::vector<std::pair<std::string, std::string>> given;
  for (const auto& [name, value] : values) {
    if (flags.given.count(name) > 0) given.emplace_back(name, value);
  }
  absl::StatusOr<std::string> line = env.phi_calculator(given);
  if (!line.ok()) return Fail(line.status(), env);
  *env.out << *line << "\n";
  return kExitOk;
}

}  // namespace

void Interrupter::SetHandler(std::function<void()> handler) {
  absl::MutexLock lock(&mu_);
  handler_ = std::move(handler);
  if (interrupted_ && !handled_ && handler_) {
    handled_ = true;
    handler_();
  }
}

bool Interrupter::Interrupt() {
  absl::MutexLock lock(&mu_);
  if (handled_) return false;  // a second Ctrl-C: the user insists
  interrupted_ = true;
  if (!handler_) return false;
  handled_ = true;
  handler_();
  return true;
}

int RunPhictl(const std::vector<std::string>& args, const PhictlFlags& flags,
              const PhictlEnvironment& env) {
  if (args.empty()) {
    return Usage(absl::StrCat("give a command: ", CommandNames()), env);
  }
  const auto command =
      std::find_if(Commands().begin(), Commands().end(),
                   [&](const Command& c) { return c.name == args[0]; });
  if (command == Commands().end()) {
    return Usage(absl::StrCat("unknown command \"", args[0],
                              "\"; the commands are ", CommandNames()),
                 env);
  }
  if (absl::Status status = CheckFlagsApply(*command, flags.given);
      !status.ok()) {
    return Usage(status.message(), env);
  }
  const size_t operands = command->operand.empty() ? 0 : 1;
  if (args.size() - 1 != operands) {
    if (operands == 0) {
      return Usage(absl::StrCat("unexpected argument \"", args[1], "\" after `",
                                command->name, "`"),
                   env);
    }
    return Usage(
        absl::StrCat("`", command->name, "` takes one ", command->operand,
                     ", e.g. phictl ", command->name, " node-b"),
        env);
  }

  if (command->name == "phi") return RunPhi(flags, env);

  if (absl::Status status = ValidateThreshold("threshold", flags.threshold);
      !status.ok()) {
    return Usage(status.message(), env);
  }
  if (absl::Status status = ValidateTagSelector(flags.tags); !status.ok()) {
    return Usage(status.message(), env);
  }
  if (flags.timeout <= absl::ZeroDuration()) {
    return Usage("--timeout must be positive, e.g. 5s", env);
  }
  ClientOptions options;
  options.deadline = flags.timeout;
  if (command->name == "top") {
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
    options.deadline =
        std::min(flags.timeout, std::max(flags.interval, absl::Seconds(1)));
  }
  absl::StatusOr<std::unique_ptr<PhidClient>> client =
      PhidClient::Create(flags.target, options);
  if (!client.ok()) return Usage(client.status().message(), env);

  if (command->name == "peers") return RunPeers(**client, flags, env);
  if (command->name == "get") return RunGet(**client, args[1], flags, env);
  if (command->name == "forget")
    return RunForget(**client, args[1], flags, env);
  if (command->name == "top") return RunTop(**client, flags, env);
  absl::StatusOr<phi::v1::WatchRequest> request = WatchRequestFromFlags(flags);
  if (!request.ok()) return Usage(request.status().message(), env);
  return RunWatch(**client, *request, flags, env);
}

std::string DefaultTarget(const char* env_value) {
  if (env_value != nullptr && env_value[0] != '\0') return env_value;
  return kDefaultTarget;
}

absl::Status ValidateTagSelector(absl::string_view selector) {
  if (selector.empty()) return absl::OkStatus();
  for (absl::string_view pair : absl::StrSplit(selector, ',')) {
    const size_t equals = pair.find('=');
    if (equals == absl::string_view::npos ||
        absl::StripAsciiWhitespace(pair.substr(0, equals)).empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--tags=", selector, ": \"", pair,
                       "\" is not key=value; give e.g. dc=eu,rack=r1"));
    }
  }
  return absl::OkStatus();
}

}  // namespace phid
