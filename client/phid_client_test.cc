// PhidClient against an in-process FakeFailureDetector over real loopback
// gRPC. Waits are bounded by RPC deadlines, never by sleeps.
#include "client/phid_client.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/fake_failure_detector.h"
#include "client/watch_state.h"
#include "gtest/gtest.h"
#include "proto/phi.pb.h"

namespace phid {
namespace {

// Generous bound for anything that should happen "promptly" on a loaded
// 2-core machine; the happy path takes milliseconds.
constexpr absl::Duration kPrompt = absl::Seconds(2);
constexpr absl::Duration kTestTimeout = absl::Seconds(10);

// A loopback port with nothing listening: bound, then released.
int ClosedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)),
            0);
  socklen_t length = sizeof(address);
  EXPECT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
  close(fd);
  return ntohs(address.sin_port);
}

// Fast reconnects and a deterministic jitter for tests.
WatchOptions TestWatchOptions() {
  WatchOptions options;
  options.backoff.initial = absl::Milliseconds(10);
  options.backoff.max = absl::Milliseconds(100);
  options.seed = 1;
  return options;
}

class PhidClientTest : public ::testing::Test {
 protected:
  PhidClientTest() : server_(&fake_) {
    ClientOptions options;
    options.deadline = absl::Seconds(5);
    auto client = PhidClient::Create(server_.target(), options);
    EXPECT_TRUE(client.ok()) << client.status();
    client_ = *std::move(client);
  }

  ~PhidClientTest() override { server_.Shutdown(); }

  FakeFailureDetector fake_;
  FakeServer server_;
  std::unique_ptr<PhidClient> client_;
};

TEST_F(PhidClientTest, ListPeersReturnsEveryMemberIncludingSelf) {
  absl::StatusOr<phi::v1::ListPeersResponse> response =
      client_->ListPeers(phi::v1::ListPeersRequest());
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->self(), "a");
  ASSERT_EQ(response->peers_size(), 3);
  EXPECT_TRUE(response->peers(0).is_self());
}

TEST_F(PhidClientTest, ListPeersSendsTheThresholdAndTagSelector) {
  phi::v1::ListPeersRequest request;
  request.set_phi_threshold(12);
  request.set_tag_selector("dc=eu");
  absl::StatusOr<phi::v1::ListPeersResponse> response =
      client_->ListPeers(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->threshold(), 12);
  EXPECT_EQ(fake_.last_list_peers_request().phi_threshold(), 12);
  EXPECT_EQ(fake_.last_list_peers_request().tag_selector(), "dc=eu");
}

TEST_F(PhidClientTest, GetPeerReturnsTheMemberJudgedAgainstTheThreshold) {
  absl::StatusOr<phi::v1::Peer> peer = client_->GetPeer("c", 10);
  ASSERT_TRUE(peer.ok()) << peer.status();
  EXPECT_EQ(peer->name(), "c");
  EXPECT_EQ(peer->threshold(), 10);
  EXPECT_EQ(peer->state(), phi::v1::PEER_STATE_ALIVE);  // phi 9.3 < 10
}

TEST_F(PhidClientTest, GetPeerOfAnUnknownNameIsNotFound) {
  absl::StatusOr<phi::v1::Peer> peer = client_->GetPeer("zed");
  EXPECT_TRUE(absl::IsNotFound(peer.status())) << peer.status();
  EXPECT_TRUE(absl::StrContains(peer.status().message(), "zed"))
      << peer.status();
}

TEST_F(PhidClientTest, ABadThresholdIsInvalidArgument) {
  absl::StatusOr<phi::v1::Peer> peer = client_->GetPeer("b", 100);
  EXPECT_TRUE(absl::IsInvalidArgument(peer.status())) << peer.status();
}

TEST(PhidClientCreateTest, RejectsAnEmptyTargetAndAZeroDeadline) {
  EXPECT_TRUE(absl::IsInvalidArgument(PhidClient::Create("").status()));
  ClientOptions options;
  options.deadline = absl::ZeroDuration();
  EXPECT_TRUE(absl::IsInvalidArgument(
      PhidClient::Create("127.0.0.1:7070", options).status()));
}

TEST(PhidClientUnreachableTest, SaysHowToStartTheDaemon) {
  const std::string target = absl::StrCat("127.0.0.1:", ClosedPort());
  ClientOptions options;
  options.deadline = absl::Seconds(2);
  auto client = PhidClient::Create(target, options);
  ASSERT_TRUE(client.ok());

  const absl::Time start = absl::Now();
  absl::StatusOr<phi::v1::ListPeersResponse> response =
      (*client)->ListPeers(phi::v1::ListPeersRequest());
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));

  EXPECT_TRUE(absl::IsUnavailable(response.status())) << response.status();
  const std::string message(response.status().message());
  EXPECT_TRUE(absl::StartsWith(
      message, absl::StrCat("cannot reach phid at ", target,
                            " (is the daemon running? start it with `bazel "
                            "run //server:phid` or pass --target)")))
      << message;
}

