// Helpers for tests that run real daemons on loopback (testonly): options
// for a fast local cluster with ephemeral ports, a client stub, and a Watch
// reader that waits for messages with deadlines (no sleeps).
#ifndef PHID_SERVER_TEST_DAEMONS_H_
#define PHID_SERVER_TEST_DAEMONS_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gossip/member.h"
#include "grpcpp/grpcpp.h"
#include "proto/phi.grpc.pb.h"
#include "server/daemon.h"

namespace phid {

// A daemon on 127.0.0.1 with ephemeral UDP and gRPC ports, metrics off,
// 50 ms gossip rounds, joining through `seeds`.
DaemonOptions TestDaemonOptions(const std::string& name,
                                std::vector<std::string> seeds = {},
                                Tags tags = {});

// Starts a daemon; CHECK-fails (with the status) if it cannot.
std::unique_ptr<Daemon> StartTestDaemon(const DaemonOptions& options);

std::shared_ptr<grpc::Channel> ChannelTo(const Daemon& daemon,
                                         grpc::ChannelArguments args = {});
std::unique_ptr<phi::v1::FailureDetector::Stub> StubFor(const Daemon& daemon);
// A channel over one TCP connection from `source_ip` (a loopback address
// such as 127.0.3.1): a client the daemon sees at another address.
// CHECK-fails if the connection cannot be made.
std::shared_ptr<grpc::Channel> ChannelFrom(const Daemon& daemon,
                                           const std::string& source_ip);

// A TCP socket bound to `source_ip` and connected to 127.0.0.1:`port`;
// CHECK-fails if it cannot be.
int ConnectFrom(const std::string& source_ip, int port);

// One Watch call read synchronously. Every wait is bounded by the call's
// deadline (`limit` from the start).
class WatchReader {
 public:
  WatchReader(phi::v1::FailureDetector::Stub* stub,
              const phi::v1::WatchRequest& request,
              absl::Duration limit = absl::Seconds(30));
  // Reads until `pred` holds for a message (returned) or the stream ends
  // (nullptr; then status() is final).
  const phi::v1::WatchResponse* ReadUntil(
      const std::function<bool(const phi::v1::WatchResponse&)>& pred);
  // The next transition for `name` with `reason`, or nullptr.
  const phi::v1::WatchResponse* NextTransition(
      const std::string& name, phi::v1::TransitionReason reason);
  // Reads to the end of the stream and returns its status.
  grpc::Status Finish();
  grpc::Status status() const { return status_; }
  const std::vector<phi::v1::WatchResponse>& messages() const {
    return messages_;
  }
  grpc::ClientContext& context() { return context_; }

 private:
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<phi::v1::WatchResponse>> reader_;
  std::vector<phi::v1::WatchResponse> messages_;
  bool ended_ = false;
  grpc::Status status_;
};

// A WatchRequest for `names` at `threshold` (0 = default).
phi::v1::WatchRequest WatchFor(std::vector<std::string> names,
                               double threshold = 0);

}  // namespace phid

#endif  // PHID_SERVER_TEST_DAEMONS_H_
