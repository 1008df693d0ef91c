#include "client/watch_exec.h"

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "client/handler_event.h"

namespace phid {

absl::StatusOr<std::unique_ptr<WatchExec>> WatchExec::FromFlags(
    const WatchExecFlags& flags, std::ostream* err) {
  if (flags.program.empty()) {
    if (flags.timeout_given) {
      return absl::InvalidArgumentError(
          "--exec_timeout applies only with --exec=PROGRAM");
    }
    return nullptr;
  }
  std::unique_ptr<WatchExec> exec(new WatchExec(flags.target, err));
  EventHandlerOptions options;
  options.program = flags.program;
  options.timeout = flags.timeout;
  WatchExec* const self = exec.get();
  options.log = [self](const std::string& line) {
    absl::MutexLock lock(&self->err_mu_);
    *self->err_ << "phictl: " << line << "\n";
    self->err_->flush();
  };
  absl::StatusOr<std::unique_ptr<EventHandler>> handler =
      EventHandler::Start(std::move(options));
  if (!handler.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--exec_timeout: ", handler.status().message()));
  }
  exec->handler_ = *std::move(handler);
  return exec;
}

WatchExec::WatchExec(std::string target, std::ostream* err)
    : target_(std::move(target)), err_(err) {}

void WatchExec::OnMessage(const phi::v1::WatchResponse& message) {
  std::optional<HandlerEvent> event = HandlerEventFromMessage(message, target_);
  if (event.has_value()) handler_->Enqueue(*std::move(event));
}

void WatchExec::Finish() { handler_->Drain(); }

}  // namespace phid
