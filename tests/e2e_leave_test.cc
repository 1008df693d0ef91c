// A daemon stopped with SIGTERM leaves gracefully: every other daemon sees
// it LEFT, none ever suspects it, and it exits within --shutdown_timeout.
#include <signal.h>
#include <sys/wait.h>

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "proto/phi.pb.h"
#include "tests/daemon_process.h"
#include "tests/loopback_cluster.h"
#include "tests/watch_recorder.h"

namespace phid {
namespace e2e {
namespace {

namespace v1 = ::phi::v1;

constexpr int kSlot = 3;
constexpr int kDaemons = 4;
constexpr double kThreshold = 8;
// A crashed daemon is suspected well within this (see e2e_kill_test).
constexpr absl::Duration kDetectionBudget = absl::Seconds(2);
// SIGTERM to exit: the whole shutdown is bounded by --shutdown_timeout
// (3 s by default), plus the process's own exit.
constexpr absl::Duration kShutdownBound = absl::Milliseconds(3500);

TEST(LeaveE2eTest, ADaemonStoppedWithSigtermIsLeftEverywhereAndNeverSuspected) {
  std::vector<std::unique_ptr<DaemonProcess>> cluster;
  ASSERT_TRUE(StartLoopbackCluster(kSlot, kDaemons, {}, &cluster).ok());
  ASSERT_TRUE(WaitUntilAllSeeAll(Pointers(cluster), absl::Seconds(20)).ok());

  DaemonProcess& leaver = *cluster.back();
  std::vector<std::unique_ptr<WatchRecorder>> watches;
  for (int i = 0; i < kDaemons - 1; ++i) {
    auto watch = WatchRecorder::Start(cluster[i]->client(), WatchAt(kThreshold),
                                      cluster[i]->name());
    ASSERT_TRUE(watch.ok()) << watch.status();
    watches.push_back(*std::move(watch));
  }

  const absl::Time term_at = absl::Now();
  ASSERT_TRUE(leaver.Signal(SIGTERM).ok());
  std::cout << "\n[leave] " << leaver.name() << " sent SIGTERM\n";
  for (const auto& watch : watches) {
    absl::optional<ReceivedMessage> left = watch->WaitForTransition(
        leaver.name(), v1::TRANSITION_REASON_LEFT, absl::Seconds(5));
    ASSERT_TRUE(left.has_value())
        << watch->label() << " did not see " << leaver.name() << " leave; "
        << watch->DescribeTransitions();
    EXPECT_EQ(left->message.transition().peer().state(), v1::PEER_STATE_LEFT);
    std::cout << "[leave]   " << watch->label() << " saw LEFT after "
              << Millis(left->received - term_at) << "\n";
  }
  absl::StatusOr<int> exit = leaver.WaitForExit(absl::Seconds(10));
  ASSERT_TRUE(exit.ok()) << exit.status();
  const absl::Time exited_at = absl::Now();
  EXPECT_TRUE(WIFEXITED(*exit) && WEXITSTATUS(*exit) == 0)
      << DescribeWaitStatus(*exit);
  EXPECT_LT(exited_at - term_at, kShutdownBound)
      << "--shutdown_timeout bounds the shutdown";
  std::cout << "[leave]   " << leaver.name() << " " << DescribeWaitStatus(*exit)
            << " " << Millis(exited_at - term_at) << " after SIGTERM\n"
            << std::flush;

  // Silence after leaving is not a failure: for longer than a crash takes
  // to be suspected, nobody suspects the daemon that left. (Waiting for
  // something that must not happen needs a window.)
  for (const auto& watch : watches) {
    absl::optional<ReceivedMessage> suspect = watch->WaitForTransition(
        leaver.name(), v1::TRANSITION_REASON_CROSSED_THRESHOLD,
        exited_at + kDetectionBudget - absl::Now());
    EXPECT_FALSE(suspect.has_value())
        << watch->label() << " suspected a daemon that left; "
        << watch->DescribeTransitions();
    EXPECT_EQ(
        watch->Transitions("", v1::TRANSITION_REASON_CROSSED_THRESHOLD).size(),
        0u)
        << watch->DescribeTransitions();
  }
  for (int i = 0; i < kDaemons - 1; ++i) {
    absl::StatusOr<v1::ListPeersResponse> peers =
        ListPeersAt(*cluster[i], kThreshold);
    ASSERT_TRUE(peers.ok()) << peers.status();
    const v1::Peer* p = FindPeer(*peers, leaver.name());
    ASSERT_NE(p, nullptr) << cluster[i]->name();
    EXPECT_EQ(p->status(), v1::MEMBER_STATUS_LEFT) << cluster[i]->name();
    EXPECT_EQ(p->state(), v1::PEER_STATE_LEFT) << cluster[i]->name();
  }
}

}  // namespace
}  // namespace e2e
}  // namespace phid
