// The daemon as a whole, on real sockets: shutdown ends every watch, metrics
// and the status page over HTTP, start-up errors. What the API reports of
// pauses, restarts and failed members runs on simulated time:
// peer_api_membership_test.cc.
#include "server/daemon.h"

#include <chrono>
#include <memory>

#include "absl/strings/match.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "server/test_daemons.h"

namespace phid {
namespace {

namespace v1 = ::phi::v1;

// How long the shutdown takes (bounded by --shutdown_timeout) is measured
// on the real process: e2e_leave_test.
TEST(DaemonTest, ShutdownEndsEveryWatchWithUnavailable) {
  auto daemon = StartTestDaemon(TestDaemonOptions("a"));
  auto stub = StubFor(*daemon);
  WatchReader one(stub.get(), WatchFor({}));
  WatchReader two(stub.get(), WatchFor({}, 3));
  ASSERT_NE(one.ReadUntil([](const auto& m) { return m.has_snapshot(); }),
            nullptr);
  ASSERT_NE(two.ReadUntil([](const auto& m) { return m.has_snapshot(); }),
            nullptr);
  daemon->RequestShutdown();
  for (WatchReader* watch : {&one, &two}) {
    grpc::Status status = watch->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
    EXPECT_EQ(status.error_message(), "phid is shutting down");
  }
  daemon->Wait();
  // New calls find nobody listening.
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(2));
  v1::ListPeersResponse peers;
  EXPECT_FALSE(stub->ListPeers(&context, v1::ListPeersRequest(), &peers).ok());
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
