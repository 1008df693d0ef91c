// ServiceOnLoopback: a FailureDetectorService for a given backend on a real
// gRPC server at 127.0.0.1 (any free port), for the service's tests on fake
// backends (testonly). Ends every watch and shuts the server down when
// destroyed. Not thread-safe itself; the service is, as always.
#ifndef PHID_SERVER_SERVICE_ON_LOOPBACK_H_
#define PHID_SERVER_SERVICE_ON_LOOPBACK_H_

#include <memory>

#include "detector/base/clock.h"
#include "grpcpp/grpcpp.h"
#include "server/failure_detector_service.h"

namespace phid {

class ServiceOnLoopback {
 public:
  // `backend` and `clock` must outlive this.
  ServiceOnLoopback(FailureDetectorBackend* backend, const Clock& clock,
                    const FailureDetectorService::Options& options =
                        FailureDetectorService::Options());
  ServiceOnLoopback(const ServiceOnLoopback&) = delete;
  ServiceOnLoopback& operator=(const ServiceOnLoopback&) = delete;
  ~ServiceOnLoopback();

  FailureDetectorService& service() { return service_; }
  // A channel to the server.
  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }

 private:
  FailureDetectorService service_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

}  // namespace phid

#endif  // PHID_SERVER_SERVICE_ON_LOOPBACK_H_
