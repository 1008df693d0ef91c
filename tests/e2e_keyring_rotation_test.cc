// A keyring rotation on a running cluster, exactly as README "Rotating the
// keyring" tells an operator: `phid keygen` writes the new key, then three
// steps (the new key as secondary, the new key as primary, the old key
// removed), each one rewriting every daemon's --keyring file and sending it
// SIGHUP in turn, and waiting for gossip to flow before the next. Watch
// subscribers on every daemon must see no transition at all (no SUSPECT, no
// LEFT), every member must stay ALIVE, and no datagram may fail to
// authenticate.
#include <signal.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
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

constexpr int kSlot = 10;  // 8 is abuse_soak_ci_test's
constexpr int kDaemons = 3;

struct KeyFile {
  std::string path;
  std::string id;  // as phid keygen printed it
};

// Runs `phid keygen` (the real binary) and takes the key id it prints.
absl::StatusOr<KeyFile> Keygen(const std::string& name) {
  std::string error;
  const std::string phid = PhidBinaryPath(&error);
  if (phid.empty()) return absl::NotFoundError(error);
  KeyFile key;
  key.path = absl::StrCat(TestTempDir(), "/", name, ".key");
  std::remove(key.path.c_str());
  const std::string command =
      absl::StrCat("'", phid, "' keygen '", key.path, "' 2>&1");
  std::FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return absl::InternalError("popen failed");
  std::string output;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) {
    output.append(buffer, n);
  }
  if (pclose(pipe) != 0) {
    return absl::InternalError(absl::StrCat("phid keygen failed: ", output));
  }
  const std::string marker = "wrote key ";
  const size_t at = output.find(marker);
  if (at == std::string::npos) {
    return absl::InternalError(absl::StrCat("no key id in: ", output));
  }
  key.id = output.substr(at + marker.size(), 8);
  return key;
}

std::string Read(const std::string& path) {
  std::ifstream file(path);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

// `cat keys... > keyring`.
void Concatenate(const std::vector<const KeyFile*>& keys,
                 const std::string& keyring) {
  std::string text;
  for (const KeyFile* key : keys) absl::StrAppend(&text, Read(key->path));
  std::ofstream(keyring, std::ios::trunc) << text;
}

class KeyringRotationE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<KeyFile> old_key = Keygen("old");
    absl::StatusOr<KeyFile> new_key = Keygen("new");
    ASSERT_TRUE(old_key.ok()) << old_key.status();
    ASSERT_TRUE(new_key.ok()) << new_key.status();
    old_ = *old_key;
    new_ = *new_key;
    ASSERT_NE(old_.id, new_.id);
    for (int k = 1; k <= kDaemons; ++k) {
      DaemonConfig config = LoopbackDaemonConfig(kSlot, k);
      const std::string keyring =
          absl::StrCat(TestTempDir(), "/", config.name, ".keyring");
      Concatenate({&old_}, keyring);
      config.extra_flags = {absl::StrCat("--keyring=", keyring)};
      keyrings_.push_back(keyring);
      cluster_.push_back(std::make_unique<DaemonProcess>(config));
    }
    for (auto& d : cluster_) ASSERT_TRUE(d->Spawn().ok()) << d->name();
    for (auto& d : cluster_) {
      absl::Status serving = d->WaitUntilServing(absl::Seconds(15));
      ASSERT_TRUE(serving.ok()) << serving;
      scrapers_.push_back(
          std::make_unique<MetricsScraper>(d->config().metrics_address));
    }
    absl::Status all =
        WaitUntilAllSeeAll(Pointers(cluster_), absl::Seconds(20));
    ASSERT_TRUE(all.ok()) << all;
    for (const auto& d : cluster_) {
      auto watch = WatchRecorder::Start(d->client(), WatchAt(8), d->name());
      ASSERT_TRUE(watch.ok()) << watch.status();
      watches_.push_back(*std::move(watch));
    }
  }

  absl::StatusOr<Metrics> Scrape(int i) { return scrapers_[i]->Scrape(); }

  // One step: daemon by daemon, write `keys` to its keyring file, SIGHUP it
  // and wait until its metrics show the reload (`reloads` so far, `keys`
  // held, sealing with `primary`), and for gossip to flow before the next
  // daemon; after the last, for gossip to flow again.
  void Step(const std::string& what, const std::vector<const KeyFile*>& keys,
            int reloads) {
    SCOPED_TRACE(what);
    const absl::Time started = absl::Now();
    for (int i = 0; i < kDaemons; ++i) {
      Concatenate(keys, keyrings_[i]);
      ASSERT_TRUE(cluster_[i]->Signal(SIGHUP).ok());
      absl::Status reloaded = PollUntilOk(
          [&]() -> absl::Status {
            absl::StatusOr<Metrics> m = Scrape(i);
            if (!m.ok()) return m.status();
            if (m->Get("phid_keyring_reloads_total{result=\"ok\"}") !=
                    reloads ||
                m->Get("phid_keyring_keys") != keys.size() ||
                m->Get(absl::StrCat("phid_keyring_primary_info{key_id=\"",
                                    keys[0]->id, "\"}")) != 1) {
              return absl::UnavailableError(
                  absl::StrCat(cluster_[i]->name(), " has not reloaded"));
            }
            if (m->Get("phid_keyring_reloads_total{result=\"failed\"}") != 0) {
              return absl::InternalError("a reload failed");
            }
            return absl::OkStatus();
          },
          absl::Seconds(5));
      ASSERT_TRUE(reloaded.ok()) << reloaded;
      // The cluster runs mixed for a while, as it would between hosts.
      WaitForGossip(10);
    }
    WaitForGossip(20);
    ExpectUnharmed();
    std::cout << absl::StrFormat(
        "\n[rotation] %s: every daemon reloaded and "
        "gossip flowed in %s\n",
        what, Millis(absl::Now() - started));
  }

  // Waits until every daemon has learned `arrivals` more newer heartbeats.
  void WaitForGossip(double arrivals) {
    std::vector<double> before(kDaemons);
    for (int i = 0; i < kDaemons; ++i) {
      absl::StatusOr<Metrics> m = Scrape(i);
      ASSERT_TRUE(m.ok()) << m.status();
      before[i] = m->Get("phid_gossip_arrivals_total");
    }
    absl::Status flowed = PollUntilOk(
        [&]() -> absl::Status {
          for (int i = 0; i < kDaemons; ++i) {
            absl::StatusOr<Metrics> m = Scrape(i);
            if (!m.ok()) return m.status();
            if (m->Get("phid_gossip_arrivals_total") < before[i] + arrivals) {
              return absl::UnavailableError(
                  absl::StrCat(cluster_[i]->name(), " heard little yet"));
            }
          }
          return absl::OkStatus();
        },
        absl::Seconds(10));
    ASSERT_TRUE(flowed.ok()) << flowed;
  }

  // Nobody saw a transition, every member is ALIVE everywhere, and no
  // datagram failed to authenticate.
  void ExpectUnharmed() {
    for (const auto& watch : watches_) {
      EXPECT_TRUE(watch->Transitions().empty()) << watch->label() << ":\n"
                                                << watch->DescribeTransitions();
    }
    absl::Status alive =
        WaitUntilAllSeeAll(Pointers(cluster_), absl::Seconds(1));
    EXPECT_TRUE(alive.ok()) << alive;
    for (int i = 0; i < kDaemons; ++i) {
      absl::StatusOr<Metrics> m = Scrape(i);
      ASSERT_TRUE(m.ok()) << m.status();
      EXPECT_EQ(m->Get(DropsKey("auth_failed")), 0) << cluster_[i]->name();
      EXPECT_EQ(m->Get("phid_members{state=\"suspect\"}"), 0)
          << cluster_[i]->name();
      EXPECT_EQ(m->Get("phid_members{state=\"left\"}"), 0)
          << cluster_[i]->name();
    }
  }

  // Sum over the daemons of datagrams opened by a secondary key.
  double SecondaryOpens() {
    double total = 0;
    for (int i = 0; i < kDaemons; ++i) {
      absl::StatusOr<Metrics> m = Scrape(i);
      EXPECT_TRUE(m.ok()) << m.status();
      if (m.ok()) total += m->Get("phid_keyring_secondary_opens_total");
    }
    return total;
  }

  KeyFile old_;
  KeyFile new_;
  std::vector<std::string> keyrings_;
  std::vector<std::unique_ptr<DaemonProcess>> cluster_;
  std::vector<std::unique_ptr<MetricsScraper>> scrapers_;
  std::vector<std::unique_ptr<WatchRecorder>> watches_;
};

