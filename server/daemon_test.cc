// The daemon as a whole: shutdown, observer pauses, restarts, failed
// members and forgetting them, metrics over HTTP, start-up errors.
#include "server/daemon.h"

#include <chrono>
#include <memory>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "server/test_daemons.h"

namespace phid {
namespace {

namespace v1 = ::phi::v1;

v1::WatchRequest Idle100ms(std::vector<std::string> names, double t = 0) {
  v1::WatchRequest request = WatchFor(std::move(names), t);
  request.mutable_idle_interval()->set_nanos(100000000);
  return request;
}

TEST(DaemonTest, ShutdownEndsEveryWatchWithUnavailableWithinTheBound) {
  auto daemon = StartTestDaemon(TestDaemonOptions("a"));
  auto stub = StubFor(*daemon);
  WatchReader one(stub.get(), WatchFor({}));
  WatchReader two(stub.get(), WatchFor({}, 3));
  ASSERT_NE(one.ReadUntil([](const auto& m) { return m.has_snapshot(); }),
            nullptr);
  ASSERT_NE(two.ReadUntil([](const auto& m) { return m.has_snapshot(); }),
            nullptr);
  absl::Time start = absl::Now();
  daemon->RequestShutdown();
  for (WatchReader* watch : {&one, &two}) {
    grpc::Status status = watch->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
    EXPECT_EQ(status.error_message(), "phid is shutting down");
  }
  daemon->Wait();
  EXPECT_LT(absl::Now() - start, absl::Seconds(3.5));
  // New calls find nobody listening.
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(2));
  v1::ListPeersResponse peers;
  EXPECT_FALSE(stub->ListPeers(&context, v1::ListPeersRequest(), &peers).ok());
}

TEST(DaemonTest, AnObserverPauseIsReportedAndSuspectsNobody) {
  auto a = StartTestDaemon(TestDaemonOptions("a"));
  auto b = StartTestDaemon(TestDaemonOptions("b", {a->gossip_address()}));
  auto stub_a = StubFor(*a);
  auto stub_b = StubFor(*b);
  WatchReader on_a(stub_a.get(), Idle100ms({"b"}, 3));
  ASSERT_NE(on_a.ReadUntil([](const auto& m) {
    return (m.has_snapshot() && m.snapshot().peers_size() == 1) ||
           (m.has_transition() &&
            m.transition().reason() == v1::TRANSITION_REASON_JOINED);
  }),
            nullptr);
  // b's idle heartbeats are the clock while a is frozen.
  WatchReader clock_b(stub_b.get(), Idle100ms({"nobody"}));
  a->PauseForTesting(true);
  int ticks = 0;
  ASSERT_NE(clock_b.ReadUntil([&](const auto& m) {
    return m.has_heartbeat() && ++ticks == 15;
  }),
            nullptr);
  a->PauseForTesting(false);
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
}

TEST(DaemonTest, ARestartAFailureAndTheEndOfItsRetentionAreReported) {
  DaemonOptions options = TestDaemonOptions("a");
  options.gossip.failed_after = absl::Seconds(1);
  options.gossip.failed_member_retention = absl::Seconds(1);
  auto a = StartTestDaemon(options);
  auto b = StartTestDaemon(TestDaemonOptions("b", {a->gossip_address()}));
  auto stub = StubFor(*a);
  WatchReader watch(stub.get(), WatchFor({"b"}));
  ASSERT_NE(watch.ReadUntil([](const auto& m) {
    return (m.has_snapshot() && m.snapshot().peers_size() == 1) ||
           m.has_transition();
  }),
            nullptr);
  uint64_t first_generation = 0;
  for (const auto& m : watch.messages()) {
    if (m.has_snapshot()) {
      for (const auto& p : m.snapshot().peers())
        first_generation = p.generation();
    }
    if (m.has_transition())
      first_generation = m.transition().peer().generation();
  }
  b->CrashForTesting();
  b.reset();
  b = StartTestDaemon(TestDaemonOptions("b", {a->gossip_address()}));
  const v1::WatchResponse* restarted =
      watch.NextTransition("b", v1::TRANSITION_REASON_RESTARTED);
  ASSERT_NE(restarted, nullptr) << watch.status().error_message();
  EXPECT_GT(restarted->transition().peer().generation(), first_generation);
  EXPECT_EQ(restarted->transition().peer().state(), v1::PEER_STATE_ALIVE);

  b->CrashForTesting();
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

TEST(DaemonTest, AFailedMemberIsListedCountedAndCanBeForgotten) {
  DaemonOptions options = TestDaemonOptions("a");
  options.gossip.failed_after = absl::Seconds(1);
  auto a = StartTestDaemon(options);
  auto b = StartTestDaemon(TestDaemonOptions("b", {a->gossip_address()}));
  auto stub = StubFor(*a);
  WatchReader watch(stub.get(), WatchFor({"b"}));
  ASSERT_NE(watch.ReadUntil([](const auto& m) {
    return (m.has_snapshot() && m.snapshot().peers_size() == 1) ||
           m.has_transition();
  }),
            nullptr);
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

  b->CrashForTesting();
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
  std::string metrics = a->MetricsText();
  EXPECT_TRUE(absl::StrContains(metrics, "phid_members{state=\"failed\"} 1"))
      << metrics;
  EXPECT_TRUE(absl::StrContains(metrics, "phid_members{state=\"suspect\"} 0"))
      << metrics;

  status = Forget(stub.get(), "b", &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.peer().name(), "b");
  EXPECT_EQ(response.peer().state(), v1::PEER_STATE_FAILED);
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
  metrics = a->MetricsText();
  EXPECT_TRUE(absl::StrContains(metrics, "phid_members{state=\"failed\"} 0"))
      << metrics;
  EXPECT_TRUE(absl::StrContains(
      metrics, "phid_membership_events_total{event=\"forgotten\"} 1"))
      << metrics;
}

TEST(DaemonTest, MetricsAreServedOverHttp) {
  DaemonOptions options = TestDaemonOptions("m");
  options.metrics_address = "127.0.0.1:0";
  auto daemon = StartTestDaemon(options);
  ASSERT_GT(daemon->metrics_port(), 0);
  httplib::Client client("127.0.0.1", daemon->metrics_port());
  client.set_read_timeout(5);
  auto response = client.Get("/metrics");
  ASSERT_TRUE(response) << "no answer from /metrics";
  EXPECT_EQ(response->status, 200);
  for (const char* line :
       {"phid_members{state=\"alive\"} 1\n", "phid_watchers 0\n",
        "phid_gossip_drops_total{reason=\"auth_failed\"} 0\n",
        "phid_watch_transitions_total{reason=\"crossed_threshold\"} 0\n",
        "# TYPE phid_peer_phi gauge\n", "phid_pauses_total 0\n"}) {
    EXPECT_TRUE(absl::StrContains(response->body, line)) << line;
  }
}

TEST(DaemonTest, TheStatusPageAndItsJsonAreServedOnTheMetricsPort) {
  DaemonOptions options = TestDaemonOptions("a");
  options.metrics_address = "127.0.0.1:0";
  auto a = StartTestDaemon(options);
  auto stub = StubFor(*a);
  WatchReader watch(stub.get(), WatchFor({"b"}));
  auto b = StartTestDaemon(TestDaemonOptions("b", {a->gossip_address()}));
  // The page's log is sent the same transitions in the same round.
  ASSERT_NE(watch.NextTransition("b", v1::TRANSITION_REASON_JOINED), nullptr);

  httplib::Client client("127.0.0.1", a->metrics_port());
  client.set_read_timeout(5);
  auto page = client.Get("/");
  ASSERT_TRUE(page) << "no answer from /";
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_TRUE(absl::StrContains(page->body, "v1/peers?"));

  auto peers = client.Get("/v1/peers?sort=phi&limit=1&q=B");
  ASSERT_TRUE(peers);
  EXPECT_EQ(peers->status, 200);
  google::protobuf::Struct json;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(peers->body, &json).ok())
      << peers->body;
  EXPECT_EQ(json.fields().at("total").number_value(), 2);
  EXPECT_EQ(json.fields().at("matched").number_value(), 1);
  EXPECT_EQ(json.fields().at("self").string_value(), "a");
  const auto& peer =
      json.fields().at("peers").list_value().values(0).struct_value().fields();
  EXPECT_EQ(peer.at("name").string_value(), "b");
  EXPECT_EQ(peer.at("address").string_value(), b->gossip_address());

  auto events = client.Get("/v1/events");
  ASSERT_TRUE(events);
  EXPECT_TRUE(absl::StrContains(events->body,
                                "\"reason\":\"TRANSITION_REASON_JOINED\""))
      << events->body;
  EXPECT_TRUE(absl::StrContains(events->body, "\"name\":\"b\""));

  auto bad = client.Get("/v1/peers?phi_threshold=99");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_TRUE(absl::StrContains(bad->body, "phi_threshold")) << bad->body;
}

TEST(DaemonTest, StartUpErrorsNameTheCulprit) {
  DaemonOptions bad = TestDaemonOptions("x");
  bad.max_watchers = 0;
  absl::StatusOr<std::unique_ptr<Daemon>> d = Daemon::Start(bad);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(d.status().message(), "max_watchers"));

  auto first = StartTestDaemon(TestDaemonOptions("y"));
  DaemonOptions clash = TestDaemonOptions("z");
  clash.grpc_address = "127.0.0.1:" + std::to_string(first->grpc_port());
  d = Daemon::Start(clash);
  ASSERT_FALSE(d.ok());
  EXPECT_TRUE(absl::StrContains(d.status().message(), clash.grpc_address))
      << d.status();
}

}  // namespace
}  // namespace phid
