// ToAbslStatus: the one place the client turns a grpc::Status into an
// absl::Status.
//
// Codes map one to one (absl::StatusCode mirrors grpc::StatusCode). The
// message is rewritten where gRPC's own text does not tell a person what to
// do: when the daemon cannot be reached, it names the target and the hint
// (how to start the daemon or point elsewhere); when a deadline passes, it
// says whether the daemon was unreachable or just slow. Other messages come
// from the daemon and are kept as they are. Thread-safe (pure).
#ifndef PHID_CLIENT_GRPC_STATUS_H_
#define PHID_CLIENT_GRPC_STATUS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/support/status.h"

namespace phid {

// What the caller knows about the failed call, to word the message.
struct CallContext {
  // The address the client dials, e.g. "127.0.0.1:7070" or "unix:/run/phid".
  std::string target;
  // Appended when the daemon cannot be reached, e.g. "is the daemon
  // running? ...".
  std::string unreachable_hint;
  // The call's deadline (InfiniteDuration for streams).
  absl::Duration deadline = absl::InfiniteDuration();
  // True if the connection was up: the daemon answered before (a stream that
  // delivered messages) or the channel was READY when the call failed.
  bool connected = false;
};

absl::Status ToAbslStatus(const grpc::Status& status,
                          const CallContext& context);

}  // namespace phid

#endif  // PHID_CLIENT_GRPC_STATUS_H_
