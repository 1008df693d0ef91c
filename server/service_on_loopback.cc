#include "server/service_on_loopback.h"

#include "absl/strings/str_cat.h"

namespace phid {

ServiceOnLoopback::ServiceOnLoopback(
    FailureDetectorBackend* backend, const Clock& clock,
    const FailureDetectorService::Options& options)
    : service_(options, backend, clock) {
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(&service_);
  server_ = builder.BuildAndStart();
  channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                                 grpc::InsecureChannelCredentials());
}

ServiceOnLoopback::~ServiceOnLoopback() {
  service_.EndAllWatches(grpc::Status::CANCELLED);
  server_->Shutdown();
}

}  // namespace phid
