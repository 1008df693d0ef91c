// The phi.v1 API's semantics, as the PeerApi gives them and the real gRPC
// service carries them: two peers gossiping on simulated time
// (simulated_peers.h), called with real gRPC stubs on loopback. What each
// test asserts depends on simulated time alone.
#include "server/peer_api.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "server/simulated_peers.h"
#include "server/test_daemons.h"

namespace phid {
namespace {

namespace v1 = ::phi::v1;

// How `observer` judges `name` at `threshold`.
v1::PeerState StateAt(PeerApi& observer, const std::string& name,
                      double threshold) {
  v1::GetPeerRequest request;
  request.set_name(name);
  request.set_phi_threshold(threshold);
  absl::StatusOr<v1::Peer> peer = observer.GetPeer(request);
  return peer.ok() ? peer->state() : v1::PEER_STATE_UNSPECIFIED;
}

class PeerApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sim_.Start(TestDaemonOptions("a", {}, {{"role", "web"}}));
    sim_.Start(TestDaemonOptions("b", {sim_.address("a")}, {{"role", "db"}}));
    ASSERT_TRUE(
        sim_.RunUntil([&] { return sim_.Knows("a", "b"); }, absl::Seconds(10)))
        << "a never learned b";
    stub_ = sim_.Stub("a");
  }

  SimulatedPeers sim_;
  std::unique_ptr<v1::FailureDetector::Stub> stub_;
};

TEST_F(PeerApiTest, ListPeersShowsEveryMemberJudgedAtTheThreshold) {
  grpc::ClientContext context;
  v1::ListPeersRequest request;
  request.set_phi_threshold(5);
  v1::ListPeersResponse response;
  ASSERT_TRUE(stub_->ListPeers(&context, request, &response).ok());
  EXPECT_EQ(response.self(), "a");
  EXPECT_EQ(response.threshold(), 5);
  ASSERT_EQ(response.peers_size(), 2);  // by name: a (self), b
  EXPECT_TRUE(response.peers(0).is_self());
  const v1::Peer& b = response.peers(1);
  EXPECT_EQ(b.name(), "b");
  EXPECT_EQ(b.address(), sim_.address("b"));
  EXPECT_EQ(b.status(), v1::MEMBER_STATUS_ALIVE);
  EXPECT_EQ(b.state(), v1::PEER_STATE_ALIVE);
  EXPECT_EQ(b.threshold(), 5);
  EXPECT_EQ(b.tags().at("role"), "db");
  EXPECT_TRUE(b.has_time_to_threshold());
  EXPECT_GT(b.interval_mean_ms(), 0);
}

TEST_F(PeerApiTest, ListPeersFiltersByTags) {
  grpc::ClientContext context;
  v1::ListPeersRequest request;
  request.set_tag_selector("role=db");
  v1::ListPeersResponse response;
  ASSERT_TRUE(stub_->ListPeers(&context, request, &response).ok());
  ASSERT_EQ(response.peers_size(), 1);
  EXPECT_EQ(response.peers(0).name(), "b");
  EXPECT_EQ(response.threshold(), 8);  // the default
}

TEST_F(PeerApiTest, GetPeerOfAnUnknownNameIsNotFound) {
  grpc::ClientContext context;
  v1::GetPeerRequest request;
  request.set_name("nobody");
  v1::Peer peer;
  grpc::Status status = stub_->GetPeer(&context, request, &peer);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(),
            "no member named \"nobody\"; ListPeers shows the known names");
}

TEST_F(PeerApiTest, GetPeerAndWatchJudgeABadNameAlike) {
  for (const std::string& bad :
       {std::string("has space"), std::string(200, 'n'),
        std::string("a\x1b[2J")}) {
    grpc::ClientContext context;
    v1::GetPeerRequest request;
    request.set_name(bad);
    v1::Peer peer;
    const grpc::Status get = stub_->GetPeer(&context, request, &peer);
    WatchReader watch(stub_.get(), WatchFor({bad}));
    const grpc::Status watched = watch.Finish();
    EXPECT_EQ(get.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(watched.error_code(), get.error_code());
    EXPECT_TRUE(absl::StartsWith(get.error_message(), "name must be"));
    EXPECT_TRUE(absl::StartsWith(watched.error_message(), "names[0] must be"));
    // The same rest of the message: one rule.
    EXPECT_EQ(get.error_message().substr(4), watched.error_message().substr(8));
    EXPECT_LT(get.error_message().size(), 200u);
    EXPECT_FALSE(absl::StrContains(get.error_message(), "\x1b[")) << "raw ESC";
  }
}

TEST_F(PeerApiTest, WatchReportsNamesNoMemberHasInTheSnapshot) {
  WatchReader watch(stub_.get(), WatchFor({"b", "nodd-b"}));
  const v1::WatchResponse* snapshot =
      watch.ReadUntil([](const auto& m) { return m.has_snapshot(); });
  ASSERT_NE(snapshot, nullptr) << watch.status().error_message();
  ASSERT_EQ(snapshot->snapshot().unknown_names_size(), 1);
  EXPECT_EQ(snapshot->snapshot().unknown_names(0), "nodd-b");
  watch.context().TryCancel();
}

TEST_F(PeerApiTest, WatchNamesAreCapped) {
  std::vector<std::string> names;
  for (int i = 0; i <= 1000; ++i) names.push_back(absl::StrCat("n", i));
  WatchReader watch(stub_.get(), WatchFor(names));
  const grpc::Status status = watch.Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(status.error_message(),
                               "names holds 1001 names; at most 1000"))
      << status.error_message();
}

