// The keyring reload the daemon's loop runs on SIGHUP (ReloadKeyringFile),
// on two peers gossiping on simulated time (simulated_peers.h): a good file
// swaps the keyring between packets and the peers keep gossiping; a bad
// file keeps the keyring in use and is counted. (SIGHUP itself reaching a
// real process: tests/e2e_keyring_rotation_test.)
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gossip/keyring.h"
#include "gtest/gtest.h"
#include "server/simulated_peers.h"
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

// Runs `sim` until `name`'s metrics show every line of `want`; false
// (with the text) after `limit` of simulated time.
bool MetricsShow(SimulatedPeers& sim, const std::string& name,
                 const std::vector<std::string>& want,
                 absl::Duration limit = absl::Seconds(5)) {
  auto all = [&] {
    const std::string text = sim.MetricsText(name);
    for (const std::string& line : want) {
      if (!absl::StrContains(text, line + "\n")) return false;
    }
    return true;
  };
  if (sim.RunUntil(all, limit)) return true;
  ADD_FAILURE() << "metrics never showed " << want[0] << ":\n"
                << sim.MetricsText(name);
  return false;
}

std::string Primary(const std::string& key) {
  return absl::StrCat("phid_keyring_primary_info{key_id=\"",
                      Keyring::KeyId(key), "\"} 1");
}

uint64_t AuthFailures(SimulatedPeers& sim, const std::string& name) {
  const std::string text = sim.MetricsText(name);
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
          names_[i], i == 0 ? std::vector<std::string>{}
                            : std::vector<std::string>{sim_.address("k0")});
      options.keyring = files_[i];
      sim_.Start(options);
    }
    for (const std::string& name : names_) {
      ASSERT_TRUE(MetricsShow(sim_, name, {"phid_members{state=\"alive\"} 2"}));
    }
  }
  void Reload(int i, const std::vector<std::string>& keys) {
    WriteRing(absl::StrCat("reload-", i, ".keyring"), keys);
    sim_.ReloadKeyring(names_[i]);
  }

  const std::string names_[2] = {"k0", "k1"};
  std::string files_[2];
  SimulatedPeers sim_;
};

TEST_F(KeyringReloadTest, AReloadSwapsThePrimaryAndThePeersKeepGossiping) {
  for (int i = 0; i < 2; ++i) Reload(i, {kOld, kNew});
  for (const std::string& name : names_) {
    ASSERT_TRUE(MetricsShow(sim_, name,
                            {"phid_keyring_keys 2", Primary(kOld),
                             "phid_keyring_reloads_total{result="
                             "\"ok\"} 1"}));
  }
  Reload(0, {kNew, kOld});
  ASSERT_TRUE(MetricsShow(sim_, "k0", {Primary(kNew)}));
  // k1 opens k0's packets with its secondary key, k0 k1's.
  for (const std::string& name : names_) {
    EXPECT_TRUE(MetricsShow(sim_, name, {"phid_members{state=\"alive\"} 2"}));
    EXPECT_TRUE(sim_.RunUntil(
        [&] {
          return !absl::StrContains(sim_.MetricsText(name),
                                    "phid_keyring_secondary_opens_total 0\n");
        },
        absl::Seconds(5)))
        << sim_.MetricsText(name);
  }
  Reload(1, {kNew});  // k1 drops the old key; k0 already seals with the new
  ASSERT_TRUE(MetricsShow(sim_, "k1", {"phid_keyring_keys 1", Primary(kNew)}));
  const uint64_t failures = AuthFailures(sim_, "k1");
  sim_.RunFor(absl::Milliseconds(500));  // ten gossip rounds
  EXPECT_EQ(AuthFailures(sim_, "k1"), failures);
  EXPECT_EQ(AuthFailures(sim_, "k0"), 0u);
  for (const std::string& name : names_) {
    EXPECT_TRUE(MetricsShow(sim_, name,
                            {"phid_members{state=\"alive\"} 2",
                             "phid_members{state=\"suspect\"} 0"}));
  }
}

TEST_F(KeyringReloadTest, ABadFileKeepsTheKeyringInUseAndIsCounted) {
  int failures = 0;
  for (const char* text : {"not a key\n", ""}) {
    WriteText(files_[0], text);
    sim_.ReloadKeyring("k0");
    ASSERT_TRUE(MetricsShow(
        sim_, "k0",
        {absl::StrCat("phid_keyring_reloads_total{result=\"failed\"} ",
                      ++failures)}));
  }
  ASSERT_TRUE(MetricsShow(sim_, "k0",
                          {"phid_keyring_reloads_total{result=\"failed\"} 2",
                           "phid_keyring_reloads_total{result=\"ok\"} 0",
                           "phid_keyring_keys 1", Primary(kOld)}));
  std::remove(files_[0].c_str());
  sim_.ReloadKeyring("k0");
  ASSERT_TRUE(MetricsShow(sim_, "k0",
                          {"phid_keyring_reloads_total{result=\"failed\"} 3"}));
  // The old key still seals and opens: nothing was dropped on either side.
  sim_.RunFor(absl::Milliseconds(500));
  EXPECT_EQ(AuthFailures(sim_, "k0"), 0u);
  EXPECT_EQ(AuthFailures(sim_, "k1"), 0u);
  EXPECT_TRUE(MetricsShow(sim_, "k1", {"phid_members{state=\"alive\"} 2"}));
}

TEST(KeyringReloadWithoutKeyringTest, AReloadChangesNothing) {
  SimulatedPeers sim;
  sim.Start(TestDaemonOptions("plain"));
  sim.ReloadKeyring("plain");
  ASSERT_TRUE(MetricsShow(sim, "plain",
                          {"phid_keyring_keys 0",
                           "phid_keyring_reloads_total{result="
                           "\"failed\"} 0"}));
}

}  // namespace
}  // namespace phid
