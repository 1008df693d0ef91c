// watch: the WatchRequest built from the flags, then one line (or JSON
// object) per event until Ctrl-C, reconnecting with backoff; --exec runs a
// program per transition (watch_exec.h). See phictl_commands.h.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "client/format.h"
#include "client/phictl_commands.h"
#include "client/watch_exec.h"
#include "client/watch_state.h"
#include "client/watch_stream.h"
#include "proto/api_limits.h"
#include "proto/duration.h"
#include "proto/phi.pb.h"

namespace phid {
namespace phictl_internal {
namespace {

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

}  // namespace

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

}  // namespace phictl_internal
}  // namespace phid
