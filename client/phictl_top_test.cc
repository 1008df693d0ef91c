// phictl top against an in-process FakeFailureDetector on a fake terminal.
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "client/phictl.h"
#include "client/phictl_test_fixture.h"
#include "client/terminal.h"
#include "gtest/gtest.h"
#include "proto/phi.pb.h"

namespace phid {
namespace {

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

}  // namespace
}  // namespace phid
