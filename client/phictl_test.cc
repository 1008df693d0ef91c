// phictl's commands against an in-process FakeFailureDetector, and its
// command-line checks. Waits are bounded by RPC deadlines, never by sleeps.
#include "client/phictl.h"

#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "client/fake_failure_detector.h"
#include "client/terminal.h"
#include "gtest/gtest.h"
#include "proto/phi.pb.h"

ABSL_FLAG(double, test_number, 0, "a number for CheckFlagArguments");
ABSL_FLAG(bool, test_switch, false, "a boolean for CheckFlagArguments");
ABSL_FLAG(std::string, test_text, "", "a string for CheckFlagArguments");

namespace phid {
namespace {

constexpr absl::Duration kTestTimeout = absl::Seconds(10);

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

class PhictlTest : public ::testing::Test {
 protected:
  PhictlTest() : server_(&fake_) {
    flags_.target = server_.target();
    env_.out = &out_;
    env_.err = &err_;
    env_.interrupter = &interrupter_;
    env_.zone = absl::UTCTimeZone();
    env_.watch_options.backoff.initial = absl::Milliseconds(10);
    env_.watch_options.backoff.max = absl::Milliseconds(100);
    env_.watch_options.seed = 1;
  }

  ~PhictlTest() override { server_.Shutdown(); }

  int Run(std::vector<std::string> args) {
    return RunPhictl(args, flags_, env_);
  }

  // Sets a flag's value as if given on the command line.
  void Give(const std::string& name) { flags_.given.insert(name); }

