// StartGrpcServer: the gRPC server phid's API runs on, built from the
// daemon's options: plaintext or TLS (--tls_cert, --tls_key), server
// reflection, the default health service, and the abuse limits (memory
// quota, streams per connection, largest request, keepalive and ping
// policy, handshake timeout; README: Under abuse). SO_REUSEPORT is off, so
// a second daemon on the same port fails to start instead of sharing it.
//
// The caller (the daemon) owns the server and sets the health statuses.
#ifndef PHID_SERVER_GRPC_SERVER_H_
#define PHID_SERVER_GRPC_SERVER_H_

#include <memory>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "server/daemon_options.h"

namespace phid {

struct GrpcServer {
  std::unique_ptr<grpc::Server> server;
  // The port bound (options.grpc_address may ask for 0: any).
  int port = 0;
};

// Starts serving `service` (which must outlive the server) on
// options.grpc_address. Errors name the flag or the address at fault.
absl::StatusOr<GrpcServer> StartGrpcServer(const DaemonOptions& options,
                                           grpc::Service* service);

}  // namespace phid

#endif  // PHID_SERVER_GRPC_SERVER_H_
