// Membership as the API reports it, on simulated time (simulated_peers.h):
// observer pauses, restarts, failures and the end of their retention,
// failed members listed, counted and forgotten.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "server/peer_api.h"
#include "server/simulated_peers.h"
#include "server/test_daemons.h"

namespace phid {
namespace {

namespace v1 = ::phi::v1;

v1::WatchRequest Idle100ms(std::vector<std::string> names, double t = 0) {
  v1::WatchRequest request = WatchFor(std::move(names), t);
  request.mutable_idle_interval()->set_nanos(100000000);
  return request;
}

// Starts a, then b joining through a, and runs until a knows b.
void StartPair(SimulatedPeers* sim, const DaemonOptions& a) {
  sim->Start(a);
  sim->Start(TestDaemonOptions("b", {sim->address("a")}));
  ASSERT_TRUE(
      sim->RunUntil([&] { return sim->Knows("a", "b"); }, absl::Seconds(10)))
      << "a never learned b";
}

// The first message of a watch on one member that shows it: the snapshot
// listing it, or a transition.
const v1::WatchResponse* FirstSight(WatchReader* watch) {
  return watch->ReadUntil([](const v1::WatchResponse& m) {
    return (m.has_snapshot() && m.snapshot().peers_size() == 1) ||
           m.has_transition();
  });
}

TEST(PeerApiMembershipTest, AnObserverPauseIsReportedAndSuspectsNobody) {
  SimulatedPeers sim;
  StartPair(&sim, TestDaemonOptions("a"));
  auto stub_a = sim.Stub("a");
  auto stub_b = sim.Stub("b");
  WatchReader on_a(stub_a.get(), Idle100ms({"b"}, 3));
  ASSERT_NE(on_a.ReadUntil([](const auto& m) {
    return (m.has_snapshot() && m.snapshot().peers_size() == 1) ||
           (m.has_transition() &&
            m.transition().reason() == v1::TRANSITION_REASON_JOINED);
  }),
            nullptr);
  // b's idle heartbeats go on while a is frozen.
  WatchReader clock_b(stub_b.get(), Idle100ms({"nobody"}));
  ASSERT_NE(clock_b.ReadUntil([](const auto& m) { return m.has_snapshot(); }),
            nullptr);
  sim.Pause("a", true);
  sim.RunFor(absl::Milliseconds(1650));
  int ticks = 0;
  ASSERT_NE(clock_b.ReadUntil([&](const auto& m) {
    return m.has_heartbeat() && ++ticks == 15;
  }),
            nullptr);
  sim.Pause("a", false);
  sim.RunFor(absl::Milliseconds(800));
  const v1::WatchResponse* paused =
      on_a.ReadUntil([](const auto& m) { return m.has_transition(); });
  ASSERT_NE(paused, nullptr);
  EXPECT_EQ(paused->transition().reason(),
            v1::TRANSITION_REASON_OBSERVER_PAUSED);
  EXPECT_GE(paused->transition().paused().seconds(), 1);
  EXPECT_TRUE(paused->transition().peer().is_self());
  // Nor afterwards: b is fine.
  int heartbeats = 0;
  on_a.ReadUntil([&](const auto& m) {
    EXPECT_FALSE(m.has_transition()) << m.ShortDebugString();
    return m.has_heartbeat() && ++heartbeats == 5;
  });
  EXPECT_EQ(heartbeats, 5);
}

TEST(PeerApiMembershipTest,
     ARestartAFailureAndTheEndOfItsRetentionAreReported) {
  DaemonOptions options = TestDaemonOptions("a");
  options.gossip.failed_after = absl::Seconds(1);
  options.gossip.failed_member_retention = absl::Seconds(1);
  SimulatedPeers sim;
  StartPair(&sim, options);
  auto stub = sim.Stub("a");
  WatchReader watch(stub.get(), WatchFor({"b"}));
  ASSERT_NE(FirstSight(&watch), nullptr);
  uint64_t first_generation = 0;
  for (const auto& m : watch.messages()) {
    if (m.has_snapshot()) {
      for (const auto& p : m.snapshot().peers())
        first_generation = p.generation();
    }
    if (m.has_transition())
      first_generation = m.transition().peer().generation();
  }
  sim.Restart("b");
  sim.RunFor(absl::Seconds(2));
  const v1::WatchResponse* restarted =
      watch.NextTransition("b", v1::TRANSITION_REASON_RESTARTED);
  ASSERT_NE(restarted, nullptr) << watch.status().error_message();
  EXPECT_GT(restarted->transition().peer().generation(), first_generation);
  EXPECT_EQ(restarted->transition().peer().state(), v1::PEER_STATE_ALIVE);

  sim.Crash("b");
  sim.RunFor(absl::Seconds(8));
  ASSERT_NE(watch.NextTransition("b", v1::TRANSITION_REASON_CROSSED_THRESHOLD),
            nullptr);
  const v1::WatchResponse* failed =
      watch.NextTransition("b", v1::TRANSITION_REASON_FAILED);
  ASSERT_NE(failed, nullptr) << watch.status().error_message();
  EXPECT_EQ(failed->transition().previous_state(), v1::PEER_STATE_SUSPECT);
  EXPECT_EQ(failed->transition().peer().state(), v1::PEER_STATE_FAILED);
  const v1::WatchResponse* removed =
      watch.NextTransition("b", v1::TRANSITION_REASON_REMOVED);
  ASSERT_NE(removed, nullptr) << watch.status().error_message();
  EXPECT_EQ(removed->transition().previous_state(), v1::PEER_STATE_FAILED);
  EXPECT_EQ(removed->transition().peer().state(), v1::PEER_STATE_REMOVED);
}

grpc::Status Forget(v1::FailureDetector::Stub* stub, const std::string& name,
                    v1::ForgetResponse* response) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(5));
  v1::ForgetRequest request;
  request.set_name(name);
  return stub->Forget(&context, request, response);
}

