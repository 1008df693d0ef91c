// Daemon::RequestKeyringReload (phid's SIGHUP) on two real daemons on
// loopback: a good file swaps the keyring between packets and the peers keep
// gossiping; a bad file keeps the keyring in use and is counted.
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gossip/keyring.h"
#include "gtest/gtest.h"
#include "server/daemon.h"
#include "server/test_daemons.h"

namespace phid {
namespace {

const std::string kOld(Keyring::kKeyBytes, 'o');
const std::string kNew(Keyring::kKeyBytes, 'n');

std::string WriteRing(const std::string& name,
                      const std::vector<std::string>& keys) {
  const std::string path = absl::StrCat(::testing::TempDir(), "/", name);
  std::ofstream file(path, std::ios::trunc);
  for (const std::string& key : keys) file << Keyring::KeyFileText(key);
  return path;
}

void WriteText(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text;
}

// Polls `done` every 20 ms until it holds; false after `limit`.
bool Eventually(const std::function<bool()>& done,
                absl::Duration limit = absl::Seconds(5)) {
  const absl::Time end = absl::Now() + limit;
  while (!done()) {
    if (absl::Now() > end) return false;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return true;
}

// Polls `daemon`'s metrics until every line of `want` is there (the reload
// runs on the loop thread); false after `limit`.
bool MetricsShow(Daemon& daemon, const std::vector<std::string>& want,
                 absl::Duration limit = absl::Seconds(5)) {
  const absl::Time end = absl::Now() + limit;
  while (true) {
    const std::string text = daemon.MetricsText();
    bool all = true;
    for (const std::string& line : want) {
      all = all && absl::StrContains(text, line + "\n");
    }
    if (all) return true;
    if (absl::Now() > end) {
      ADD_FAILURE() << "metrics never showed " << want[0] << ":\n" << text;
      return false;
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
}

std::string Primary(const std::string& key) {
  return absl::StrCat("phid_keyring_primary_info{key_id=\"",
                      Keyring::KeyId(key), "\"} 1");
}

uint64_t AuthFailures(Daemon& daemon) {
  const std::string text = daemon.MetricsText();
  const std::string line = "phid_gossip_drops_total{reason=\"auth_failed\"} ";
  size_t at = text.find(line);
  EXPECT_NE(at, std::string::npos);
  return std::stoull(text.substr(at + line.size()));
}

class KeyringReloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 2; ++i) {
      files_[i] = WriteRing(absl::StrCat("reload-", i, ".keyring"), {kOld});
      DaemonOptions options = TestDaemonOptions(
          absl::StrCat("k", i),
          i == 0 ? std::vector<std::string>{}
                 : std::vector<std::string>{daemons_[0]->gossip_address()});
      options.keyring = files_[i];
      daemons_[i] = StartTestDaemon(options);
    }
    for (auto& daemon : daemons_) {
      ASSERT_TRUE(MetricsShow(*daemon, {"phid_members{state=\"alive\"} 2"}));
    }
  }
  void Reload(int i, const std::vector<std::string>& keys) {
    WriteRing(absl::StrCat("reload-", i, ".keyring"), keys);
    daemons_[i]->RequestKeyringReload();
  }

  std::string files_[2];
  std::unique_ptr<Daemon> daemons_[2];
};

TEST_F(KeyringReloadTest, AReloadSwapsThePrimaryAndThePeersKeepGossiping) {
  for (int i = 0; i < 2; ++i) Reload(i, {kOld, kNew});
  for (auto& daemon : daemons_) {
    ASSERT_TRUE(MetricsShow(*daemon, {"phid_keyring_keys 2", Primary(kOld),
                                      "phid_keyring_reloads_total{result="
                                      "\"ok\"} 1"}));
  }
  Reload(0, {kNew, kOld});
  ASSERT_TRUE(MetricsShow(*daemons_[0], {Primary(kNew)}));
  // k1 opens k0's packets with its secondary key, k0 k1's.
  for (auto& daemon : daemons_) {
    EXPECT_TRUE(MetricsShow(*daemon, {"phid_members{state=\"alive\"} 2"}));
    EXPECT_TRUE(Eventually([&] {
      return !absl::StrContains(daemon->MetricsText(),
                                "phid_keyring_secondary_opens_total 0\n");
    })) << daemon->MetricsText();
  }
  Reload(1, {kNew});  // k1 drops the old key; k0 already seals with the new
  ASSERT_TRUE(
      MetricsShow(*daemons_[1], {"phid_keyring_keys 1", Primary(kNew)}));
  const uint64_t failures = AuthFailures(*daemons_[1]);
  absl::SleepFor(absl::Milliseconds(500));  // ten gossip rounds
  EXPECT_EQ(AuthFailures(*daemons_[1]), failures);
  EXPECT_EQ(AuthFailures(*daemons_[0]), 0u);
  for (auto& daemon : daemons_) {
    EXPECT_TRUE(MetricsShow(*daemon, {"phid_members{state=\"alive\"} 2",
                                      "phid_members{state=\"suspect\"} 0"}));
  }
}

TEST_F(KeyringReloadTest, ABadFileKeepsTheKeyringInUseAndIsCounted) {
  // Requests made before the loop gets to them coalesce: one at a time.
  int failures = 0;
  for (const char* text : {"not a key\n", ""}) {
    WriteText(files_[0], text);
    daemons_[0]->RequestKeyringReload();
    ASSERT_TRUE(MetricsShow(
        *daemons_[0],
        {absl::StrCat("phid_keyring_reloads_total{result=\"failed\"} ",
                      ++failures)}));
  }
  ASSERT_TRUE(MetricsShow(*daemons_[0],
                          {"phid_keyring_reloads_total{result=\"failed\"} 2",
                           "phid_keyring_reloads_total{result=\"ok\"} 0",
                           "phid_keyring_keys 1", Primary(kOld)}));
  std::remove(files_[0].c_str());
  daemons_[0]->RequestKeyringReload();
  ASSERT_TRUE(MetricsShow(*daemons_[0],
                          {"phid_keyring_reloads_total{result=\"failed\"} 3"}));
  // The old key still seals and opens: nothing was dropped on either side.
  absl::SleepFor(absl::Milliseconds(500));
  EXPECT_EQ(AuthFailures(*daemons_[0]), 0u);
  EXPECT_EQ(AuthFailures(*daemons_[1]), 0u);
  EXPECT_TRUE(MetricsShow(*daemons_[1], {"phid_members{state=\"alive\"} 2"}));
}

TEST(KeyringReloadWithoutKeyringTest, AReloadChangesNothing) {
  auto daemon = StartTestDaemon(TestDaemonOptions("plain"));
  daemon->RequestKeyringReload();
  ASSERT_TRUE(MetricsShow(*daemon, {"phid_keyring_keys 0",
                                    "phid_keyring_reloads_total{result="
                                    "\"failed\"} 0"}));
}

}  // namespace
}  // namespace phid
