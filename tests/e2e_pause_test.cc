// A daemon frozen with SIGSTOP for 5 s: the others suspect it, then recover
// it after SIGCONT; the frozen daemon reports that it was paused
// (OBSERVER_PAUSED) and, judging the silence it could not observe as its own
// pause, accuses none of the healthy daemons.
#include <signal.h>

#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
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

constexpr int kSlot = 2;
constexpr int kDaemons = 4;
constexpr double kThreshold = 8;
constexpr absl::Duration kPause = absl::Seconds(5);

double Seconds(const google::protobuf::Duration& d) {
  return d.seconds() + d.nanos() / 1e9;
}

TEST(PauseE2eTest,
     AStoppedDaemonIsSuspectedThenRecoveredAndAccusesNoHealthyPeer) {
  std::vector<std::unique_ptr<DaemonProcess>> cluster;
  ASSERT_TRUE(StartLoopbackCluster(kSlot, kDaemons, {}, &cluster).ok());
  ASSERT_TRUE(WaitUntilAllSeeAll(Pointers(cluster), absl::Seconds(20)).ok());

  DaemonProcess& paused = *cluster.back();
  std::vector<DaemonProcess*> healthy;
  std::vector<std::unique_ptr<WatchRecorder>> watches;  // on the healthy
  for (int i = 0; i < kDaemons - 1; ++i) {
    healthy.push_back(cluster[i].get());
    auto watch = WatchRecorder::Start(cluster[i]->client(), WatchAt(kThreshold),
                                      cluster[i]->name());
    ASSERT_TRUE(watch.ok()) << watch.status();
    watches.push_back(*std::move(watch));
  }
  // The paused daemon's own view, with levels every 250 ms: a message that
  // arrives after a moment proves everything the daemon judged before it
  // has been delivered.
  v1::WatchRequest own_request = WatchAt(kThreshold);
  own_request.mutable_level_interval()->set_nanos(250'000'000);
  auto own = WatchRecorder::Start(paused.client(), own_request, paused.name());
  ASSERT_TRUE(own.ok()) << own.status();
  WatchRecorder& own_watch = **own;

  const absl::Time stopped_at = absl::Now();
  ASSERT_TRUE(paused.Signal(SIGSTOP).ok());
  std::cout << "\n[pause] " << paused.name() << " stopped (SIGSTOP) for "
            << absl::FormatDuration(kPause) << "\n";
  for (const auto& watch : watches) {
    absl::optional<ReceivedMessage> suspect = watch->WaitForTransition(
        paused.name(), v1::TRANSITION_REASON_CROSSED_THRESHOLD,
        stopped_at + kPause - absl::Now());
    ASSERT_TRUE(suspect.has_value())
        << watch->label() << " did not suspect the stopped " << paused.name()
        << " while it was stopped; " << watch->DescribeTransitions();
    std::cout << "[pause]   " << watch->label() << " suspected it after "
              << Millis(suspect->received - stopped_at) << "\n";
  }
  // The pause lasts kPause whatever the detection took: it is the
  // scenario, not a wait for something.
  absl::SleepFor(stopped_at + kPause - absl::Now());
  // The healthy daemons' own heartbeat counters now: once the paused daemon
  // knows counters at least this high, it has heard from each of them
  // after resuming.
  std::map<std::string, uint64_t> heartbeat_at_resume;
  for (DaemonProcess* d : healthy) {
    absl::StatusOr<v1::ListPeersResponse> peers = ListPeersAt(*d, kThreshold);
    ASSERT_TRUE(peers.ok()) << peers.status();
    heartbeat_at_resume[d->name()] = FindPeer(*peers, d->name())->heartbeat();
  }
  const absl::Time resumed_at = absl::Now();
  ASSERT_TRUE(paused.Signal(SIGCONT).ok());
  std::cout << "[pause] " << paused.name() << " continued (SIGCONT) after "
            << Millis(resumed_at - stopped_at) << "\n";

  // The paused daemon noticed its pause.
  absl::optional<ReceivedMessage> noticed = own_watch.WaitForTransition(
      paused.name(), v1::TRANSITION_REASON_OBSERVER_PAUSED, absl::Seconds(5));
  ASSERT_TRUE(noticed.has_value()) << own_watch.DescribeTransitions();
  const double paused_for = Seconds(noticed->message.transition().paused());
  std::cout << absl::StrFormat(
      "[pause]   %s reported OBSERVER_PAUSED (%.3f s) %s after SIGCONT\n",
      paused.name(), paused_for, Millis(noticed->received - resumed_at));
  EXPECT_TRUE(noticed->message.transition().peer().is_self());
  EXPECT_GT(paused_for, absl::ToDoubleSeconds(kPause) - 1.0);
  EXPECT_LT(paused_for, absl::ToDoubleSeconds(kPause) + 1.0);

  // The others recover it.
  for (const auto& watch : watches) {
    absl::optional<ReceivedMessage> recovered =
        watch->WaitForTransition(paused.name(), v1::TRANSITION_REASON_RECOVERED,
                                 absl::Seconds(5), resumed_at);
    ASSERT_TRUE(recovered.has_value())
        << watch->label() << " did not recover " << paused.name() << "; "
        << watch->DescribeTransitions();
    std::cout << "[pause]   " << watch->label() << " recovered it "
              << Millis(recovered->received - resumed_at) << " after SIGCONT\n";
  }

  // The paused daemon hears fresh heartbeats from every healthy daemon...
  absl::Time heard_all_at;
  absl::Status heard = PollUntilOk(
      [&]() -> absl::Status {
        absl::StatusOr<v1::ListPeersResponse> peers =
            ListPeersAt(paused, kThreshold);
        if (!peers.ok()) return peers.status();
        for (const auto& [name, heartbeat] : heartbeat_at_resume) {
          const v1::Peer* p = FindPeer(*peers, name);
          if (p == nullptr || p->heartbeat() < heartbeat ||
              p->state() != v1::PEER_STATE_ALIVE) {
            return absl::UnavailableError(absl::StrCat(
                "no fresh heartbeat of ", name,
                " yet: ", p == nullptr ? "unknown" : p->ShortDebugString()));
          }
        }
        heard_all_at = absl::Now();
        return absl::OkStatus();
      },
      absl::Seconds(5));
  ASSERT_TRUE(heard.ok()) << heard;
  std::cout << "[pause]   " << paused.name()
            << " heard every healthy daemon again "
            << Millis(heard_all_at - resumed_at) << " after SIGCONT\n";
  // ... and a message it sent after that has arrived, so any accusation it
  // made on resuming would have arrived too.
  ASSERT_TRUE(own_watch.WaitUntil(
      [&](const std::vector<ReceivedMessage>& messages) {
        return !messages.empty() && messages.back().received > heard_all_at;
      },
      absl::Seconds(5)));
  EXPECT_TRUE(own_watch.Transitions("", v1::TRANSITION_REASON_CROSSED_THRESHOLD)
                  .empty())
      << paused.name() << " accused a healthy daemon; "
      << own_watch.DescribeTransitions();
  // Nor did the healthy daemons suspect each other.
  for (const auto& watch : watches) {
    for (const ReceivedMessage& m :
         watch->Transitions("", v1::TRANSITION_REASON_CROSSED_THRESHOLD)) {
      EXPECT_EQ(m.message.transition().peer().name(), paused.name())
          << watch->DescribeTransitions();
    }
  }
  std::cout << std::flush;
}

}  // namespace
}  // namespace e2e
}  // namespace phid