  FakeFailureDetector fake_;
  FakeServer server_;
  PhictlFlags flags_;
  Interrupter interrupter_;
  std::ostringstream out_;
  std::ostringstream err_;
  PhictlEnvironment env_;
};

TEST_F(PhictlTest, NoCommandIsAUsageError) {
  EXPECT_EQ(Run({}), kExitUsage);
  EXPECT_EQ(err_.str(),
            "phictl: give a command: peers, get, forget, watch, top, phi "
            "(see phictl --help)\n");
}

TEST_F(PhictlTest, AnUnknownCommandIsAUsageError) {
  EXPECT_EQ(Run({"peer"}), kExitUsage);
  EXPECT_EQ(err_.str(),
            "phictl: unknown command \"peer\"; the commands are peers, get, "
            "forget, watch, top, phi (see phictl --help)\n");
  EXPECT_EQ(out_.str(), "");
}

TEST_F(PhictlTest, AFlagOfAnotherCommandIsAUsageError) {
  Give("levels");
  EXPECT_EQ(Run({"get", "b"}), kExitUsage);
  EXPECT_TRUE(absl::StrContains(err_.str(), "--levels does not apply to `get`"))
      << err_.str();
}

TEST_F(PhictlTest, GlobalFlagsApplyToEveryCommand) {
  Give("json");
  Give("timeout");
  Give("target");
  EXPECT_EQ(Run({"get", "b"}), kExitOk) << err_.str();
}

TEST_F(PhictlTest, GetNeedsExactlyOneName) {
  EXPECT_EQ(Run({"get"}), kExitUsage);
  EXPECT_TRUE(absl::StrContains(err_.str(), "`get` takes one NAME"));
  EXPECT_EQ(Run({"get", "a", "b"}), kExitUsage);
}

TEST_F(PhictlTest, PeersTakesNoArgument) {
  EXPECT_EQ(Run({"peers", "b"}), kExitUsage);
  EXPECT_TRUE(absl::StrContains(err_.str(), "unexpected argument \"b\""));
}

TEST_F(PhictlTest, AThresholdAbove64IsAUsageError) {
  flags_.threshold = 65;
  EXPECT_EQ(Run({"peers"}), kExitUsage);
  EXPECT_TRUE(absl::StrContains(err_.str(), "give a phi in (0, 64]"))
      << err_.str();
}

TEST_F(PhictlTest, AMalformedTagSelectorIsAUsageError) {
  flags_.tags = "dc=eu,rack";
  EXPECT_EQ(Run({"peers"}), kExitUsage);
  EXPECT_TRUE(absl::StrContains(err_.str(), "\"rack\" is not key=value"))
      << err_.str();
}

TEST_F(PhictlTest, ANonPositiveTimeoutIsAUsageError) {
  flags_.timeout = absl::ZeroDuration();
  EXPECT_EQ(Run({"peers"}), kExitUsage);
}

TEST_F(PhictlTest, PeersPrintsATableWithSelfStarred) {
  EXPECT_EQ(Run({"peers"}), kExitOk) << err_.str();
  const std::vector<std::string> lines = Lines(out_.str());
  ASSERT_EQ(lines.size(), 4u) << out_.str();
  EXPECT_TRUE(absl::StartsWith(lines[0], "NAME  STATE    PHI   TTT"))
      << lines[0];
  EXPECT_TRUE(absl::StartsWith(lines[1], "a*    ALIVE")) << lines[1];
  EXPECT_TRUE(absl::StartsWith(lines[3], "c     SUSPECT  9.30")) << lines[3];
  EXPECT_EQ(err_.str(), "");
}

TEST_F(PhictlTest, PeersSendsTheThresholdAndTags) {
  flags_.threshold = 10;
  flags_.tags = "dc=eu";
  EXPECT_EQ(Run({"peers"}), kExitOk) << err_.str();
  EXPECT_EQ(fake_.last_list_peers_request().phi_threshold(), 10);
  EXPECT_EQ(fake_.last_list_peers_request().tag_selector(), "dc=eu");
  EXPECT_TRUE(absl::StrContains(out_.str(), "c     ALIVE  9.30")) << out_.str();
}

TEST_F(PhictlTest, PeersInJsonPrintsOneMemberPerLine) {
  flags_.json = true;
  EXPECT_EQ(Run({"peers"}), kExitOk) << err_.str();
  const std::vector<std::string> lines = Lines(out_.str());
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_TRUE(absl::StartsWith(lines[0], "{\"name\":\"a\"")) << lines[0];
  EXPECT_TRUE(absl::StrContains(lines[0], "\"isSelf\":true")) << lines[0];
  for (const std::string& line : lines) {
    EXPECT_TRUE(absl::EndsWith(line, "}")) << line;
  }
}

TEST_F(PhictlTest, GetPrintsOneMemberInDetail) {
  EXPECT_EQ(Run({"get", "b"}), kExitOk) << err_.str();
  EXPECT_TRUE(absl::StartsWith(out_.str(), "name:")) << out_.str();
  EXPECT_TRUE(absl::StrContains(out_.str(), "tags:               dc=eu\n"))
      << out_.str();
}

TEST_F(PhictlTest, GetOfAnUnknownMemberFailsWithTheDaemonsMessage) {
  EXPECT_EQ(Run({"get", "zed"}), kExitFailure);
  EXPECT_EQ(err_.str(), "phictl: no member named \"zed\"\n");
  EXPECT_EQ(out_.str(), "");
}

TEST_F(PhictlTest, ForgetRemovesAFailedMemberAndRefusesALiveOne) {
  phi::v1::ListPeersResponse members;
  members.set_self("a");
  phi::v1::Peer* a = members.add_peers();
  a->set_name("a");
  a->set_state(phi::v1::PEER_STATE_ALIVE);
  a->set_is_self(true);
  phi::v1::Peer* d = members.add_peers();
  d->set_name("d");
  d->set_generation(7);
  d->set_state(phi::v1::PEER_STATE_FAILED);
  fake_.SetMembers(members);

  EXPECT_EQ(Run({"forget"}), kExitUsage);
  EXPECT_TRUE(absl::StrContains(err_.str(), "`forget` takes one NAME"))
      << err_.str();
  err_.str("");
  EXPECT_EQ(Run({"forget", "a"}), kExitFailure);
  EXPECT_EQ(err_.str(),
            "phictl: member \"a\" is in state PEER_STATE_ALIVE; only FAILED "
            "or LEFT members can be forgotten\n");
  err_.str("");
  EXPECT_EQ(Run({"forget", "d"}), kExitOk) << err_.str();
  EXPECT_TRUE(absl::StartsWith(out_.str(), "forgot d (FAILED, generation 7)"))
      << out_.str();
  out_.str("");
  EXPECT_EQ(Run({"forget", "d"}), kExitFailure);
  EXPECT_EQ(err_.str(), "phictl: no member named \"d\"\n");
  EXPECT_EQ(Run({"peers"}), kExitOk);
  EXPECT_FALSE(absl::StrContains(out_.str(), "\nd ")) << out_.str();
}

TEST_F(PhictlTest, AnUnreachableDaemonSaysHowToStartIt) {
  const std::string target = server_.target();
  server_.Shutdown();
  flags_.timeout = absl::Seconds(2);
  EXPECT_EQ(Run({"peers"}), kExitFailure);
  EXPECT_TRUE(absl::StartsWith(
      err_.str(),
      "phictl: cannot reach phid at " + target +
          " (is the daemon running? start it with `bazel run //server:phid` "
          "or pass --target)"))
      << err_.str();
}

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

TEST_F(PhictlTest, PhiWithoutACalculatorPointsToTheTool) {
  EXPECT_EQ(Run({"phi"}), kExitFailure);
  EXPECT_EQ(err_.str(),
            "phictl: phi is not built in; use bazel run //tools:phi_calc\n");
}

TEST_F(PhictlTest, PhiPassesTheGivenFlagsToTheCalculator) {
  std::vector<std::pair<std::string, std::string>> seen;
  env_.phi_calculator =
      [&seen](const std::vector<std::pair<std::string, std::string>>& flags)
      -> absl::StatusOr<std::string> {
    seen = flags;
    return std::string("phi=4.737");
  };
  flags_.mean = "1000ms";
  flags_.threshold = 8;
  flags_.stddev = "not given, so not passed";
  Give("mean");
  Give("threshold");
  EXPECT_EQ(Run({"phi"}), kExitOk) << err_.str();
  EXPECT_EQ(out_.str(), "phi=4.737\n");
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"mean", "1000ms"}, {"threshold", "8"}};
  EXPECT_EQ(seen, expected);
}

