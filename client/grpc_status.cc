#include "client/grpc_status.h"

#include "absl/strings/str_cat.h"

namespace phid {
namespace {

std::string Unreachable(const CallContext& context) {
  std::string message = absl::StrCat("cannot reach phid at ", context.target);
  if (!context.unreachable_hint.empty()) {
    absl::StrAppend(&message, " (", context.unreachable_hint, ")");
  }
  return message;
}

}  // namespace

absl::Status ToAbslStatus(const grpc::Status& status,
                          const CallContext& context) {
  if (status.ok()) return absl::OkStatus();
  const auto code = static_cast<absl::StatusCode>(status.error_code());
  const std::string& detail = status.error_message();
  std::string message;
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
      message =
          context.connected
              ? absl::StrCat("lost the connection to phid at ", context.target)
              : Unreachable(context);
      break;
    case grpc::StatusCode::DEADLINE_EXCEEDED: {
      const std::string within =
          context.deadline == absl::InfiniteDuration()
              ? ""
              : absl::StrCat(" within ",
                             absl::FormatDuration(context.deadline));
      message =
          context.connected
              ? absl::StrCat("phid at ", context.target, " did not answer",
                             within, " (is it overloaded? raise the timeout)")
              : absl::StrCat(Unreachable(context), "; no connection", within);
      break;
    }
    default:
      message = detail.empty()
                    ? absl::StrCat("phid at ", context.target, " answered ",
                                   absl::StatusCodeToString(code))
                    : detail;
      return absl::Status(code, message);
  }
  if (!detail.empty()) absl::StrAppend(&message, ": ", detail);
  return absl::Status(code, message);
}

}  // namespace phid
