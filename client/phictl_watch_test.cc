// phictl watch against an in-process FakeFailureDetector: events across
// reconnections, the request its flags build, --exec, Ctrl-C, and the
// watch flags it refuses. Waits are bounded by RPC deadlines, never by
// sleeps.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "client/fake_failure_detector.h"
#include "client/phictl.h"
#include "client/phictl_test_fixture.h"
#include "gtest/gtest.h"
#include "proto/phi.pb.h"

namespace phid {
namespace {

constexpr absl::Duration kTestTimeout = absl::Seconds(10);

FakeWatchPlan EndingWith(grpc::StatusCode code, const std::string& message) {
  FakeWatchPlan plan;
  plan.events.push_back(FakeTransition(
      "b", phi::v1::PEER_STATE_ALIVE, phi::v1::PEER_STATE_SUSPECT, 8.4,
      phi::v1::TRANSITION_REASON_CROSSED_THRESHOLD));
  plan.end = grpc::Status(code, message);
  return plan;
}

TEST_F(PhictlTest, WatchPrintsEventsAcrossAReconnection) {
  fake_.QueueWatchPlan(EndingWith(grpc::StatusCode::UNAVAILABLE, "bye"));
  // A second stream that ends for good, so the command returns by itself.
  fake_.QueueWatchPlan(
      EndingWith(grpc::StatusCode::PERMISSION_DENIED, "go away"));
  EXPECT_EQ(Run({"watch"}), kExitFailure);

  const std::vector<std::string> lines = Lines(out_.str());
  ASSERT_EQ(lines.size(), 4u) << out_.str();
  EXPECT_TRUE(absl::StrContains(lines[0],
                                " snapshot: 3 members, 2 alive, "
                                "1 suspect (c) [self a, epoch 1]"))
      << lines[0];
  EXPECT_TRUE(absl::StrContains(
      lines[1], " b ALIVE -> SUSPECT phi=8.40 threshold=8 (crossed threshold)"))
      << lines[1];
  EXPECT_TRUE(absl::StrContains(lines[2], " snapshot: ")) << lines[2];
  const std::vector<std::string> notices = Lines(err_.str());
  ASSERT_EQ(notices.size(), 2u) << err_.str();
  EXPECT_TRUE(absl::StartsWith(notices[0],
                               "phictl: lost the connection to "
                               "phid at " +
                                   server_.target() + ": bye; retrying in "))
      << notices[0];
  EXPECT_EQ(notices[1], "phictl: go away");
}

TEST_F(PhictlTest, WatchSaysARepeatedFailureInFullOnlyOnce) {
  FakeWatchPlan refused;
  refused.send_snapshot = false;
  refused.events.clear();
  refused.end = grpc::Status(grpc::StatusCode::UNAVAILABLE, "not yet");
  fake_.QueueWatchPlan(refused);
  fake_.QueueWatchPlan(refused);
  fake_.QueueWatchPlan(refused);
  fake_.QueueWatchPlan(
      EndingWith(grpc::StatusCode::PERMISSION_DENIED, "go away"));
  EXPECT_EQ(Run({"watch"}), kExitFailure);

  const std::vector<std::string> notices = Lines(err_.str());
  ASSERT_EQ(notices.size(), 4u) << err_.str();
  EXPECT_TRUE(absl::StartsWith(
      notices[0], "phictl: cannot reach phid at " + server_.target()))
      << notices[0];
  EXPECT_TRUE(absl::StrContains(notices[0], ": not yet; retrying in "))
      << notices[0];
  EXPECT_TRUE(
      absl::StartsWith(notices[1], "phictl: still failing; retrying in "))
      << notices[1];
  EXPECT_TRUE(absl::StartsWith(notices[2], "phictl: still failing; "))
      << notices[2];
  EXPECT_EQ(notices[3], "phictl: go away");
}

TEST_F(PhictlTest, WatchSendsTheRequestBuiltFromFlags) {
  fake_.QueueWatchPlan(EndingWith(grpc::StatusCode::PERMISSION_DENIED, "no"));
  flags_.threshold = 9;
  flags_.recovery = 6;
  flags_.levels = absl::Seconds(1);
  flags_.idle = absl::Milliseconds(2500);
  flags_.peers = "b, c";
  flags_.tags = "dc=eu";
  Run({"watch"});
  const std::vector<phi::v1::WatchRequest> requests = fake_.watch_requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].phi_threshold(), 9);
  EXPECT_EQ(requests[0].recovery_threshold(), 6);
  EXPECT_EQ(requests[0].level_interval().seconds(), 1);
  EXPECT_EQ(requests[0].idle_interval().seconds(), 2);
  EXPECT_EQ(requests[0].idle_interval().nanos(), 500000000);
  ASSERT_EQ(requests[0].names_size(), 2);
  EXPECT_EQ(requests[0].names(1), "c");
  EXPECT_EQ(requests[0].tag_selector(), "dc=eu");
}

TEST_F(PhictlTest, WatchWarnsOfNamesTheDaemonDoesNotKnow) {
  fake_.QueueWatchPlan(EndingWith(grpc::StatusCode::PERMISSION_DENIED, "no"));
  flags_.peers = "b,bb,zz";
  EXPECT_EQ(Run({"watch"}), kExitFailure);
  const std::vector<std::string> notices = Lines(err_.str());
  ASSERT_EQ(notices.size(), 2u) << err_.str();
  EXPECT_EQ(notices[0],
            "phictl: warning: phid knows no member named bb, zz (a typo? "
            "watched all the same, in case one joins)");
}