TEST_F(PeerApiTest, GetPeerReturnsOneMember) {
  grpc::ClientContext context;
  v1::GetPeerRequest request;
  request.set_name("b");
  v1::Peer peer;
  ASSERT_TRUE(stub_->GetPeer(&context, request, &peer).ok());
  EXPECT_EQ(peer.name(), "b");
  EXPECT_EQ(peer.state(), v1::PEER_STATE_ALIVE);
  EXPECT_LT(peer.phi(), 8);
}

TEST_F(PeerApiTest, InvalidUnaryArgumentsNameTheField) {
  struct Case {
    std::function<grpc::Status()> call;
    std::string field;
  };
  std::vector<Case> cases = {
      {[&] {
         grpc::ClientContext c;
         v1::ListPeersRequest r;
         r.set_phi_threshold(70);
         v1::ListPeersResponse out;
         return stub_->ListPeers(&c, r, &out);
       },
       "phi_threshold must be in (0, 64], got 70"},
      {[&] {
         grpc::ClientContext c;
         v1::ListPeersRequest r;
         r.set_tag_selector("role");
         v1::ListPeersResponse out;
         return stub_->ListPeers(&c, r, &out);
       },
       "tag_selector"},
      {[&] {
         grpc::ClientContext c;
         v1::GetPeerRequest r;
         v1::Peer out;
         return stub_->GetPeer(&c, r, &out);
       },
       "name must be set"},
      {[&] {
         grpc::ClientContext c;
         v1::GetPeerRequest r;
         r.set_name("b");
         r.set_phi_threshold(-2);
         v1::Peer out;
         return stub_->GetPeer(&c, r, &out);
       },
       "phi_threshold"},
  };
  for (const Case& c : cases) {
    grpc::Status status = c.call();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << status.error_message();
    EXPECT_TRUE(absl::StrContains(status.error_message(), c.field))
        << status.error_message();
  }
}

TEST_F(PeerApiTest, EveryInvalidWatchArgumentIsRejectedNamingTheField) {
  struct Case {
    std::function<void(v1::WatchRequest*)> set;
    std::string expected;
  };
  std::vector<Case> cases = {
      {[](auto* r) { r->set_phi_threshold(70); },
       "phi_threshold must be in (0, 64], got 70"},
      {[](auto* r) { r->set_phi_threshold(-1); }, "phi_threshold"},
      {[](auto* r) {
         r->set_phi_threshold(3);
         r->set_recovery_threshold(4);
       },
       "recovery_threshold must be in (0, phi_threshold] = (0, 3], got 4"},
      {[](auto* r) { r->set_recovery_threshold(-1); }, "recovery_threshold"},
      {[](auto* r) { r->add_names("bad name"); }, "names[0]"},
      {[](auto* r) { r->set_tag_selector("=x"); }, "tag_selector"},
      {[](auto* r) { r->mutable_level_interval()->set_nanos(10000000); },
       "level_interval must be 0 (no levels) or at least 100ms, got 10ms"},
      {[](auto* r) { r->mutable_idle_interval()->set_seconds(7200); },
       "idle_interval must be 0"},
      {[](auto* r) { r->mutable_idle_interval()->set_nanos(50000000); },
       "got 50ms"},
  };
  for (const Case& c : cases) {
    v1::WatchRequest request;
    c.set(&request);
    WatchReader watch(stub_.get(), request);
    grpc::Status status = watch.Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << request.ShortDebugString() << ": " << status.error_message();
    EXPECT_TRUE(absl::StrContains(status.error_message(), c.expected))
        << status.error_message();
    EXPECT_TRUE(watch.messages().empty());
  }
}

TEST_F(PeerApiTest, WatchStartsWithASnapshotThenSequencesByOne) {
  v1::WatchRequest request = WatchFor({}, 0);
  request.mutable_idle_interval()->set_nanos(100000000);
  WatchReader watch(stub_.get(), request);
  ASSERT_NE(watch.ReadUntil([](const auto& m) { return m.has_snapshot(); }),
            nullptr);
  sim_.RunFor(absl::Milliseconds(350));  // three idle intervals and a half
  int heartbeats = 0;
  ASSERT_NE(watch.ReadUntil([&](const auto& m) {
    heartbeats += m.has_heartbeat();
    return heartbeats == 2;
  }),
            nullptr);
  const auto& messages = watch.messages();
  ASSERT_TRUE(messages[0].has_snapshot());
  EXPECT_EQ(messages[0].snapshot().self(), "a");
  EXPECT_EQ(messages[0].snapshot().peers_size(), 2);
  for (size_t i = 0; i < messages.size(); ++i) {
    EXPECT_EQ(messages[i].sequence(), i + 1);
    EXPECT_EQ(messages[i].epoch(), messages[0].epoch());
    EXPECT_GT(messages[i].sent_unix_micros(), 0);
  }
  EXPECT_NE(messages[0].epoch(), 0u);
}