const v1::Peer* Listed(const v1::ListPeersResponse& list,
                       const std::string& name) {
  for (const v1::Peer& p : list.peers()) {
    if (p.name() == name) return &p;
  }
  return nullptr;
}

TEST(PeerApiMembershipTest, AFailedMemberIsListedCountedAndCanBeForgotten) {
  DaemonOptions options = TestDaemonOptions("a");
  options.gossip.failed_after = absl::Seconds(1);
  SimulatedPeers sim;
  StartPair(&sim, options);
  auto stub = sim.Stub("a");
  WatchReader watch(stub.get(), WatchFor({"b"}));
  ASSERT_NE(FirstSight(&watch), nullptr);
  // Alive: refused, naming its state; unknown and malformed names too.
  v1::ForgetResponse response;
  grpc::Status status = Forget(stub.get(), "b", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(status.error_message(), "ALIVE"))
      << status.error_message();
  status = Forget(stub.get(), "a", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Forget(stub.get(), "nobody", &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
  status = Forget(stub.get(), "bad name!", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(status.error_message(), "name"))
      << status.error_message();

  sim.Crash("b");
  sim.RunFor(absl::Seconds(8));
  ASSERT_NE(watch.NextTransition("b", v1::TRANSITION_REASON_FAILED), nullptr)
      << watch.status().error_message();
  // Still listed, as FAILED, and counted so.
  v1::ListPeersResponse list;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(stub->ListPeers(&context, v1::ListPeersRequest(), &list).ok());
  }
  const v1::Peer* listed = Listed(list, "b");
  ASSERT_NE(listed, nullptr);
  EXPECT_EQ(listed->state(), v1::PEER_STATE_FAILED);
  EXPECT_FALSE(listed->has_time_to_threshold());
  std::string metrics = sim.MetricsText("a");
  EXPECT_TRUE(absl::StrContains(metrics, "phid_members{state=\"failed\"} 1"))
      << metrics;
  EXPECT_TRUE(absl::StrContains(metrics, "phid_members{state=\"suspect\"} 0"))
      << metrics;

  status = Forget(stub.get(), "b", &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.peer().name(), "b");
  EXPECT_EQ(response.peer().state(), v1::PEER_STATE_FAILED);
  sim.RunFor(absl::Milliseconds(100));  // the hub hears with the next step
  const v1::WatchResponse* removed =
      watch.NextTransition("b", v1::TRANSITION_REASON_REMOVED);
  ASSERT_NE(removed, nullptr) << watch.status().error_message();
  EXPECT_EQ(removed->transition().previous_state(), v1::PEER_STATE_FAILED);
  {
    grpc::ClientContext context;
    ASSERT_TRUE(stub->ListPeers(&context, v1::ListPeersRequest(), &list).ok());
  }
  EXPECT_EQ(Listed(list, "b"), nullptr);
  EXPECT_EQ(Forget(stub.get(), "b", &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
  metrics = sim.MetricsText("a");
  EXPECT_TRUE(absl::StrContains(metrics, "phid_members{state=\"failed\"} 0"))
      << metrics;
  EXPECT_TRUE(absl::StrContains(
      metrics, "phid_membership_events_total{event=\"forgotten\"} 1"))
      << metrics;
}

}  // namespace
}  // namespace phid
