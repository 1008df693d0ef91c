#include "server/grpc_server.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "detector/base/file_read.h"
#include "grpc/health/v1/health.pb.h"
#include "grpcpp/security/server_credentials.h"
#include "proto/api_limits.h"
#include "server/reflection_service.h"

namespace phid {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path,
                                     absl::string_view flag) {
  absl::StatusOr<std::string> text = ReadFileToString(path);
  if (!text.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": ", text.status().message()));
  }
  return text;
}

}  // namespace

absl::StatusOr<GrpcServer> StartGrpcServer(const DaemonOptions& options,
                                           grpc::Service* service) {
  std::shared_ptr<grpc::ServerCredentials> credentials =
      grpc::InsecureServerCredentials();
  if (!options.tls_cert.empty()) {
    absl::StatusOr<std::string> cert = ReadFile(options.tls_cert, "tls_cert");
    if (!cert.ok()) return cert.status();
    absl::StatusOr<std::string> key = ReadFile(options.tls_key, "tls_key");
    if (!key.ok()) return key.status();
    grpc::SslServerCredentialsOptions ssl;
    ssl.pem_key_cert_pairs.push_back({*key, *cert});
    credentials = grpc::SslServerCredentials(ssl);
  }
  // Health: touching the descriptor links grpc.health.v1 so reflection
  // can describe the health service.
  grpc::EnableDefaultHealthCheckService(true);
  (void)grpc::health::v1::HealthCheckRequest::descriptor();

  GrpcServer started;
  grpc::ServerBuilder builder;
  AddServerReflection(&builder);  // v1 and v1alpha, with .proto comments
  builder.AddListeningPort(options.grpc_address, credentials, &started.port);
  builder.RegisterService(service);
  // Abuse limits (README: Under abuse). gRPC 1.51 has no rapid-reset
  // defence: reset streams do not count against the stream limit.
  grpc::ResourceQuota quota("phid");
  quota.Resize(static_cast<size_t>(options.grpc_memory_limit_bytes));
  builder.SetResourceQuota(quota);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                             options.grpc_max_streams_per_connection);
  builder.SetMaxReceiveMessageSize(static_cast<int>(kMaxRequestBytes));
  builder.AddChannelArgument(
      GRPC_ARG_KEEPALIVE_TIME_MS,
      static_cast<int>(absl::ToInt64Milliseconds(options.grpc_keepalive_time)));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
                             static_cast<int>(absl::ToInt64Milliseconds(
                                 options.grpc_keepalive_timeout)));
  // A client that pings more often than allowed gets GOAWAY
  // (too_many_pings) after this many strikes.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 2);
  // A TCP connection that never completes its HTTP/2 handshake.
  builder.AddChannelArgument(GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS, 10000);
  // Let clients keep idle watches alive with pings every 10 s
  // (`grpcurl -keepalive-time 10`); the default allows one per 5 min.
  builder.AddChannelArgument(
      GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // gRPC sets SO_REUSEPORT by default: a second daemon on the same port
  // would start and silently share it. Fail instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  started.server = builder.BuildAndStart();
  if (started.server == nullptr || started.port == 0) {
    if (started.server != nullptr) started.server->Shutdown();
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.grpc_address,
                     " for gRPC (address in use or not local? set "
                     "--grpc_address)"));
  }
  return started;
}

}  // namespace phid