TEST_F(PhictlTest, PhiReportsTheCalculatorsComplaintAsAUsageError) {
  env_.phi_calculator =
      [](const std::vector<std::pair<std::string, std::string>>&)
      -> absl::StatusOr<std::string> {
    return absl::InvalidArgumentError("--mean is required");
  };
  EXPECT_EQ(Run({"phi"}), kExitUsage);
  EXPECT_EQ(err_.str(), "phictl: --mean is required\n");
}

TEST_F(PhictlTest, PhiRefusesWatchFlags) {
  Give("levels");
  EXPECT_EQ(Run({"phi"}), kExitUsage);
}

// A screen of fixed size whose keys come from a script: each WaitForKey
// returns the next one at once (kNoKey: the interval passed).
class FakeTerminal final : public Terminal {
 public:
  void Open() override { ++opened; }
  void Close() override { ++closed; }
  int Columns() override { return 100; }
  int Rows() override { return 30; }
  int WaitForKey(absl::Duration timeout) override {
    waits.push_back(timeout);
    if (on_wait) on_wait(static_cast<int>(waits.size()));
    if (woken) {
      woken = false;
      return kNoKey;
    }
    if (keys.empty()) return 'q';  // never loop forever
    const int key = keys.front();
    keys.pop_front();
    return key;
  }
  void Wake() override { woken = true; }

  std::deque<int> keys;
  // Runs in the n-th WaitForKey (from 1), before it answers.
  std::function<void(int n)> on_wait;
  std::vector<absl::Duration> waits;
  int opened = 0;
  int closed = 0;
  bool woken = false;
};

class PhictlTopTest : public PhictlTest {
 protected:
  PhictlTopTest() {
    env_.terminal = &terminal_;
    env_.color = false;
    env_.now = [] { return absl::FromUnixSeconds(43201); };  // 12:00:01 UTC
  }

  // The frames written, split at the cursor-home code.
  std::vector<std::string> Frames() const {
    std::vector<std::string> frames =
        absl::StrSplit(out_.str(), "\x1b[H", absl::SkipEmpty());
    return frames;
  }

  FakeTerminal terminal_;
};

