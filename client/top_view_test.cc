#include "client/top_view.h"

#include <regex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "proto/duration.h"
#include "proto/phi.pb.h"

namespace phid {
namespace {

phi::v1::Peer* AddPeer(phi::v1::ListPeersResponse* response,
                       const std::string& name, phi::v1::PeerState state,
                       double phi) {
  phi::v1::Peer* peer = response->add_peers();
  peer->set_name(name);
  peer->set_state(state);
  peer->set_phi(phi);
  peer->set_threshold(response->threshold());
  return peer;
}

// node-1 (self), node-2 alive, node-3 suspect by two others, node-4 left;
// listed out of order.
phi::v1::ListPeersResponse FourMembers() {
  phi::v1::ListPeersResponse response;
  response.set_self("node-1");
  response.set_threshold(8);
  phi::v1::Peer* three =
      AddPeer(&response, "node-3", phi::v1::PEER_STATE_SUSPECT, 12.5);
  three->set_suspected_by(2);
  ToProtoDuration(absl::Milliseconds(2100),
                  three->mutable_last_heartbeat_age());
  ToProtoDuration(absl::ZeroDuration(), three->mutable_time_to_threshold());
  phi::v1::Peer* one =
      AddPeer(&response, "node-1", phi::v1::PEER_STATE_ALIVE, 0);
  one->set_is_self(true);
  phi::v1::Peer* two =
      AddPeer(&response, "node-2", phi::v1::PEER_STATE_ALIVE, 4.04);
  ToProtoDuration(absl::Milliseconds(95), two->mutable_last_heartbeat_age());
  ToProtoDuration(absl::Milliseconds(640), two->mutable_time_to_threshold());
  AddPeer(&response, "node-4", phi::v1::PEER_STATE_LEFT, 0);
  return response;
}

TopScreen PlainScreen() {
  TopScreen screen;
  screen.target = "127.0.0.1:7070";
  screen.interval = absl::Milliseconds(500);
  screen.clock = "12:00:01";
  screen.columns = 100;
  screen.rows = 24;
  screen.color = false;
  return screen;
}

std::string StripColors(const std::string& text) {
  return std::regex_replace(text, std::regex("\x1b\\[[0-9;]*m"), "");
}

TEST(PhiBarTest, IsEmptyAtZeroHalfFullAtHalfTheThresholdAndFullAtIt) {
  EXPECT_EQ(PhiBar(0, 8, 10), "[..........] ");
  EXPECT_EQ(PhiBar(4, 8, 10), "[#####.....] ");
  EXPECT_EQ(PhiBar(8, 8, 10), "[##########] ");
}

TEST(PhiBarTest, MarksAPhiBeyondTheThreshold) {
  EXPECT_EQ(PhiBar(12.5, 8, 10), "[##########]>");
  EXPECT_EQ(PhiBar(1000, 8, 4), "[####]>");
}

TEST(PhiBarTest, RoundsToTheNearestCell) {
  EXPECT_EQ(PhiBar(0.39, 8, 10), "[..........] ");  // 0.49 of a cell
  EXPECT_EQ(PhiBar(0.41, 8, 10), "[#.........] ");  // 0.51 of a cell
}

TEST(PhiBarTest, DrawsNothingForAThresholdItCannotScaleTo) {
  EXPECT_EQ(PhiBar(3, 0, 5), "[.....] ");
  EXPECT_EQ(PhiBar(3, -1, 5), "[.....] ");
  EXPECT_EQ(PhiBar(std::nan(""), 8, 5), "[.....] ");
  EXPECT_EQ(PhiBar(-2, 8, 5), "[.....] ");
}

TEST(TopLinesTest, ShowsEveryMemberSortedByNameWithStatePhiBarAndSuspicion) {
  TopScreen screen = PlainScreen();
  screen.peers = FourMembers();
  EXPECT_EQ(
      TopLines(screen),
      (std::vector<std::string>{
          "phictl top: 127.0.0.1:7070 (self node-1), threshold 8, every "
          "500ms  12:00:01",
          "4 members: 2 alive, 1 suspect (node-3), 1 left  (q or Ctrl-C "
          "quits)",
          "",
          "NAME     STATE        PHI  PHI BAR (full at 8)      SUSPECTED_BY  "
          "LAST_HB  TTT",
          "node-1*  ALIVE       0.00  [....................]              0  "
          "-        -",
          "node-2   ALIVE       4.04  [##########..........]              0  "
          "95ms     640ms",
          "node-3   SUSPECT    12.50  [####################]>             2  "
          "2.1s     0s",
          "node-4   LEFT        0.00  [....................]              0  "
          "-        -",
      }));
}

TEST(TopLinesTest, KeepsTheLastAnswerAndSaysWhyTheLatestCallFailed) {
  TopScreen screen = PlainScreen();
  screen.peers = FourMembers();
  screen.peers_clock = "11:59:58";
  screen.columns = 120;
  screen.error = absl::UnavailableError("cannot reach phid at 127.0.0.1:7070");
  const std::vector<std::string> lines = TopLines(screen);
  ASSERT_GE(lines.size(), 5u);
  EXPECT_EQ(lines[1],
            "4 members: 2 alive, 1 suspect (node-3), 1 left (as of 11:59:58, "
            "retrying every 500ms)  (q or Ctrl-C quits)");
  EXPECT_EQ(lines[2], "! cannot reach phid at 127.0.0.1:7070");
  EXPECT_TRUE(absl::StartsWith(lines[4], "node-1*")) << lines[4];
}

TEST(TopLinesTest, SaysWhatItWaitsForBeforeTheFirstAnswer) {
  TopScreen screen = PlainScreen();
  EXPECT_EQ(TopLines(screen),
            (std::vector<std::string>{
                "phictl top: 127.0.0.1:7070, every 500ms  12:00:01",
                "waiting for the first answer  (q or Ctrl-C quits)",
                "",
            }));
  screen.error = absl::UnavailableError("connection refused");
  EXPECT_EQ(TopLines(screen),
            (std::vector<std::string>{
                "phictl top: 127.0.0.1:7070, every 500ms  12:00:01",
                "no answer yet, retrying every 500ms  (q or Ctrl-C quits)",
                "! connection refused",
            }));
}

TEST(TopLinesTest, CountsTheMembersThatDoNotFitInTheRows) {
  TopScreen screen = PlainScreen();
  screen.peers = FourMembers();
  screen.rows = 7;  // 3 header lines, the table header, 3 more
  const std::vector<std::string> lines = TopLines(screen);
  ASSERT_EQ(lines.size(), 7u);
  EXPECT_TRUE(absl::StartsWith(lines[4], "node-1*"));
  EXPECT_TRUE(absl::StartsWith(lines[5], "node-2 "));
  EXPECT_EQ(lines[6], "+2 more members (enlarge the terminal)");
}

TEST(TopLinesTest, NeverWritesBeyondTheTerminal) {
  TopScreen screen = PlainScreen();
  screen.peers = FourMembers();
  screen.color = true;
  for (int columns : {0, 1, 20, 45, 80}) {
    for (int rows : {0, 1, 3, 5, 24}) {
      screen.columns = columns;
      screen.rows = rows;
      const std::vector<std::string> lines = TopLines(screen);
      EXPECT_LE(static_cast<int>(lines.size()), rows);
      for (const std::string& line : lines) {
        EXPECT_LE(static_cast<int>(StripColors(line).size()), columns)
            << columns << "x" << rows << ": " << line;
      }
    }
  }
}

TEST(TopLinesTest, ColorsTheStatesAndTheBarByPhiAgainstTheThreshold) {
  TopScreen screen = PlainScreen();
  screen.peers = FourMembers();
  screen.color = true;
  const std::vector<std::string> lines = TopLines(screen);
  ASSERT_EQ(lines.size(), 8u);
  // node-2: alive in green, phi 4.04 of 8 is past half: a yellow bar.
  EXPECT_TRUE(absl::StrContains(lines[5], "\x1b[32mALIVE\x1b[0m")) << lines[5];
  EXPECT_TRUE(absl::StrContains(lines[5], "[\x1b[33m##########\x1b[0m"))
      << lines[5];
  // node-3: suspect in bold red, a red bar and a red '>'.
  EXPECT_TRUE(absl::StrContains(lines[6], "\x1b[1;31mSUSPECT\x1b[0m"))
      << lines[6];
  EXPECT_TRUE(absl::StrContains(lines[6],
                                "\x1b[31m####################\x1b[0m]"
                                "\x1b[31m>\x1b[0m"))
      << lines[6];
  // Colors change nothing visible.
  screen.color = false;
  const std::vector<std::string> plain = TopLines(screen);
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(StripColors(lines[i]), plain[i]);
  }
}

TEST(TopFrameTest, RedrawsInPlaceWithoutScrolling) {
  TopScreen screen = PlainScreen();
  screen.rows = 3;
  EXPECT_EQ(TopFrame(screen),
            "\x1b[H"
            "phictl top: 127.0.0.1:7070, every 500ms  12:00:01\x1b[K\r\n"
            "waiting for the first answer  (q or Ctrl-C quits)\x1b[K\r\n"
            "\x1b[K\x1b[J");
}

}  // namespace
}  // namespace phid
