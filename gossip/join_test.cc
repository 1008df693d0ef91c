// Joining, readiness and what a daemon tells the operator when it cannot
// join: unreachable seeds, mismatched clusters and keys, two daemons under
// one name, and DNS seeds (through a fake resolver). Simulated clock and
// in-memory network: no sockets, no DNS, no sleeps.
#include <string>

#include "absl/strings/str_cat.h"
#include "gossip/fake_seed_resolver.h"
#include "gossip/gossip_node.h"
#include "gossip/log_capture.h"
#include "gossip/sim_cluster.h"
#include "gtest/gtest.h"

namespace phid {
namespace {

GossipOptions Options(int protocol) {
  GossipOptions o = GossipOptions::ForLan();
  o.protocol = protocol;
  return o;
}

class JoinTest : public ::testing::TestWithParam<int> {
 protected:
  GossipOptions Lan() const { return Options(GetParam()); }
};

INSTANTIATE_TEST_SUITE_P(Protocols, JoinTest, ::testing::Values(1, 2),
                         [](const auto& info) {
                           return absl::StrCat("V", info.param);
                         });

TEST_P(JoinTest, TheFirstMemberIsJoinedAloneWithNoSeedOrOnlyItself) {
  SimCluster c(1);
  int none = c.AddNode(Lan());
  GossipOptions self_only = Lan();
  self_only.seeds = {"10.0.0.1:7946"};  // node 1's own simulated address
  int itself = c.AddNode(self_only);
  c.network().Isolate(c.node(itself).address, true);
  c.RunFor(absl::Seconds(1));
  EXPECT_TRUE(c.node(none).gossip->Joined());
  EXPECT_TRUE(c.node(itself).gossip->Joined());
}

TEST_P(JoinTest, AnUnreachableSeedWarnsAfterTheGraceThenEveryRepeat) {
  LogCapture log;
  SimCluster c(2);
  GossipOptions o = Lan();
  o.seeds = {"10.0.9.9:7946"};  // nobody there
  int lonely = c.AddNode(o);
  c.RunFor(JoinWatch::kGrace - absl::Seconds(1));
  EXPECT_FALSE(c.node(lonely).gossip->Joined());
  EXPECT_EQ(log.Count(google::GLOG_WARNING, {"not joined"}), 0) << log.All();
  c.RunFor(absl::Seconds(2));
  EXPECT_EQ(log.Count(google::GLOG_WARNING,
                      {"not joined to the cluster after 10s", "10.0.9.9:7946",
                       "not running", "--cluster", "keyring", "firewall",
                       "protocol", "No datagram has arrived at all"}),
            1)
      << log.All();
  c.RunFor(JoinWatch::kRepeat);
  EXPECT_EQ(log.Count(google::GLOG_WARNING, {"not joined"}), 2) << log.All();
  EXPECT_FALSE(c.node(lonely).gossip->Joined());
}

TEST_P(JoinTest, JoinedTurnsTrueOnceTheSeedAnswersAndTheWarningsStop) {
  LogCapture log;
  SimCluster c(3);
  int seed = c.AddNode(Lan());
  int joiner = c.AddNode(Lan());
  c.Crash(seed);
  c.RunFor(absl::Seconds(12));
  EXPECT_FALSE(c.node(joiner).gossip->Joined());
  EXPECT_EQ(log.Count(google::GLOG_WARNING, {"not joined", "10.0.0.0:7946"}), 1)
      << log.All();
  c.Restart(seed);
  EXPECT_TRUE(c.RunUntil([&] { return c.node(joiner).gossip->Joined(); },
                         absl::Seconds(10)));
  EXPECT_TRUE(c.node(seed).gossip->Joined());
  c.RunFor(absl::Seconds(60));
  EXPECT_TRUE(c.node(joiner).gossip->Joined());
  EXPECT_EQ(log.Count(google::GLOG_WARNING, {"not joined"}), 1) << log.All();
}

TEST_P(JoinTest, AnotherClusterIsWarnedAboutByNameAndAddressAtMostEveryPeriod) {
  LogCapture log;
  SimCluster c(4);
  GossipOptions alpha = Lan();
  alpha.cluster = "alpha";
  GossipOptions beta = Lan();
  beta.cluster = "beta";
  int a = c.AddNode(alpha);
  int b = c.AddNode(beta);  // seeds to a
  c.RunFor(absl::Seconds(35));
  const std::string from_b = "from " + c.node(b).address;
  int lines = log.Count(google::GLOG_WARNING, {from_b, "--cluster"});
  // One at once, then one per period: many more datagrams were dropped.
  EXPECT_GE(lines, 3) << log.All();
  EXPECT_LE(lines, 4) << log.All();
  EXPECT_GT(c.node(a).gossip->counters().drops_total(), 10u);
  EXPECT_GE(log.Count(google::GLOG_WARNING, {from_b, "more dropped"}), 3);
  EXPECT_FALSE(c.node(b).gossip->Joined());
}

TEST_P(JoinTest, AKeyringMismatchIsWarnedAboutOnTheKeyedSide) {
  absl::StatusOr<Keyring> key = Keyring::FromKeys({std::string(32, 'k')});
  ASSERT_TRUE(key.ok());
  LogCapture log;
  SimCluster c(5);
  int keyed = c.AddNode(Lan(), nullptr, &*key);
  int plain = c.AddNode(Lan());  // seeds to the keyed one
  c.RunFor(absl::Seconds(12));
  EXPECT_EQ(log.Count(google::GLOG_WARNING, {"from " + c.node(plain).address,
                                             "unencrypted", "keyring"}),
            2)
      << log.All();
  EXPECT_TRUE(c.node(keyed).gossip->Joined());  // first member
  EXPECT_FALSE(c.node(plain).gossip->Joined());
}

TEST_P(JoinTest, TwoDaemonsUnderOneNameBothLogAnErrorNamingTheOther) {
  LogCapture log;
  SimCluster c(6);
  for (int i = 0; i < 3; ++i) c.AddNode(Lan());
  ASSERT_TRUE(c.RunUntil(
      [&] {
        return AllSeeAll(c, {0, 1, 2});
      },
      absl::Seconds(10)));
  GossipOptions twin = Lan();
  twin.name = c.node(1).name;
  int newer = c.AddNode(twin);  // a newer generation under node-1's name
  const std::string older_address = c.node(1).address;
  const std::string newer_address = c.node(newer).address;
  EXPECT_TRUE(c.RunUntil(
      [&] {
        return c.node(1).gossip->counters().name_conflicts > 0 &&
               c.node(newer).gossip->counters().name_conflicts > 0;
      },
      absl::Seconds(30)));
  c.RunFor(absl::Seconds(5));
  // The older one: it lost the name.
  EXPECT_GE(
      log.Count(google::GLOG_ERROR, {"the daemon at " + newer_address,
                                     "--name '" + c.node(1).name + "'",
                                     "ignores this daemon", "unique --name"}),
      1)
      << log.All();
  // The newer one: it holds the name.
  EXPECT_GE(log.Count(google::GLOG_ERROR, {"the daemon at " + older_address,
                                           "--name '" + c.node(1).name + "'",
                                           "follows this daemon"}),
            1)
      << log.All();
  EXPECT_FALSE(c.node(1).gossip->Joined());
  EXPECT_TRUE(c.node(newer).gossip->Joined());
  // The peers follow the newer one.
  const Member* seen = c.node(0).gossip->membership().Find(c.node(1).name);
  ASSERT_NE(seen, nullptr);
  EXPECT_EQ(seen->address(), newer_address);
  // Rate limited: at most one line per side per period.
  EXPECT_LE(log.Count(google::GLOG_ERROR, {"name conflict"}), 2 * 4)
      << log.All();
}

TEST_P(JoinTest, DnsSeedsAreResolvedAgainWhileAloneAndFollowedOnceTheyAnswer) {
  FakeSeedResolver dns;
  SimCluster c(7);
  c.SetSeedResolver(&dns);
  int first = c.AddNode(Lan());
  GossipOptions o = Lan();
  o.seeds = {"phid-seeds.test:7946"};
  int joiner = c.AddNode(o);
  c.RunFor(absl::Seconds(5));  // the name does not resolve yet
  EXPECT_FALSE(c.node(joiner).gossip->Joined());
  const int early = dns.lookups();
  EXPECT_GE(early, 3);
  // The Service now lists both pods, the joiner's own address included.
  dns.Set("phid-seeds.test:7946",
          {c.node(joiner).address, c.node(first).address});
  EXPECT_TRUE(c.RunUntil([&] { return c.node(joiner).gossip->Joined(); },
                         absl::Seconds(10)));
  EXPECT_TRUE(AllSeeAll(c, {first, joiner}));
  EXPECT_EQ(c.node(joiner).gossip->seed_addresses(),
            std::vector<std::string>{c.node(first).address});
  // Joined: no more lookups.
  const int joined = dns.lookups();
  c.RunFor(absl::Seconds(30));
  EXPECT_EQ(dns.lookups(), joined);
}

TEST_P(JoinTest, ADnsSeedNamingOnlyItselfStartsANewCluster) {
  FakeSeedResolver dns;
  SimCluster c(8);
  c.SetSeedResolver(&dns);
  dns.Set("phid-seeds.test:7946", {"10.0.0.0:7946"});  // node 0's address
  GossipOptions o = Lan();
  o.seeds = {"phid-seeds.test:7946"};
  int first = c.AddNode(o);
  c.RunFor(absl::Seconds(1));
  EXPECT_TRUE(c.node(first).gossip->Joined());
  // A second pod appears, and joins through the same name.
  dns.Set("phid-seeds.test:7946", {"10.0.0.0:7946", "10.0.0.1:7946"});
  int second = c.AddNode(o);
  EXPECT_TRUE(c.RunUntil(
      [&] {
        return AllSeeAll(c, {first, second}) && c.node(second).gossip->Joined();
      },
      absl::Seconds(10)));
  EXPECT_TRUE(c.node(first).gossip->Joined());
}

TEST_P(JoinTest, AnUnresolvableSeedIsNamedInTheWarningWithItsError) {
  LogCapture log;
  FakeSeedResolver dns;
  SimCluster c(9);
  c.SetSeedResolver(&dns);
  GossipOptions o = Lan();
  o.seeds = {"phid-seeds.test:7946"};
  int lonely = c.AddNode(o);
  c.RunFor(JoinWatch::kGrace + absl::Seconds(1));
  EXPECT_FALSE(c.node(lonely).gossip->Joined());
  EXPECT_EQ(
      log.Count(google::GLOG_WARNING,
                {"not joined", "phid-seeds.test:7946 (", "does not resolve"}),
      1)
      << log.All();
}

}  // namespace
}  // namespace phid