TEST_F(KeyringRotationE2eTest, ThreeReloadsPerDaemonRotateTheKeyUnnoticed) {
  const absl::Time started = absl::Now();
  Step("1. new key added as secondary", {&old_, &new_}, 1);
  // Everybody still seals with the old key, everybody's primary.
  EXPECT_EQ(SecondaryOpens(), 0);

  Step("2. new key made primary", {&new_, &old_}, 2);
  // While the primaries differed, datagrams opened under the secondary key.
  // Now every daemon seals with the new one: the count stops growing, and
  // the old key may go (what README tells the operator to check).
  const double promoted = SecondaryOpens();
  EXPECT_GT(promoted, 0);
  absl::SleepFor(absl::Seconds(1));  // many gossip rounds
  EXPECT_EQ(SecondaryOpens(), promoted);

  Step("3. old key removed", {&new_}, 3);
  EXPECT_EQ(SecondaryOpens(), promoted);
  for (const auto& d : cluster_) {
    const std::string log = Read(d->log_path());
    EXPECT_NE(log.find(absl::StrCat("removed [", old_.id, "]")),
              std::string::npos)
        << d->name() << " did not log the removal:\n"
        << d->LogTail(20);
    // Key ids only: neither key's hex appears in the log.
    for (const KeyFile* key : {&old_, &new_}) {
      const std::string text = Read(key->path);
      const std::string hex =
          text.substr(text.rfind('\n', text.size() - 2) + 1, 64);
      EXPECT_EQ(log.find(hex), std::string::npos) << d->name();
    }
  }
  ExpectUnharmed();
  for (const auto& watch : watches_) {
    EXPECT_GT(watch->Messages().size(), 0u) << watch->label();
  }
  std::cout << absl::StrFormat(
      "\n[rotation] %d daemons rotated %s -> %s in %s with 0 transitions\n",
      kDaemons, old_.id, new_.id, Millis(absl::Now() - started));
}

}  // namespace
}  // namespace e2e
}  // namespace phid
