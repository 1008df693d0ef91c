#include "client/phictl.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "client/format.h"
#include "client/phictl_commands.h"
#include "proto/api_limits.h"
#include "proto/phi.pb.h"

// The command table and the checks every command shares; the commands
// themselves are in phictl_peers.cc, phictl_watch.cc, phictl_top.cc and
// phictl_phi.cc (phictl_commands.h).
namespace phid {
namespace phictl_internal {
namespace {

constexpr char kSeeHelp[] = " (see phictl --help)";

}  // namespace

int Fail(const absl::Status& status, const PhictlEnvironment& env) {
  *env.err << "phictl: " << status.message() << "\n";
  return absl::IsInvalidArgument(status) ? kExitUsage : kExitFailure;
}

int Usage(absl::string_view message, const PhictlEnvironment& env) {
  *env.err << "phictl: " << message << kSeeHelp << "\n";
  return kExitUsage;
}

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

absl::Status ValidateThreshold(absl::string_view flag, double value) {
  if (!std::isfinite(value) || value < 0 || value > kMaxPhiThreshold) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--", flag, "=", value, " is out of range: give a phi in (0, ",
        kMaxPhiThreshold, "], or 0 for the daemon's default"));
  }
  return absl::OkStatus();
}

}  // namespace phictl_internal

namespace {

using phictl_internal::Fail;
using phictl_internal::PrepareTop;
using phictl_internal::RunForget;
using phictl_internal::RunGet;
using phictl_internal::RunPeers;
using phictl_internal::RunPhi;
using phictl_internal::RunTop;
using phictl_internal::RunWatch;
using phictl_internal::Usage;
using phictl_internal::ValidateThreshold;
using phictl_internal::WatchRequestFromFlags;

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
    if (std::optional<int> refused = PrepareTop(flags, env, &options)) {
      return *refused;
    }
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