TEST_F(PhictlTopTest, RedrawsEveryMemberAtEachIntervalUntilQ) {
  terminal_.keys = {Terminal::kNoKey, Terminal::kNoKey, 'q'};
  flags_.interval = absl::Milliseconds(250);
  EXPECT_EQ(Run({"top"}), kExitOk) << err_.str();
  EXPECT_EQ(terminal_.opened, 1);
  EXPECT_EQ(terminal_.closed, 1);
  EXPECT_EQ(terminal_.waits,
            std::vector<absl::Duration>(3, absl::Milliseconds(250)));
  const std::vector<std::string> frames = Frames();
  ASSERT_EQ(frames.size(), 3u);
  for (const std::string& frame : frames) {
    EXPECT_TRUE(absl::StrContains(
        frame, absl::StrCat("phictl top: ", server_.target(),
                            " (self a), threshold 8, every 250ms  12:00:01")))
        << frame;
    EXPECT_TRUE(absl::StrContains(frame, "\r\na*  ")) << frame;
    EXPECT_TRUE(absl::StrContains(frame, "\r\nb   ")) << frame;
    EXPECT_TRUE(absl::StrContains(frame, "\r\nc   ")) << frame;
    EXPECT_TRUE(absl::StrContains(frame, "SUSPECT")) << frame;
  }
  EXPECT_EQ(err_.str(), "");
}

TEST_F(PhictlTopTest, AsksForTheThresholdAndTagsGiven) {
  flags_.threshold = 5;
  flags_.tags = "dc=eu";
  Give("threshold");
  Give("tags");
  Give("interval");
  EXPECT_EQ(Run({"top"}), kExitOk) << err_.str();
  EXPECT_EQ(fake_.last_list_peers_request().phi_threshold(), 5);
  EXPECT_EQ(fake_.last_list_peers_request().tag_selector(), "dc=eu");
}

TEST_F(PhictlTopTest, CtrlCEndsItAndGivesTheScreenBack) {
  terminal_.keys = {Terminal::kNoKey, Terminal::kNoKey, Terminal::kNoKey};
  terminal_.on_wait = [this](int n) {
    if (n == 2) interrupter_.Interrupt();
  };
  EXPECT_EQ(Run({"top"}), kExitOk);
  EXPECT_EQ(terminal_.waits.size(), 2u);
  EXPECT_EQ(terminal_.closed, 1);
}

TEST_F(PhictlTopTest, EndsWhenTheTerminalHangsUp) {
  terminal_.keys = {Terminal::kInputClosed, Terminal::kNoKey};
  EXPECT_EQ(Run({"top"}), kExitOk);
  EXPECT_EQ(terminal_.waits.size(), 1u);
  EXPECT_EQ(terminal_.closed, 1);
}

TEST_F(PhictlTopTest, ShowsAnUnreachableDaemonAndKeepsTrying) {
  server_.Shutdown();
  terminal_.keys = {Terminal::kNoKey, 'q'};
  EXPECT_EQ(Run({"top"}), kExitOk);
  const std::vector<std::string> frames = Frames();
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_TRUE(
      absl::StrContains(frames[1], "no answer yet, retrying every 500ms"))
      << frames[1];
  EXPECT_TRUE(absl::StrContains(
      frames[1], absl::StrCat("\r\n! cannot reach phid at ", server_.target())))
      << frames[1];
}

TEST_F(PhictlTopTest, RefusesJsonABadIntervalAndAMissingTerminal) {
  flags_.json = true;
  EXPECT_EQ(Run({"top"}), kExitUsage);
  EXPECT_TRUE(absl::StrContains(err_.str(), "use peers --json")) << err_.str();
  flags_.json = false;
  flags_.interval = absl::Milliseconds(50);
  EXPECT_EQ(Run({"top"}), kExitUsage);
  EXPECT_TRUE(
      absl::StrContains(err_.str(), "--interval=50ms: give 100ms to 1h"))
      << err_.str();
  flags_.interval = absl::Milliseconds(500);
  env_.terminal = nullptr;
  EXPECT_EQ(Run({"top"}), kExitFailure);
  EXPECT_EQ(terminal_.opened, 0);
}

TEST_F(PhictlTopTest, RefusesWatchFlags) {
  Give("levels");
  EXPECT_EQ(Run({"top"}), kExitUsage);
  EXPECT_TRUE(absl::StrContains(err_.str(), "--levels does not apply to `top`"))
      << err_.str();
}

TEST_F(PhictlTest, IntervalAppliesOnlyToTop) {
  Give("interval");
  EXPECT_EQ(Run({"peers"}), kExitUsage);
  EXPECT_TRUE(
      absl::StrContains(err_.str(), "--interval does not apply to `peers`"))
      << err_.str();
}