TEST_F(PhictlTest, WatchInJsonPrintsOneMessagePerLine) {
  fake_.QueueWatchPlan(EndingWith(grpc::StatusCode::PERMISSION_DENIED, "no"));
  flags_.json = true;
  EXPECT_EQ(Run({"watch"}), kExitFailure);
  const std::vector<std::string> lines = Lines(out_.str());
  ASSERT_EQ(lines.size(), 2u) << out_.str();
  EXPECT_TRUE(absl::StartsWith(lines[0], "{\"sequence\":\"1\",\"epoch\":\"1\""))
      << lines[0];
  EXPECT_TRUE(absl::StrContains(lines[0], "\"snapshot\":{")) << lines[0];
  EXPECT_TRUE(absl::StrContains(lines[1], "\"transition\":{")) << lines[1];
}

TEST_F(PhictlTest, AWatchValueTheDaemonRejectsIsAUsageError) {
  fake_.QueueWatchPlan(
      EndingWith(grpc::StatusCode::INVALID_ARGUMENT, "unknown tag key"));
  EXPECT_EQ(Run({"watch"}), kExitUsage);
  EXPECT_TRUE(absl::EndsWith(err_.str(), "phictl: unknown tag key\n"))
      << err_.str();
}

TEST_F(PhictlTest, WatchEndsCleanlyOnCtrlC) {
  // The default plan stays open after its events: only Ctrl-C ends it.
  std::thread ctrl_c([this] {
    ASSERT_TRUE(fake_.WaitForWatchCalls(1, kTestTimeout));
    interrupter_.Interrupt();
  });
  const int status = Run({"watch"});
  ctrl_c.join();
  EXPECT_EQ(status, kExitOk) << err_.str();
  EXPECT_EQ(err_.str(), "");
  EXPECT_TRUE(fake_.WaitForNoOpenStreams(kTestTimeout));
}

TEST_F(PhictlTest, WatchRefusesARecoveryAboveTheThreshold) {
  flags_.threshold = 8;
  flags_.recovery = 9;
  EXPECT_EQ(Run({"watch"}), kExitUsage);
  EXPECT_TRUE(absl::StrContains(err_.str(), "--recovery=9 is above"))
      << err_.str();
  EXPECT_TRUE(fake_.watch_requests().empty());
}

TEST_F(PhictlTest, WatchExecRunsTheProgramForEachTransitionBeforeReturning) {
  // Two streams, one transition each; the snapshots run nothing.
  fake_.QueueWatchPlan(EndingWith(grpc::StatusCode::UNAVAILABLE, "bye"));
  fake_.QueueWatchPlan(EndingWith(grpc::StatusCode::PERMISSION_DENIED, "no"));
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string record =
      absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/phictl-exec-record");
  std::remove(record.c_str());
  flags_.exec = absl::StrCat("echo $PHID_EVENT $PHID_PEER $PHID_STATE >> ",
                             record, "; cat >> ", record);
  Give("exec");
  EXPECT_EQ(Run({"watch"}), kExitFailure);
  std::ifstream in(record);
  std::stringstream text;
  text << in.rdbuf();
  const std::vector<std::string> lines = Lines(text.str());
  ASSERT_EQ(lines.size(), 4u) << text.str();
  EXPECT_EQ(lines[0], "member-suspect b SUSPECT");
  EXPECT_TRUE(absl::StrContains(lines[1], "\"transition\":{")) << lines[1];
  EXPECT_EQ(lines[2], "member-suspect b SUSPECT");
  EXPECT_FALSE(absl::StrContains(err_.str(), "handler")) << err_.str();
}

TEST_F(PhictlTest, WatchExecLogsAFailingProgram) {
  fake_.QueueWatchPlan(EndingWith(grpc::StatusCode::PERMISSION_DENIED, "no"));
  flags_.exec = "exit 4";
  Give("exec");
  EXPECT_EQ(Run({"watch"}), kExitFailure);
  EXPECT_TRUE(absl::StrContains(err_.str(),
                                "phictl: handler for b ALIVE -> SUSPECT "
                                "(sequence 2) exited with status 4\n"))
      << err_.str();
}

TEST_F(PhictlTest, WatchRefusesAnExecTimeoutWithoutExecOrOutOfRange) {
  flags_.exec_timeout = absl::Seconds(5);
  Give("exec_timeout");
  EXPECT_EQ(Run({"watch"}), kExitUsage);
  EXPECT_TRUE(absl::StrContains(err_.str(), "--exec_timeout applies only"))
      << err_.str();
  flags_.exec = "true";
  flags_.exec_timeout = absl::Milliseconds(50);
  EXPECT_EQ(Run({"watch"}), kExitUsage);
  EXPECT_TRUE(absl::StrContains(err_.str(),
                                "--exec_timeout: handler timeout "
                                "50ms is out of range"))
      << err_.str();
  EXPECT_TRUE(fake_.watch_requests().empty());
}

TEST_F(PhictlTest, ExecAppliesOnlyToWatch) {
  flags_.exec = "true";
  Give("exec");
  EXPECT_EQ(Run({"peers"}), kExitUsage);
  EXPECT_TRUE(absl::StrContains(err_.str(), "--exec does not apply to `peers`"))
      << err_.str();
}

TEST_F(PhictlTest, WatchRefusesLevelsFasterThan100ms) {
  flags_.levels = absl::Milliseconds(50);
  EXPECT_EQ(Run({"watch"}), kExitUsage);
  EXPECT_TRUE(absl::StrContains(err_.str(), "at least 100ms")) << err_.str();
}

TEST_F(PhictlTest, WatchRefusesAnEmptyPeerName) {
  flags_.peers = "a,,b";
  EXPECT_EQ(Run({"watch"}), kExitUsage);
  EXPECT_TRUE(absl::StrContains(err_.str(), "empty name")) << err_.str();
}

}  // namespace
}  // namespace phid
