// A keyed cluster rejects daemons that do not hold its key: their join
// attempts are counted as drops (auth_failed for a wrong key, unencrypted
// for no key), they learn nothing, and the cluster's membership does not
// change.
#include <fstream>
#include <iostream>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
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

constexpr int kMembers = 3;
// Join attempts to each seed (retried with backoff 200 ms, 400 ms, ...)
// the cluster must have rejected before the test checks it is unchanged.
constexpr int kRejectedAttempts = 3;

// Writes a keyring file with one random 32-byte key in hex (the format of
// gossip/keyring.h); returns its path.
std::string WriteKeyring(const std::string& name, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string hex;
  for (int i = 0; i < 32; ++i) {
    absl::StrAppend(&hex, absl::StrFormat("%02x", rng() & 0xff));
  }
  const std::string path = absl::StrCat(TestTempDir(), "/", name, ".keyring");
  std::ofstream(path) << "# test key " << name << "\n" << hex << "\n";
  return path;
}

std::set<std::string> Names(const DaemonProcess& d) {
  std::set<std::string> names;
  absl::StatusOr<v1::ListPeersResponse> peers = ListPeersAt(d, 8);
  EXPECT_TRUE(peers.ok()) << d.name() << ": " << peers.status();
  if (!peers.ok()) return names;
  for (const v1::Peer& p : peers->peers()) names.insert(p.name());
  return names;
}

// Starts a keyed cluster of kMembers in `slot`, then an intruder (daemon 4
// of the slot) with `intruder_flags`, and checks that the cluster rejects
// and counts its packets as `reason` and stays as it was.
void ExpectIntruderRejected(int slot, const std::string& what,
                            const std::vector<std::string>& intruder_flags,
                            const std::string& reason) {
  const std::string key =
      WriteKeyring(absl::StrCat("cluster-", slot), 1000 + slot);
  std::vector<std::unique_ptr<DaemonProcess>> cluster;
  ASSERT_TRUE(StartLoopbackCluster(slot, kMembers,
                                   {absl::StrCat("--keyring=", key)}, &cluster)
                  .ok());
  ASSERT_TRUE(WaitUntilAllSeeAll(Pointers(cluster), absl::Seconds(20)).ok());
  const std::set<std::string> members = Names(*cluster[0]);
  ASSERT_EQ(members.size(), static_cast<size_t>(kMembers));

  std::vector<std::unique_ptr<WatchRecorder>> watches;
  for (const auto& d : cluster) {
    auto watch = WatchRecorder::Start(d->client(), WatchAt(8), d->name());
    ASSERT_TRUE(watch.ok()) << watch.status();
    watches.push_back(*std::move(watch));
  }
  // Both seeds (daemons 1 and 2) receive the intruder's join attempts.
  std::vector<std::unique_ptr<MetricsScraper>> seeds;
  std::vector<double> before;
  for (int i = 0; i < 2; ++i) {
    seeds.push_back(
        std::make_unique<MetricsScraper>(cluster[i]->config().metrics_address));
    absl::StatusOr<Metrics> m = seeds.back()->Scrape();
    ASSERT_TRUE(m.ok()) << m.status();
    before.push_back(m->Get(DropsKey(reason)));
    // The members themselves never trip the check.
    EXPECT_EQ(m->Sum("phid_gossip_drops_total"), 0) << cluster[i]->name();
  }

  DaemonConfig config = LoopbackDaemonConfig(slot, kMembers + 1);
  config.name = "intruder";
  config.extra_flags = intruder_flags;
  DaemonProcess intruder(config);
  const absl::Time started = absl::Now();
  ASSERT_TRUE(intruder.Start().ok());

  std::vector<double> rejected(seeds.size());
  absl::Status counted = PollUntilOk(
      [&]() -> absl::Status {
        for (size_t i = 0; i < seeds.size(); ++i) {
          absl::StatusOr<Metrics> m = seeds[i]->Scrape();
          if (!m.ok()) return m.status();
          rejected[i] = m->Get(DropsKey(reason)) - before[i];
          if (rejected[i] < kRejectedAttempts) {
            return absl::UnavailableError(
                absl::StrCat(cluster[i]->name(), " counted ", rejected[i], " ",
                             reason, " drops so far"));
          }
        }
        return absl::OkStatus();
      },
      absl::Seconds(15));
  ASSERT_TRUE(counted.ok()) << counted;
  std::cout << absl::StrFormat(
      "\n[keyring] intruder with %s: %s after it started, %s had counted "
      "%.0f and %s %.0f %s drops\n",
      what, Millis(absl::Now() - started), cluster[0]->name(), rejected[0],
      cluster[1]->name(), rejected[1], reason);

  // The cluster is unchanged; the intruder learned nobody, and heard
  // nothing back (no packet reached it).
  for (const auto& d : cluster) {
    EXPECT_EQ(Names(*d), members) << d->name();
  }
  EXPECT_EQ(Names(intruder), std::set<std::string>{"intruder"});
  MetricsScraper intruder_metrics(config.metrics_address);
  absl::StatusOr<Metrics> im = intruder_metrics.Scrape();
  ASSERT_TRUE(im.ok()) << im.status();
  EXPECT_EQ(im->Get("phid_gossip_packets_total{direction=\"in\"}"), 0);
  EXPECT_GT(im->Get("phid_gossip_packets_total{direction=\"out\"}"), 0);
  for (const auto& watch : watches) {
    EXPECT_TRUE(watch->Transitions().empty()) << watch->DescribeTransitions();
  }
  ASSERT_TRUE(WaitUntilAllSeeAll(Pointers(cluster), absl::Seconds(5)).ok());
}

TEST(KeyringE2eTest, ADaemonWithTheWrongKeyIsRejectedCountedAndChangesNothing) {
  const std::string wrong_key = WriteKeyring("wrong", 7);
  ExpectIntruderRejected(/*slot=*/6, "the wrong key",
                         {absl::StrCat("--keyring=", wrong_key)},
                         "auth_failed");
}

TEST(KeyringE2eTest, ADaemonWithoutAKeyIsRejectedCountedAndChangesNothing) {
  ExpectIntruderRejected(/*slot=*/7, "no key", {}, "unencrypted");
}

}  // namespace
}  // namespace e2e
}  // namespace phid