TEST(DefaultTargetTest, IsTheEnvironmentVariableWhenSet) {
  EXPECT_EQ(DefaultTarget("unix:/run/phid.sock"), "unix:/run/phid.sock");
  EXPECT_EQ(DefaultTarget(""), "127.0.0.1:7070");
  EXPECT_EQ(DefaultTarget(nullptr), "127.0.0.1:7070");
}

TEST(ValidateTagSelectorTest, AcceptsKeyValuePairs) {
  EXPECT_TRUE(ValidateTagSelector("").ok());
  EXPECT_TRUE(ValidateTagSelector("dc=eu").ok());
  EXPECT_TRUE(ValidateTagSelector("dc=eu,rack=").ok());
  EXPECT_FALSE(ValidateTagSelector("dc").ok());
  EXPECT_FALSE(ValidateTagSelector("=eu").ok());
  EXPECT_FALSE(ValidateTagSelector("dc=eu,").ok());
}

absl::StatusOr<std::set<std::string>> Check(std::vector<std::string> args) {
  args.insert(args.begin(), "phictl");
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  return CheckFlagArguments(static_cast<int>(argv.size()), argv.data());
}

TEST(CheckFlagArgumentsTest, ReturnsTheFlagsGivenAndSetsThem) {
  absl::StatusOr<std::set<std::string>> given =
      Check({"watch", "--test_number=2.5", "-test_switch", "--test_text",
             "hello", "operand"});
  ASSERT_TRUE(given.ok()) << given.status();
  EXPECT_EQ(*given,
            (std::set<std::string>{"test_number", "test_switch", "test_text"}));
  EXPECT_EQ(absl::GetFlag(FLAGS_test_number), 2.5);
  EXPECT_EQ(absl::GetFlag(FLAGS_test_text), "hello");
}

TEST(CheckFlagArgumentsTest, RefusesAnUnknownFlag) {
  absl::StatusOr<std::set<std::string>> given = Check({"--bogus=1"});
  EXPECT_TRUE(absl::IsInvalidArgument(given.status()));
  EXPECT_EQ(given.status().message(), "unknown flag --bogus");
}

TEST(CheckFlagArgumentsTest, RefusesAValueOfTheWrongType) {
  absl::StatusOr<std::set<std::string>> given = Check({"--test_number=abc"});
  EXPECT_TRUE(absl::IsInvalidArgument(given.status()));
  EXPECT_TRUE(
      absl::StartsWith(given.status().message(), "bad value for --test_number"))
      << given.status();
}

TEST(CheckFlagArgumentsTest, RefusesAMissingValue) {
  EXPECT_EQ(Check({"--test_text"}).status().message(),
            "--test_text needs a value");
}

TEST(CheckFlagArgumentsTest, AcceptsANegatedBoolean) {
  absl::StatusOr<std::set<std::string>> given = Check({"--notest_switch"});
  ASSERT_TRUE(given.ok());
  EXPECT_EQ(given->count("test_switch"), 1u);
}

TEST(CheckFlagArgumentsTest, LeavesHelpToAbsl) {
  absl::StatusOr<std::set<std::string>> given =
      Check({"--help", "--helpon=phictl"});
  ASSERT_TRUE(given.ok()) << given.status();
  EXPECT_TRUE(given->empty());
}

TEST(CheckFlagArgumentsTest, StopsAtDoubleDash) {
  EXPECT_TRUE(Check({"--", "--bogus"}).ok());
}

TEST(InterrupterTest, RunsTheHandlerOnce) {
  Interrupter interrupter;
  int calls = 0;
  interrupter.SetHandler([&calls] { ++calls; });
  EXPECT_TRUE(interrupter.Interrupt());
  EXPECT_FALSE(interrupter.Interrupt());  // the second one should exit
  EXPECT_EQ(calls, 1);
}

TEST(InterrupterTest, AnInterruptWithoutAHandlerReachesTheNextHandler) {
  Interrupter interrupter;
  EXPECT_FALSE(interrupter.Interrupt());
  int calls = 0;
  interrupter.SetHandler([&calls] { ++calls; });
  EXPECT_EQ(calls, 1);
}

TEST(InterrupterTest, AClearedHandlerIsNotRun) {
  Interrupter interrupter;
  int calls = 0;
  interrupter.SetHandler([&calls] { ++calls; });
  interrupter.SetHandler(nullptr);
  EXPECT_FALSE(interrupter.Interrupt());
  EXPECT_EQ(calls, 0);
}

}  // namespace
}  // namespace phid
