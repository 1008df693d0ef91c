// ToGrpcStatus: the one place the server turns an absl::Status into a
// grpc::Status. absl::StatusCode mirrors grpc::StatusCode one to one; the
// message is kept as is. Pure; thread-safe.
#ifndef PHID_SERVER_GRPC_STATUS_H_
#define PHID_SERVER_GRPC_STATUS_H_

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace phid {

grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace phid

#endif  // PHID_SERVER_GRPC_STATUS_H_
