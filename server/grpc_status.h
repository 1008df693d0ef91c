// ToGrpcStatus: the one place the server turns an absl::Status into a
// grpc::Status. absl::StatusCode mirrors grpc::StatusCode one to one. The
// message is kept, made safe for the grpc-message header and a terminal:
// control characters escaped and cut short after kMaxStatusMessageBytes
// (SanitizeMessage, echo.h); the values inside it are already cut short by
// Echo where they are quoted. Pure; thread-safe.
#ifndef PHID_SERVER_GRPC_STATUS_H_
#define PHID_SERVER_GRPC_STATUS_H_

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace phid {

grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace phid

#endif  // PHID_SERVER_GRPC_STATUS_H_
