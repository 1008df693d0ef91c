#include "server/test_daemons.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "grpcpp/create_channel_posix.h"

namespace phid {

namespace v1 = ::phi::v1;

DaemonOptions TestDaemonOptions(const std::string& name,
                                std::vector<std::string> seeds, Tags tags) {
  DaemonOptions o;
  o.gossip = GossipOptions::ForLocalTesting();
  o.gossip.name = name;
  o.gossip.gossip_interval = absl::Milliseconds(50);
  o.gossip.detector = DetectorOptionsForInterval(o.gossip.gossip_interval);
  o.gossip.detector.acceptable_pause = absl::Milliseconds(100);
  o.gossip.pause_limit = absl::Seconds(1);
  o.gossip.seeds = std::move(seeds);
  o.gossip.tags = std::move(tags);
  o.udp.bind_address = "127.0.0.1:0";
  o.grpc_address = "127.0.0.1:0";
  o.metrics_address = "";
  o.shutdown_timeout = absl::Seconds(3);
  return o;
}

std::unique_ptr<Daemon> StartTestDaemon(const DaemonOptions& options) {
  absl::StatusOr<std::unique_ptr<Daemon>> daemon = Daemon::Start(options);
  CHECK(daemon.ok()) << daemon.status();
  return *std::move(daemon);
}

std::shared_ptr<grpc::Channel> ChannelTo(const Daemon& daemon,
                                         grpc::ChannelArguments args) {
  return grpc::CreateCustomChannel(
      absl::StrCat("127.0.0.1:", daemon.grpc_port()),
      grpc::InsecureChannelCredentials(), args);
}

int ConnectFrom(const std::string& source_ip, int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  CHECK_GE(fd, 0);
  sockaddr_in from{};
  from.sin_family = AF_INET;
  CHECK_EQ(inet_pton(AF_INET, source_ip.c_str(), &from.sin_addr), 1);
  CHECK_EQ(bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from), 0)
      << source_ip << ": " << std::strerror(errno);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  CHECK_EQ(connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to), 0)
      << std::strerror(errno);
  return fd;
}

std::shared_ptr<grpc::Channel> ChannelFrom(const Daemon& daemon,
                                           const std::string& source_ip) {
  int fd = ConnectFrom(source_ip, daemon.grpc_port());
  return grpc::CreateInsecureChannelFromFd(
      absl::StrCat("127.0.0.1:", daemon.grpc_port()), fd);
}

std::unique_ptr<v1::FailureDetector::Stub> StubFor(const Daemon& daemon) {
  return v1::FailureDetector::NewStub(ChannelTo(daemon));
}

WatchReader::WatchReader(v1::FailureDetector::Stub* stub,
                         const v1::WatchRequest& request,
                         absl::Duration limit) {
  context_.set_deadline(std::chrono::system_clock::now() +
                        absl::ToChronoMilliseconds(limit));
  reader_ = stub->Watch(&context_, request);
}

const v1::WatchResponse* WatchReader::ReadUntil(
    const std::function<bool(const v1::WatchResponse&)>& pred) {
  while (!ended_) {
    v1::WatchResponse message;
    if (!reader_->Read(&message)) {
      ended_ = true;
      status_ = reader_->Finish();
      return nullptr;
    }
    messages_.push_back(std::move(message));
    if (pred(messages_.back())) return &messages_.back();
  }
  return nullptr;
}

const v1::WatchResponse* WatchReader::NextTransition(
    const std::string& name, v1::TransitionReason reason) {
  return ReadUntil([&](const v1::WatchResponse& m) {
    return m.has_transition() && m.transition().peer().name() == name &&
           m.transition().reason() == reason;
  });
}

grpc::Status WatchReader::Finish() {
  ReadUntil([](const v1::WatchResponse&) { return false; });
  return status_;
}

v1::WatchRequest WatchFor(std::vector<std::string> names, double threshold) {
  v1::WatchRequest request;
  for (std::string& name : names) request.add_names(std::move(name));
  request.set_phi_threshold(threshold);
  return request;
}

}  // namespace phid
