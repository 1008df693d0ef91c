// phictl's commands against an in-process FakeFailureDetector, and its
// command-line checks (watch: phictl_watch_test.cc; top:
// phictl_top_test.cc). Waits are bounded by RPC deadlines, never by sleeps.
#include "client/phictl.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/time/time.h"
#include "client/fake_failure_detector.h"
#include "client/phictl_test_fixture.h"
#include "gtest/gtest.h"
#include "proto/phi.pb.h"

namespace phid {
namespace {

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
TEST_F(PhictlTest, PhiWithoutACalculatorPointsToTheTool) {
  EXPECT_EQ(Run({"phi"}), kExitFailure);
  EXPECT_EQ(err_.str(),
            "phictl: phi is not built in; use bazel run //tools:phi_calc\n");
}

TEST_F(PhictlTest, PhiPassesTheGivenThresholdToTheCalculator) {
  std::vector<std::string> seen;
  env_.phi_calculator =
      [&seen](const std::string& threshold) -> absl::StatusOr<std::string> {
    seen.push_back(threshold);
    return std::string("phi=4.737");
  };
  flags_.threshold = 8;
  Give("threshold");
  EXPECT_EQ(Run({"phi"}), kExitOk) << err_.str();
  EXPECT_EQ(out_.str(), "phi=4.737\n");
  // Not given, so not passed: the calculator's own default applies.
  flags_.given.clear();
  EXPECT_EQ(Run({"phi"}), kExitOk) << err_.str();
  EXPECT_EQ(seen, (std::vector<std::string>{"8", ""}));
}

TEST_F(PhictlTest, PhiReportsTheCalculatorsComplaintAsAUsageError) {
  env_.phi_calculator = [](const std::string&) -> absl::StatusOr<std::string> {
    return absl::InvalidArgumentError("--mean is required");
  };
  EXPECT_EQ(Run({"phi"}), kExitUsage);
  EXPECT_EQ(err_.str(), "phictl: --mean is required\n");
}

TEST_F(PhictlTest, PhiRefusesWatchFlags) {
  Give("levels");
  EXPECT_EQ(Run({"phi"}), kExitUsage);
}

}  // namespace
}  // namespace phid