TEST_F(PeerApiTest, TagSelectorAndNamesFilterTheWatch) {
  v1::WatchRequest by_tag;
  by_tag.set_tag_selector("role=db");
  WatchReader tagged(stub_.get(), by_tag);
  ASSERT_NE(tagged.ReadUntil([](const auto& m) { return m.has_snapshot(); }),
            nullptr);
  ASSERT_EQ(tagged.messages()[0].snapshot().peers_size(), 1);
  EXPECT_EQ(tagged.messages()[0].snapshot().peers(0).name(), "b");

  WatchReader named(stub_.get(), WatchFor({"a"}));
  ASSERT_NE(named.ReadUntil([](const auto& m) { return m.has_snapshot(); }),
            nullptr);
  ASSERT_EQ(named.messages()[0].snapshot().peers_size(), 1);
  EXPECT_TRUE(named.messages()[0].snapshot().peers(0).is_self());

  // A crash of b reaches the tag watcher, not the one watching only a.
  sim_.Crash("b");
  sim_.RunFor(absl::Seconds(3));
  EXPECT_NE(tagged.NextTransition("b", v1::TRANSITION_REASON_CROSSED_THRESHOLD),
            nullptr);
  tagged.context().TryCancel();
  named.context().TryCancel();
  EXPECT_EQ(named.Finish().error_code(), grpc::StatusCode::CANCELLED);
  for (const auto& m : named.messages()) EXPECT_FALSE(m.has_transition());
}

// TwoThresholdsSeeSuspicionAtTheirOwnTimes, which measures when transitions
// fire on a hub alone: failure_detector_service_sim_test.cc.

TEST_F(PeerApiTest, RecoveryComesOnTheFirstArrivalBelowTheRecoveryLevel) {
  v1::WatchRequest request = WatchFor({"b"}, 4);
  request.set_recovery_threshold(1);
  WatchReader watch(stub_.get(), request);
  ASSERT_NE(watch.ReadUntil([](const auto& m) { return m.has_snapshot(); }),
            nullptr);
  sim_.Pause("b", true);
  ASSERT_TRUE(sim_.RunUntil(
      [&] { return StateAt(sim_.api("a"), "b", 4) == v1::PEER_STATE_SUSPECT; },
      absl::Seconds(5)));
  ASSERT_NE(watch.NextTransition("b", v1::TRANSITION_REASON_CROSSED_THRESHOLD),
            nullptr);
  sim_.Pause("b", false);
  sim_.RunFor(absl::Seconds(1));
  const v1::WatchResponse* recovered =
      watch.NextTransition("b", v1::TRANSITION_REASON_RECOVERED);
  ASSERT_NE(recovered, nullptr) << watch.status().error_message();
  EXPECT_LT(recovered->transition().phi(), 1);
  EXPECT_EQ(recovered->transition().previous_state(), v1::PEER_STATE_SUSPECT);
  EXPECT_EQ(recovered->transition().peer().state(), v1::PEER_STATE_ALIVE);
}

TEST_F(PeerApiTest, LeavingIsReportedAsLeftNotSuspect) {
  WatchReader watch(stub_.get(), WatchFor({"b"}));
  ASSERT_NE(watch.ReadUntil([](const auto& m) { return m.has_snapshot(); }),
            nullptr);
  sim_.Leave("b");
  sim_.RunFor(absl::Seconds(3));
  const v1::WatchResponse* left =
      watch.ReadUntil([](const auto& m) { return m.has_transition(); });
  ASSERT_NE(left, nullptr);
  EXPECT_EQ(left->transition().reason(), v1::TRANSITION_REASON_LEFT);
  EXPECT_EQ(left->transition().peer().state(), v1::PEER_STATE_LEFT);
}

TEST(ServiceLimitsTest, WatchersPastTheCapAreRefused) {
  DaemonOptions options = TestDaemonOptions("solo");
  options.max_watchers = 2;
  SimulatedPeers sim;
  sim.Start(options);
  auto stub = sim.Stub("solo");
  WatchReader one(stub.get(), WatchFor({}));
  WatchReader two(stub.get(), WatchFor({}));
  ASSERT_NE(one.ReadUntil([](const auto& m) { return m.has_snapshot(); }),
            nullptr);
  ASSERT_NE(two.ReadUntil([](const auto& m) { return m.has_snapshot(); }),
            nullptr);
  WatchReader three(stub.get(), WatchFor({}));
  grpc::Status status = three.Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(absl::StrContains(status.error_message(), "max_watchers"));
}

}  // namespace
}  // namespace phid