TEST(PhidClientUnreachableTest, TheHintCanBeReplaced) {
  ClientOptions options;
  options.deadline = absl::Seconds(2);
  options.unreachable_hint = "check PHID_TARGET in /etc/myservice.conf";
  auto client =
      PhidClient::Create(absl::StrCat("127.0.0.1:", ClosedPort()), options);
  ASSERT_TRUE(client.ok());
  absl::StatusOr<phi::v1::Peer> peer = (*client)->GetPeer("a");
  EXPECT_TRUE(absl::StrContains(peer.status().message(),
                                "(check PHID_TARGET in /etc/myservice.conf)"))
      << peer.status();
}

// Collects what a WatchSession delivers, for the test thread to wait on.
class Recorder {
 public:
  WatchCallbacks Callbacks() {
    WatchCallbacks callbacks;
    callbacks.on_message = [this](const phi::v1::WatchResponse& message) {
      absl::MutexLock lock(&mu_);
      messages_.push_back(message);
    };
    callbacks.on_status = [this](const absl::Status& status) {
      absl::MutexLock lock(&mu_);
      statuses_.push_back(status);
    };
    callbacks.on_done = [this](const absl::Status& status) {
      absl::MutexLock lock(&mu_);
      done_.push_back(status);
    };
    return callbacks;
  }

  // Waits until `count` snapshots arrived. False on timeout.
  bool WaitForSnapshots(int count) {
    absl::MutexLock lock(&mu_);
    auto enough = [this, count]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      int snapshots = 0;
      for (const auto& message : messages_) snapshots += message.has_snapshot();
      return snapshots >= count;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&enough), kTestTimeout);
  }

  bool WaitForMessages(int count) {
    absl::MutexLock lock(&mu_);
    auto enough = [this, count]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return static_cast<int>(messages_.size()) >= count;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&enough), kTestTimeout);
  }

  bool WaitForStatuses(int count) {
    absl::MutexLock lock(&mu_);
    auto enough = [this, count]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return static_cast<int>(statuses_.size()) >= count;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&enough), kTestTimeout);
  }

  bool WaitForDone() {
    absl::MutexLock lock(&mu_);
    auto done = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return !done_.empty();
    };
    return mu_.AwaitWithTimeout(absl::Condition(&done), kTestTimeout);
  }

  std::vector<phi::v1::WatchResponse> messages() {
    absl::MutexLock lock(&mu_);
    return messages_;
  }
  std::vector<absl::Status> statuses() {
    absl::MutexLock lock(&mu_);
    return statuses_;
  }
  std::vector<absl::Status> done() {
    absl::MutexLock lock(&mu_);
    return done_;
  }

 private:
  absl::Mutex mu_;
  std::vector<phi::v1::WatchResponse> messages_ ABSL_GUARDED_BY(mu_);
  std::vector<absl::Status> statuses_ ABSL_GUARDED_BY(mu_);
  std::vector<absl::Status> done_ ABSL_GUARDED_BY(mu_);
};

TEST_F(PhidClientTest, WatchStreamDeliversTheSnapshotThenTransitions) {
  auto stream = client_->Watch(phi::v1::WatchRequest(), TestWatchOptions());
  ASSERT_TRUE(stream.ok()) << stream.status();
  phi::v1::WatchResponse message;
  ASSERT_TRUE((*stream)->Next(&message));
  EXPECT_TRUE(message.has_snapshot());
  EXPECT_EQ(message.sequence(), 1u);
  ASSERT_TRUE((*stream)->Next(&message));
  EXPECT_EQ(message.transition().peer().name(), "b");
  ASSERT_TRUE((*stream)->Next(&message));
  EXPECT_EQ(message.transition().peer().name(), "c");
  EXPECT_EQ((*stream)->connections(), 1);
}

