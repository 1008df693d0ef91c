// A daemon killed with SIGKILL is suspected by every other daemon within the
// detection budget, and its restart is seen as a new generation.
#include <signal.h>

#include <algorithm>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
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

constexpr int kSlot = 1;
constexpr int kDaemons = 5;
constexpr double kThreshold = 8;
// From the kill to the SUSPECT transition at every observer.
constexpr absl::Duration kDetectionBudget = absl::Seconds(2);

TEST(KillE2eTest,
     AKilledDaemonIsSuspectedEverywhereWithinTwoSecondsThenSeenRestarted) {
  std::vector<std::unique_ptr<DaemonProcess>> cluster;
  ASSERT_TRUE(StartLoopbackCluster(kSlot, kDaemons, {}, &cluster).ok());
  ASSERT_TRUE(WaitUntilAllSeeAll(Pointers(cluster), absl::Seconds(20)).ok());

  DaemonProcess& victim = *cluster.back();
  std::vector<DaemonProcess*> observers;
  std::vector<std::unique_ptr<WatchRecorder>> watches;
  for (int i = 0; i < kDaemons - 1; ++i) {
    observers.push_back(cluster[i].get());
    auto watch = WatchRecorder::Start(cluster[i]->client(), WatchAt(kThreshold),
                                      cluster[i]->name());
    ASSERT_TRUE(watch.ok()) << watch.status();
    ASSERT_EQ((*watch)->snapshot().peers_size(), kDaemons);
    watches.push_back(*std::move(watch));
  }
  absl::StatusOr<v1::ListPeersResponse> before =
      ListPeersAt(*observers[0], kThreshold);
  ASSERT_TRUE(before.ok()) << before.status();
  const v1::Peer* victim_before = FindPeer(*before, victim.name());
  ASSERT_NE(victim_before, nullptr);
  const uint64_t old_generation = victim_before->generation();

  // Crash.
  const absl::Time killed_at = absl::Now();
  ASSERT_TRUE(victim.Signal(SIGKILL).ok());
  ASSERT_TRUE(victim.WaitForExit(absl::Seconds(5)).ok());

  std::cout << "\n[kill] " << victim.name() << " killed with SIGKILL; "
            << "detection time (kill -> SUSPECT transition at phi "
            << kThreshold << ", budget " << Millis(kDetectionBudget) << "):\n";
  absl::Duration worst = absl::ZeroDuration();
  for (const auto& watch : watches) {
    absl::optional<ReceivedMessage> suspect = watch->WaitForTransition(
        victim.name(), v1::TRANSITION_REASON_CROSSED_THRESHOLD,
        absl::Seconds(10));
    ASSERT_TRUE(suspect.has_value())
        << watch->label() << " never suspected " << victim.name() << "; "
        << watch->DescribeTransitions();
    const v1::Transition& t = suspect->message.transition();
    EXPECT_EQ(t.peer().state(), v1::PEER_STATE_SUSPECT);
    EXPECT_EQ(t.previous_state(), v1::PEER_STATE_ALIVE);
    EXPECT_GE(t.phi(), kThreshold);
    const absl::Duration detection = suspect->received - killed_at;
    const absl::Duration at_daemon =
        absl::FromUnixMicros(suspect->message.sent_unix_micros()) - killed_at;
    worst = std::max(worst, detection);
    std::cout << absl::StrFormat(
        "[kill]   observer %s: %8.1f ms (daemon sent it at %8.1f ms, phi "
        "%.2f)\n",
        watch->label(), absl::ToDoubleMilliseconds(detection),
        absl::ToDoubleMilliseconds(at_daemon), t.phi());
    EXPECT_LT(detection, kDetectionBudget)
        << watch->label() << " suspected " << victim.name() << " too late";
  }
  std::cout << "[kill]   slowest observer: " << Millis(worst) << std::endl;
  ::testing::Test::RecordProperty(
      "worst_detection_ms",
      absl::StrFormat("%.1f", absl::ToDoubleMilliseconds(worst)));

  // ListPeers agrees with the watches.
  for (DaemonProcess* observer : observers) {
    absl::StatusOr<v1::ListPeersResponse> peers =
        ListPeersAt(*observer, kThreshold);
    ASSERT_TRUE(peers.ok()) << peers.status();
    const v1::Peer* p = FindPeer(*peers, victim.name());
    ASSERT_NE(p, nullptr) << observer->name() << " forgot " << victim.name();
    EXPECT_EQ(p->state(), v1::PEER_STATE_SUSPECT)
        << observer->name() << ": " << p->ShortDebugString();
    EXPECT_EQ(p->generation(), old_generation);
  }

  // Restart: a new generation, ALIVE again everywhere.
  const absl::Time restarted_at = absl::Now();
  ASSERT_TRUE(victim.Start().ok());
  std::cout << "[kill] " << victim.name()
            << " restarted; restart -> RESTARTED transition:\n";
  uint64_t new_generation = 0;
  for (const auto& watch : watches) {
    absl::optional<ReceivedMessage> restarted =
        watch->WaitForTransition(victim.name(), v1::TRANSITION_REASON_RESTARTED,
                                 absl::Seconds(10), restarted_at);
    ASSERT_TRUE(restarted.has_value())
        << watch->label() << " did not see " << victim.name() << " restart; "
        << watch->DescribeTransitions();
    const v1::Transition& t = restarted->message.transition();
    EXPECT_EQ(t.previous_state(), v1::PEER_STATE_SUSPECT);
    EXPECT_EQ(t.peer().state(), v1::PEER_STATE_ALIVE);
    EXPECT_GT(t.peer().generation(), old_generation);
    new_generation = t.peer().generation();
    std::cout << absl::StrFormat(
        "[kill]   observer %s: %8.1f ms (generation %d -> %d)\n",
        watch->label(),
        absl::ToDoubleMilliseconds(restarted->received - restarted_at),
        old_generation, t.peer().generation());
  }
  ASSERT_TRUE(WaitUntilAllSeeAll(Pointers(cluster), absl::Seconds(15)).ok());
  for (const auto& daemon : cluster) {
    absl::StatusOr<v1::ListPeersResponse> peers =
        ListPeersAt(*daemon, kThreshold);
    ASSERT_TRUE(peers.ok()) << peers.status();
    const v1::Peer* p = FindPeer(*peers, victim.name());
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->generation(), new_generation) << daemon->name();
    EXPECT_EQ(p->state(), v1::PEER_STATE_ALIVE) << daemon->name();
  }
  // Nobody else was suspected at any time.
  for (const auto& watch : watches) {
    for (const ReceivedMessage& m :
         watch->Transitions("", v1::TRANSITION_REASON_CROSSED_THRESHOLD)) {
      EXPECT_EQ(m.message.transition().peer().name(), victim.name())
          << watch->label() << " falsely suspected a live daemon; "
          << watch->DescribeTransitions();
    }
  }
}

}  // namespace
}  // namespace e2e
}  // namespace phid
