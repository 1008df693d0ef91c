// Readiness on real daemons over loopback: the gRPC health service's
// "phid.joined" and the phid_joined gauge turn on once a daemon has joined,
// through a DNS seed ("localhost:PORT", answered by /etc/hosts), and stay
// off for a daemon whose seed never answers.
#include <chrono>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "server/test_daemons.h"

namespace phid {
namespace {

using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

// Reads `service`'s health Watch until it reports `want` or `limit` passes.
bool WatchUntil(const Daemon& daemon, const std::string& service,
                HealthCheckResponse::ServingStatus want, absl::Duration limit) {
  auto health = Health::NewStub(ChannelTo(daemon));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       absl::ToChronoMilliseconds(limit));
  HealthCheckRequest request;
  request.set_service(service);
  auto reader = health->Watch(&context, request);
  HealthCheckResponse response;
  while (reader->Read(&response)) {
    if (response.status() == want) {
      context.TryCancel();
      reader->Finish();
      return true;
    }
  }
  reader->Finish();
  return false;
}

HealthCheckResponse::ServingStatus Check(const Daemon& daemon,
                                         const std::string& service) {
  auto health = Health::NewStub(ChannelTo(daemon));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(5));
  HealthCheckRequest request;
  request.set_service(service);
  HealthCheckResponse response;
  grpc::Status status = health->Check(&context, request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response.status();
}

std::string PortOf(const std::string& address) {
  return address.substr(address.rfind(':') + 1);
}

TEST(ReadinessTest, ADaemonJoinedThroughALocalhostSeedTurnsReady) {
  auto first = StartTestDaemon(TestDaemonOptions("first"));
  // No seed: the first member is ready alone.
  EXPECT_TRUE(WatchUntil(*first, Daemon::kJoinedService,
                         HealthCheckResponse::SERVING, absl::Seconds(10)));
  auto joiner = StartTestDaemon(TestDaemonOptions(
      "joiner", {"localhost:" + PortOf(first->gossip_address())}));
  EXPECT_TRUE(WatchUntil(*joiner, Daemon::kJoinedService,
                         HealthCheckResponse::SERVING, absl::Seconds(20)));
  EXPECT_TRUE(absl::StrContains(joiner->MetricsText(), "\nphid_joined 1\n"));
}

TEST(ReadinessTest, ADaemonWhoseSeedNeverAnswersStaysNotReadyButAlive) {
  // UDP port 9 (discard) on loopback: nobody answers.
  auto lonely = StartTestDaemon(TestDaemonOptions("lonely", {"127.0.0.1:9"}));
  EXPECT_FALSE(WatchUntil(*lonely, Daemon::kJoinedService,
                          HealthCheckResponse::SERVING, absl::Seconds(2)));
  EXPECT_EQ(Check(*lonely, Daemon::kJoinedService),
            HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(Check(*lonely, ""), HealthCheckResponse::SERVING);
  EXPECT_TRUE(absl::StrContains(lonely->MetricsText(), "\nphid_joined 0\n"));
}

}  // namespace
}  // namespace phid