TEST_F(PhidClientTest, WatchStreamReconnectsAndGetsASecondSnapshot) {
  FakeWatchPlan dropped;
  dropped.end = grpc::Status(grpc::StatusCode::UNAVAILABLE, "shutting down");
  fake_.QueueWatchPlan(dropped);
  std::vector<absl::Status> disconnects;
  WatchOptions options = TestWatchOptions();
  options.on_disconnect = [&](const absl::Status& status, absl::Duration) {
    disconnects.push_back(status);
  };
  phi::v1::WatchRequest request;
  request.set_phi_threshold(5);
  request.add_names("b");

  auto stream = client_->Watch(request, options);
  ASSERT_TRUE(stream.ok());
  WatchState state;
  phi::v1::WatchResponse message;
  int snapshots = 0;
  while (snapshots < 2 && (*stream)->Next(&message)) {
    if (message.has_snapshot()) ++snapshots;
    state.Apply(message);
  }
  EXPECT_EQ(snapshots, 2);
  EXPECT_EQ((*stream)->connections(), 2);
  ASSERT_EQ(disconnects.size(), 1u);
  EXPECT_TRUE(absl::IsUnavailable(disconnects[0])) << disconnects[0];
  EXPECT_TRUE(absl::StrContains(disconnects[0].message(), "shutting down"));
  // Resubscribed with the same request.
  const std::vector<phi::v1::WatchRequest> requests = fake_.watch_requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].SerializeAsString(), request.SerializeAsString());
  EXPECT_TRUE(state.has_snapshot());
  EXPECT_EQ(state.peers().size(), 3u);
}

TEST_F(PhidClientTest, WatchStreamEndsOnAnErrorThatRetryingCannotFix) {
  FakeWatchPlan rejected;
  rejected.events.clear();
  rejected.end = grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                              "recovery_threshold above phi_threshold");
  fake_.QueueWatchPlan(rejected);
  auto stream = client_->Watch(phi::v1::WatchRequest(), TestWatchOptions());
  ASSERT_TRUE(stream.ok());
  phi::v1::WatchResponse message;
  ASSERT_TRUE((*stream)->Next(&message));  // the snapshot
  EXPECT_FALSE((*stream)->Next(&message));
  EXPECT_TRUE(absl::IsInvalidArgument((*stream)->status()))
      << (*stream)->status();
  EXPECT_FALSE((*stream)->Next(&message));
  EXPECT_EQ(fake_.watch_requests().size(), 1u);
}

TEST_F(PhidClientTest, WatchStreamReconnectsWhenTheDaemonGoesSilent) {
  // The default plan stays open without idle heartbeats.
  WatchOptions options = TestWatchOptions();
  options.liveness_timeout = absl::Milliseconds(300);
  std::vector<absl::Status> disconnects;
  options.on_disconnect = [&](const absl::Status& status, absl::Duration) {
    disconnects.push_back(status);
  };
  auto stream = client_->Watch(phi::v1::WatchRequest(), options);
  ASSERT_TRUE(stream.ok());
  phi::v1::WatchResponse message;
  int snapshots = 0;
  while (snapshots < 2 && (*stream)->Next(&message)) {
    snapshots += message.has_snapshot();
  }
  EXPECT_EQ(snapshots, 2);
  ASSERT_FALSE(disconnects.empty());
  EXPECT_TRUE(absl::IsUnavailable(disconnects[0]));
  EXPECT_TRUE(absl::StrContains(disconnects[0].message(), "sent nothing for"))
      << disconnects[0];
}

TEST_F(PhidClientTest,
       WatchStreamDerivesItsLivenessTimeoutFromTheIdleInterval) {
  phi::v1::WatchRequest request;
  request.mutable_idle_interval()->set_seconds(2);
  auto derived = client_->Watch(request);
  ASSERT_TRUE(derived.ok());
  EXPECT_EQ((*derived)->liveness_timeout(), absl::Seconds(7));
  auto by_default = client_->Watch(phi::v1::WatchRequest());
  ASSERT_TRUE(by_default.ok());
  EXPECT_EQ((*by_default)->liveness_timeout(), absl::Seconds(16));
}

TEST_F(PhidClientTest, CancelEndsABlockedNextPromptly) {
  auto stream = client_->Watch(phi::v1::WatchRequest(), TestWatchOptions());
  ASSERT_TRUE(stream.ok());
  phi::v1::WatchResponse message;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE((*stream)->Next(&message));
  // The stream is now open and silent: Next blocks until cancelled.
  absl::Time cancelled_at;
  std::thread canceller([&] {
    ASSERT_TRUE(fake_.WaitForWatchCalls(1, kTestTimeout));
    cancelled_at = absl::Now();
    (*stream)->Cancel();
  });
  EXPECT_FALSE((*stream)->Next(&message));
  const absl::Time returned_at = absl::Now();
  canceller.join();
  EXPECT_LT(returned_at - cancelled_at, kPrompt);
  EXPECT_TRUE(absl::IsCancelled((*stream)->status()));
  EXPECT_TRUE(fake_.WaitForNoOpenStreams(kTestTimeout));
}

