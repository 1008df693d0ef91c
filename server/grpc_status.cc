#include "server/grpc_status.h"

#include <string>

#include "proto/api_limits.h"
#include "server/echo.h"

namespace phid {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(
      static_cast<grpc::StatusCode>(status.code()),
      SanitizeMessage(status.message(), kMaxStatusMessageBytes));
}

}  // namespace phid
