// 10% of every daemon's outgoing gossip datagrams dropped for 60 s: no
// daemon suspects any other at phi 8.
#include <algorithm>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "proto/phi.pb.h"
#include "tests/daemon_process.h"
#include "tests/loopback_cluster.h"
#include "tests/metrics_scrape.h"
#include "tests/watch_recorder.h"

namespace phid {
namespace e2e {
namespace {

namespace v1 = ::phi::v1;

constexpr int kSlot = 4;
constexpr int kDaemons = 5;
constexpr double kThreshold = 8;
constexpr double kLoss = 0.1;
constexpr absl::Duration kSoak = absl::Seconds(60);

struct PacketTotals {
  double in = 0;
  double out = 0;
};

PacketTotals ScrapeTotals(
    const std::vector<std::unique_ptr<DaemonProcess>>& cluster) {
  PacketTotals totals;
  for (const auto& d : cluster) {
    MetricsScraper scraper(d->config().metrics_address);
    absl::StatusOr<Metrics> m = scraper.Scrape();
    EXPECT_TRUE(m.ok()) << m.status();
    if (!m.ok()) continue;
    totals.in += m->Get("phid_gossip_packets_total{direction=\"in\"}");
    totals.out += m->Get("phid_gossip_packets_total{direction=\"out\"}");
  }
  return totals;
}

TEST(LossE2eTest,
     TenPercentLossForSixtySecondsMakesNobodySuspectAnybodyAtPhiEight) {
  std::vector<std::unique_ptr<DaemonProcess>> cluster;
  ASSERT_TRUE(StartLoopbackCluster(
                  kSlot, kDaemons,
                  {absl::StrFormat("--drop_probability=%g", kLoss)}, &cluster)
                  .ok());
  ASSERT_TRUE(WaitUntilAllSeeAll(Pointers(cluster), absl::Seconds(30)).ok());

  std::vector<std::unique_ptr<WatchRecorder>> watches;
  v1::WatchRequest request = WatchAt(kThreshold);
  // Levels every 100 ms (the minimum), to report the peak phi sampled.
  request.mutable_level_interval()->set_nanos(100'000'000);
  for (const auto& d : cluster) {
    auto watch = WatchRecorder::Start(d->client(), request, d->name());
    ASSERT_TRUE(watch.ok()) << watch.status();
    watches.push_back(*std::move(watch));
  }
  const PacketTotals before = ScrapeTotals(cluster);
  const absl::Time start = absl::Now();
  std::cout << "\n[loss] " << kDaemons << " daemons, "
            << static_cast<int>(kLoss * 100)
            << "% of outgoing gossip dropped, watched at phi " << kThreshold
            << " for " << absl::FormatDuration(kSoak) << "\n"
            << std::flush;
  // The whole soak is the window in which nothing may happen; stop early
  // on the first suspicion.
  bool suspected = false;
  while (!suspected && absl::Now() < start + kSoak) {
    for (const auto& watch : watches) {
      suspected |=
          watch
              ->WaitForTransition("", v1::TRANSITION_REASON_CROSSED_THRESHOLD,
                                  std::min(absl::Milliseconds(500),
                                           start + kSoak - absl::Now()))
              .has_value();
    }
  }
  const absl::Duration soaked = absl::Now() - start;
  const PacketTotals after = ScrapeTotals(cluster);

  for (const auto& watch : watches) {
    EXPECT_EQ(
        watch->Transitions("", v1::TRANSITION_REASON_CROSSED_THRESHOLD).size(),
        0u)
        << watch->DescribeTransitions();
    // Peak phi in the level samples (a sample, not the true peak).
    std::map<std::string, double> peak;
    int samples = 0;
    for (const ReceivedMessage& m : watch->Messages()) {
      if (!m.message.has_levels()) continue;
      ++samples;
      for (const v1::Level& level : m.message.levels().levels()) {
        peak[level.name()] = std::max(peak[level.name()], level.phi());
      }
    }
    std::string line;
    for (const auto& [name, phi] : peak) {
      if (name != watch->label()) {
        line += absl::StrFormat(" %s=%.3g", name, phi);
      }
    }
    std::cout << "[loss]   " << watch->label() << ": 0 expected, "
              << watch->Transitions("", v1::TRANSITION_REASON_CROSSED_THRESHOLD)
                     .size()
              << " suspicions; peak sampled phi (" << samples
              << " samples):" << line << "\n";
  }
  // The loss was real: about 10% of what was sent never arrived.
  const double sent = after.out - before.out;
  const double received = after.in - before.in;
  ASSERT_GT(sent, 0);
  const double lost = 1 - received / sent;
  std::cout << absl::StrFormat(
                   "[loss]   %.0f datagrams sent, %.0f received: %.1f%% lost "
                   "over %s\n",
                   sent, received, 100 * lost, Millis(soaked))
            << std::flush;
  EXPECT_GT(lost, kLoss - 0.03);
  EXPECT_LT(lost, kLoss + 0.03);
  EXPECT_GE(soaked, kSoak);
  ASSERT_TRUE(WaitUntilAllSeeAll(Pointers(cluster), absl::Seconds(5)).ok());
}

}  // namespace
}  // namespace e2e
}  // namespace phid