TEST_F(PhidClientTest, WatchSessionReconnectsAfterUnavailable) {
  FakeWatchPlan dropped;
  dropped.end = grpc::Status(grpc::StatusCode::UNAVAILABLE, "shutting down");
  fake_.QueueWatchPlan(dropped);
  Recorder recorder;
  auto session = client_->StartWatch(phi::v1::WatchRequest(),
                                     recorder.Callbacks(), TestWatchOptions());
  ASSERT_TRUE(session.ok()) << session.status();

  ASSERT_TRUE(recorder.WaitForSnapshots(2));
  ASSERT_EQ(recorder.statuses().size(), 1u);
  EXPECT_TRUE(absl::IsUnavailable(recorder.statuses()[0]));
  EXPECT_EQ(fake_.watch_requests().size(), 2u);

  const absl::Time start = absl::Now();
  (*session)->Stop();
  EXPECT_LT(absl::Now() - start, kPrompt);
  ASSERT_EQ(recorder.done().size(), 1u);
  EXPECT_TRUE(absl::IsCancelled(recorder.done()[0]));
  EXPECT_EQ(recorder.statuses().size(), 1u);  // Stop is not a disconnect
  EXPECT_TRUE(fake_.WaitForNoOpenStreams(kTestTimeout));
}

TEST_F(PhidClientTest, WatchSessionSeesTheNewEpochAfterARestart) {
  FakeWatchPlan before;
  before.epoch = 1;
  before.end = grpc::Status(grpc::StatusCode::UNAVAILABLE, "shutting down");
  fake_.QueueWatchPlan(before);
  FakeWatchPlan after;
  after.epoch = 2;
  fake_.QueueWatchPlan(after);
  Recorder recorder;
  auto session = client_->StartWatch(phi::v1::WatchRequest(),
                                     recorder.Callbacks(), TestWatchOptions());
  ASSERT_TRUE(session.ok());
  ASSERT_TRUE(recorder.WaitForSnapshots(2));
  (*session)->Stop();

  WatchState state;
  bool restarted = false;
  for (const auto& message : recorder.messages()) {
    restarted |= state.Apply(message).new_epoch;
  }
  EXPECT_TRUE(restarted);
  EXPECT_EQ(state.epoch(), 2u);
}

TEST(PhidClientUnreachableTest, WatchSessionStopsPromptlyWhileBackingOff) {
  const std::string target = absl::StrCat("127.0.0.1:", ClosedPort());
  auto client = PhidClient::Create(target);
  ASSERT_TRUE(client.ok());
  WatchOptions options;
  options.backoff.initial = absl::Seconds(30);  // longer than the test
  options.backoff.max = absl::Seconds(30);
  Recorder recorder;
  auto session = (*client)->StartWatch(phi::v1::WatchRequest(),
                                       recorder.Callbacks(), options);
  ASSERT_TRUE(session.ok());
  // The first attempt fails fast (connection refused); then it waits 30 s.
  ASSERT_TRUE(recorder.WaitForStatuses(1));
  EXPECT_TRUE(absl::StrContains(recorder.statuses()[0].message(),
                                "cannot reach phid at " + target))
      << recorder.statuses()[0];

  const absl::Time start = absl::Now();
  (*session)->Stop();
  EXPECT_LT(absl::Now() - start, kPrompt);
}

TEST_F(PhidClientTest, WatchSessionReportsAPermanentErrorAndEnds) {
  FakeWatchPlan rejected;
  rejected.end = grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "bad");
  fake_.QueueWatchPlan(rejected);
  Recorder recorder;
  auto session = client_->StartWatch(phi::v1::WatchRequest(),
                                     recorder.Callbacks(), TestWatchOptions());
  ASSERT_TRUE(session.ok());
  ASSERT_TRUE(recorder.WaitForDone());
  ASSERT_EQ(recorder.statuses().size(), 1u);
  EXPECT_TRUE(absl::IsInvalidArgument(recorder.statuses()[0]));
  EXPECT_TRUE(absl::IsInvalidArgument(recorder.done()[0]));
  (*session)->Stop();  // still fine after the end
}

TEST_F(PhidClientTest, WatchSessionCanBeStoppedFromItsOwnCallback) {
  Recorder recorder;
  std::unique_ptr<WatchSession> session;
  absl::Mutex mu;
  WatchCallbacks callbacks = recorder.Callbacks();
  auto record = callbacks.on_message;
  callbacks.on_message = [&](const phi::v1::WatchResponse& message) {
    record(message);
    absl::MutexLock lock(&mu);
    session->Stop();
  };
  {
    absl::MutexLock lock(&mu);
    auto started = client_->StartWatch(
        phi::v1::WatchRequest(), std::move(callbacks), TestWatchOptions());
    ASSERT_TRUE(started.ok());
    session = *std::move(started);
  }
  ASSERT_TRUE(recorder.WaitForDone());
  EXPECT_EQ(recorder.messages().size(), 1u);
  session->Stop();
}

}  // namespace
}  // namespace phid
