// Keyring rotation at the gossip layer, on the simulated network and clock:
// the three steps (add the new key as secondary everywhere, make it primary
// everywhere, remove the old one), one node at a time, for both wire
// protocols, must never make a member suspected or lose one; doing them out
// of order must (so the test can tell).
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "gossip/gossip_node.h"
#include "gossip/keyring.h"
#include "gossip/sim_cluster.h"
#include "gtest/gtest.h"

namespace phid {
namespace {

constexpr int kNodes = 5;
constexpr double kSuspectPhi = 8;

Keyring Ring(std::vector<std::string> keys) {
  absl::StatusOr<Keyring> ring = Keyring::FromKeys(std::move(keys));
  CHECK(ring.ok()) << ring.status();
  return *std::move(ring);
}

const std::string kOld(Keyring::kKeyBytes, 'o');
const std::string kNew(Keyring::kKeyBytes, 'n');

// Everything a rotation must not cause, as one node saw it.
class Watcher final : public MembershipListener {
 public:
  void OnMemberEvent(const MemberEvent& event) override {
    if (event.type == MemberEventType::kLeft ||
        event.type == MemberEventType::kRemoved ||
        event.type == MemberEventType::kRestarted) {
      bad_events.push_back(event.record.name);
    }
  }
  void OnEvidence(const std::string& name, const PhiCurve& before,
                  MonoTime now) override {
    if (before.Phi(now) >= kSuspectPhi) suspicions.push_back(name);
  }
  std::vector<std::string> bad_events;
  std::vector<std::string> suspicions;
};

class KeyringRotationTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    GossipOptions options = GossipOptions::ForLan();
    options.protocol = GetParam();
    for (int i = 0; i < kNodes; ++i) {
      cluster_.AddNode(options, &watchers_[i], &old_only_);
    }
    ASSERT_TRUE(cluster_.RunUntil([&] { return AllSeeAll(cluster_, all_); },
                                  absl::Seconds(10)));
    cluster_.RunFor(absl::Seconds(3));  // histories past their warm-up
  }

  // Gives each node `ring` in turn, `gap` apart, checking every member's
  // phi at every node every 50 ms; then lets gossip flow for 2 s.
  void Step(const Keyring& ring, absl::Duration gap = absl::Milliseconds(300)) {
    for (int i = 0; i < kNodes; ++i) {
      cluster_.ReplaceKeyring(i, &ring);
      RunChecking(gap);
    }
    RunChecking(absl::Seconds(2));
  }

  void RunChecking(absl::Duration d) {
    for (absl::Duration t; t < d; t += absl::Milliseconds(50)) {
      cluster_.RunFor(absl::Milliseconds(50));
      for (int i = 0; i < kNodes; ++i) {
        const Membership& m = cluster_.node(i).gossip->membership();
        for (int v = 0; v < kNodes; ++v) {
          if (v == i) continue;
          const Member* member = m.Find(cluster_.node(v).name);
          ASSERT_NE(member, nullptr) << i << " lost " << v;
          max_phi_ = std::max(
              max_phi_, m.CurveOf(*member, cluster_.now()).Phi(cluster_.now()));
        }
      }
    }
  }

  uint64_t AuthFailures() {
    uint64_t total = 0;
    for (int i = 0; i < kNodes; ++i) {
      total += cluster_.node(i).gossip->counters().drops[static_cast<size_t>(
          DropReason::kAuthFailed)];
    }
    return total;
  }
  uint64_t SecondaryOpens() {
    uint64_t total = 0;
    for (int i = 0; i < kNodes; ++i) {
      total += cluster_.node(i).gossip->secondary_key_opens();
    }
    return total;
  }
  void ExpectNobodySuspectedOrLost() {
    EXPECT_LT(max_phi_, kSuspectPhi);
    for (int i = 0; i < kNodes; ++i) {
      EXPECT_TRUE(watchers_[i].suspicions.empty())
          << "node " << i << " suspected " << watchers_[i].suspicions[0];
      EXPECT_TRUE(watchers_[i].bad_events.empty())
          << "node " << i << " lost " << watchers_[i].bad_events[0];
    }
    EXPECT_TRUE(AllSeeAll(cluster_, all_));
  }

  const Keyring old_only_ = Ring({kOld});
  const Keyring new_added_ = Ring({kOld, kNew});
  const Keyring new_primary_ = Ring({kNew, kOld});
  const Keyring new_only_ = Ring({kNew});
  const std::vector<int> all_ = {0, 1, 2, 3, 4};
  Watcher watchers_[kNodes];
  SimCluster cluster_{static_cast<uint64_t>(GetParam()) * 100 + 7};
  double max_phi_ = 0;
};

TEST_P(KeyringRotationTest, TheThreeStepsOneNodeAtATimeSuspectNobody) {
  Step(new_added_);
  // Everybody still seals with the old key, everybody's primary.
  EXPECT_EQ(SecondaryOpens(), 0u);
  Step(new_primary_);
  // While the primaries differed, packets opened under the secondary key;
  // once every node seals with the new key, none do: the old one is idle.
  const uint64_t after_promotion = SecondaryOpens();
  EXPECT_GT(after_promotion, 0u);
  RunChecking(absl::Seconds(2));
  EXPECT_EQ(SecondaryOpens(), after_promotion);
  Step(new_only_);
  EXPECT_EQ(AuthFailures(), 0u);
  ExpectNobodySuspectedOrLost();
}

TEST_P(KeyringRotationTest, MakingANewKeyPrimaryBeforeEveryoneHasItIsSeen) {
  // The new key as node 0's primary while no one else holds it: its peers
  // cannot open its packets, and its heartbeats stop arriving.
  cluster_.ReplaceKeyring(0, &new_primary_);
  cluster_.RunFor(absl::Seconds(3));
  EXPECT_GT(AuthFailures(), 0u);
  bool suspected = false;
  for (int i = 1; i < kNodes; ++i) {
    const Membership& m = cluster_.node(i).gossip->membership();
    const Member* zero = m.Find(cluster_.node(0).name);
    suspected |=
        zero == nullptr ||
        m.CurveOf(*zero, cluster_.now()).Phi(cluster_.now()) >= kSuspectPhi;
  }
  EXPECT_TRUE(suspected);
}

INSTANTIATE_TEST_SUITE_P(BothProtocols, KeyringRotationTest,
                         ::testing::Values(1, 2),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return absl::StrCat("Protocol", info.param);
                         });

}  // namespace
}  // namespace phid
