// Protocol v2 end to end on the simulated network and clock: direct
// monitors, quorum reports, anti-entropy, churn.
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gossip/gossip_node.h"
#include "gossip/sim_cluster.h"
#include "gtest/gtest.h"

namespace phid {
namespace {

GossipOptions V2() {
  GossipOptions o = GossipOptions::ForLan();
  o.protocol = 2;
  return o;
}

// Counts, per member name, evidence that arrived while that member's phi
// at this observer was at or above `threshold` (a suspicion that ended).
class Recorder : public MembershipListener {
 public:
  explicit Recorder(double threshold = 8) : threshold_(threshold) {}
  void OnEvidence(const std::string& name, const PhiCurve& before,
                  MonoTime now) override {
    if (before.Phi(now) >= threshold_) suspicions.push_back(name);
  }
  std::vector<std::string> suspicions;

 private:
  double threshold_;
};

// When observer i's curve for node v reaches `threshold`.
MonoTime CrossingAt(SimCluster& c, int i, int v, double threshold) {
  const Membership& m = c.node(i).gossip->membership();
  const auto* victim = m.Find(c.node(v).name);
  if (victim == nullptr) return absl::InfiniteDuration();
  return m.CurveOf(*victim, c.now()).TimeAt(threshold);
}

std::vector<int> Live(int n, std::vector<int> dead) {
  std::vector<int> live;
  for (int i = 0; i < n; ++i) {
    if (std::find(dead.begin(), dead.end(), i) == dead.end()) live.push_back(i);
  }
  return live;
}

TEST(ProtocolV2Test, TenNodesJoinThroughOneSeed) {
  SimCluster c(1);
  for (int i = 0; i < 10; ++i) c.AddNode(V2());
  EXPECT_TRUE(
      c.RunUntil([&] { return AllSeeAll(c, Live(10, {})); }, absl::Seconds(5)));
}

TEST(ProtocolV2Test, EveryMemberHasKMonitorsAndSendsThemHeartbeats) {
  SimCluster c(2);
  for (int i = 0; i < 20; ++i) c.AddNode(V2());
  c.RunFor(absl::Seconds(10));
  for (int i = 0; i < 20; ++i) {
    const Membership& m = c.node(i).gossip->membership();
    const auto* self = m.Find(c.node(i).name);
    EXPECT_EQ(m.MonitorsOf(*self).size(), 3u);
    // Heartbeats go to the monitors only: 3 per 100 ms round.
    uint64_t sent = c.node(i).gossip->counters().heartbeats_sent;
    EXPECT_GT(sent, 250u);
    EXPECT_LE(sent, 303u);  // 101 rounds if the phase was 0
  }
}

TEST(ProtocolV2Test, ACrashIsDetectedAtPhiEightByEveryObserverWithinASecond) {
  for (int threads : {0, 2}) {
    SCOPED_TRACE(absl::StrCat("threads=", threads));
    SimCluster c(/*seed=*/4, threads);
    for (int i = 0; i < 30; ++i) c.AddNode(V2());
    c.RunFor(absl::Seconds(15));
    MonoTime crash = c.now();
    c.Crash(7);
    c.RunFor(absl::Seconds(2));
    for (int i : Live(30, {7})) {
      MonoTime at = CrossingAt(c, i, 7, 8);
      ASSERT_NE(at, absl::InfiniteDuration()) << "observer " << i;
      EXPECT_LT(at - crash, absl::Milliseconds(700)) << "observer " << i;
      EXPECT_GT(at - crash, absl::ZeroDuration()) << "observer " << i;
    }
  }
}

TEST(ProtocolV2Test, NoHealthyMemberIsSuspectedUnderFivePercentLoss) {
  SimCluster c(5);
  LinkFaults faults;
  faults.loss = 0.05;
  faults.delay = absl::Milliseconds(1);
  faults.jitter = absl::Milliseconds(1);
  c.network().SetDefaultFaults(faults);
  std::vector<std::unique_ptr<Recorder>> recorders;
  for (int i = 0; i < 30; ++i) {
    recorders.push_back(std::make_unique<Recorder>(8));
    c.AddNode(V2(), recorders.back().get());
  }
  c.RunFor(absl::Seconds(60));
  for (int i = 0; i < 30; ++i) {
    EXPECT_TRUE(recorders[i]->suspicions.empty()) << "observer " << i;
    const Membership& m = c.node(i).gossip->membership();
    for (const Member* member : m.members()) {
      EXPECT_LT(m.CurveOf(*member, c.now()).Phi(c.now()), 8) << member->name();
    }
  }
}

TEST(ProtocolV2Test, AOneWayBadLinkFromTheMemberToOneMonitorSuspectsNobody) {
  SimCluster c(6);
  std::vector<std::unique_ptr<Recorder>> recorders;
  for (int i = 0; i < 12; ++i) {
    recorders.push_back(std::make_unique<Recorder>(2));
    c.AddNode(V2(), recorders.back().get());
  }
  c.RunFor(absl::Seconds(10));
  const Membership& m0 = c.node(0).gossip->membership();
  const auto* subject = m0.Find(c.node(5).name);
  std::vector<const Member*> monitors = m0.MonitorsOf(*subject);
  ASSERT_EQ(monitors.size(), 3u);
  // Every datagram from node 5 to its first monitor is lost.
  LinkFaults cut;
  cut.loss = 1.0;
  c.network().SetLinkFaults(c.node(5).address, monitors[0]->record().address,
                            cut);
  c.RunFor(absl::Seconds(10));
  for (int i = 0; i < 12; ++i) {
    if (monitors[0]->record().name == c.node(i).name) continue;
    EXPECT_EQ(std::count(recorders[i]->suspicions.begin(),
                         recorders[i]->suspicions.end(), c.node(5).name),
              0)
        << "observer " << i;
    EXPECT_LT(c.node(i)
                  .gossip->membership()
                  .CurveOf(*c.node(i).gossip->membership().Find(c.node(5).name),
                           c.now())
                  .Phi(c.now()),
              2)
        << "observer " << i;
  }
}

TEST(ProtocolV2Test, ASubjectAndOneOfItsMonitorsCrashTogetherAndAreDetected) {
  SimCluster c(7);
  for (int i = 0; i < 20; ++i) c.AddNode(V2());
  c.RunFor(absl::Seconds(10));
  const Membership& m0 = c.node(0).gossip->membership();
  std::vector<const Member*> monitors = m0.MonitorsOf(*m0.Find(c.node(9).name));
  int monitor = -1;
  for (int i = 0; i < 20; ++i) {
    if (c.node(i).name == monitors[0]->record().name) monitor = i;
  }
  ASSERT_GE(monitor, 0);
  // Observer 0 reads the ring below, so it must not be the one to crash
  // (seed 7 makes it another node; a change of seed must keep that).
  ASSERT_NE(monitor, 0) << "pick another seed: observer 0 would crash";
  MonoTime crash = c.now();
  c.Crash(9);
  c.Crash(monitor);
  c.RunFor(absl::Seconds(2));
  for (int i : Live(20, {9, monitor})) {
    MonoTime at = CrossingAt(c, i, 9, 8);
    EXPECT_LT(at - crash, absl::Seconds(1)) << "observer " << i;
    at = CrossingAt(c, i, monitor, 8);
    EXPECT_LT(at - crash, absl::Seconds(1)) << "observer " << i;
  }
}

TEST(ProtocolV2Test, APausedMonitorReportsNothingFalse) {
  SimCluster c(8);
  std::vector<std::unique_ptr<Recorder>> recorders;
  for (int i = 0; i < 10; ++i) {
    recorders.push_back(std::make_unique<Recorder>(1));
    c.AddNode(V2(), recorders.back().get());
  }
  c.RunFor(absl::Seconds(10));
  c.Pause(4);
  c.RunFor(absl::Seconds(3));
  c.Resume(4);
  c.RunFor(absl::Seconds(3));
  // Only node 4 itself was silent: nobody may have suspected anyone else.
  for (int i = 0; i < 10; ++i) {
    for (const std::string& name : recorders[i]->suspicions) {
      EXPECT_EQ(name, c.node(4).name) << "observer " << i;
    }
  }
  EXPECT_GE(c.node(4).gossip->counters().pauses, 1u);
}

TEST(ProtocolV2Test, LostReportsAndALostRecoveryAreRepairedByAntiEntropy) {
  SimCluster c(9);
  for (int i = 0; i < 12; ++i) c.AddNode(V2());
  c.RunFor(absl::Seconds(10));
  // Node 11 hears nothing for a while: it misses node 3's suspicion.
  c.network().Isolate(c.node(11).address, true);
  c.Pause(3);
  c.RunFor(absl::Seconds(2));
  c.network().Isolate(c.node(11).address, false);
  c.RunFor(absl::Seconds(3));
  EXPECT_LT(CrossingAt(c, 11, 3, 8), c.now()) << "suspicion repaired";
  // Now node 11 misses the recovery.
  c.network().Isolate(c.node(11).address, true);
  c.Resume(3);
  c.RunFor(absl::Seconds(1));
  EXPECT_EQ(CrossingAt(c, 0, 3, 8), absl::InfiniteDuration());
  c.network().Isolate(c.node(11).address, false);
  c.RunFor(absl::Seconds(4));
  EXPECT_EQ(CrossingAt(c, 11, 3, 8), absl::InfiniteDuration())
      << "recovery repaired";
}

TEST(ProtocolV2Test, RestartLeaveAndNameReuseWork) {
  SimCluster c(10);
  for (int i = 0; i < 8; ++i) c.AddNode(V2());
  c.RunFor(absl::Seconds(5));
  c.Restart(2);
  EXPECT_TRUE(
      c.RunUntil([&] { return AllSeeAll(c, Live(8, {})); }, absl::Seconds(5)));
  c.node(5).gossip->Leave(c.now());
  c.RunFor(absl::Seconds(2));
  for (int i : Live(8, {5})) {
    const auto* left = c.node(i).gossip->membership().Find(c.node(5).name);
    ASSERT_NE(left, nullptr);
    EXPECT_EQ(left->record().status, MemberStatus::kLeft) << "observer " << i;
  }
  // The left member's subjects were handed to other monitors.
  for (int i : Live(8, {5})) {
    const Membership& m = c.node(i).gossip->membership();
    for (const auto* monitor : m.MonitorsOf(*m.Find(c.node(i).name))) {
      EXPECT_NE(monitor->record().name, c.node(5).name);
    }
  }
}

TEST(ProtocolV2Test, KeyringProtectsTheNewWire) {
  absl::StatusOr<Keyring> ring = Keyring::FromKeys({std::string(32, 'k')});
  ASSERT_TRUE(ring.ok());
  absl::StatusOr<Keyring> other = Keyring::FromKeys({std::string(32, 'x')});
  ASSERT_TRUE(other.ok());
  SimCluster c(11);
  for (int i = 0; i < 5; ++i) c.AddNode(V2(), nullptr, &*ring);
  int outsider = c.AddNode(V2(), nullptr, &*other);
  c.RunFor(absl::Seconds(5));
  EXPECT_TRUE(AllSeeAll(c, {0, 1, 2, 3, 4}));
  EXPECT_EQ(c.node(outsider).gossip->membership().size(), 1);
  EXPECT_GT(c.node(0).gossip->counters().drops[static_cast<size_t>(
                DropReason::kAuthFailed)],
            0u);
}

}  // namespace
}  // namespace phid

namespace phid {
namespace {

TEST(ProtocolV2Test, ARestartedMemberThatCrashesAgainIsDetected) {
  for (int n : {2, 6}) {
    SCOPED_TRACE(absl::StrCat("n=", n));
    SimCluster c(12);
    for (int i = 0; i < n; ++i) c.AddNode(V2());
    c.RunFor(absl::Seconds(5));
    c.Crash(1);
    c.RunFor(absl::Milliseconds(300));
    c.Restart(1);
    c.RunFor(absl::Seconds(5));
    ASSERT_TRUE(AllSeeAll(c, Live(n, {})));
    MonoTime crash = c.now();
    c.Crash(1);
    c.RunFor(absl::Seconds(3));
    for (int i : Live(n, {1})) {
      MonoTime at = CrossingAt(c, i, 1, 8);
      EXPECT_LT(at - crash, absl::Seconds(1)) << "observer " << i;
    }
  }
}

}  // namespace
}  // namespace phid

namespace phid {
namespace {

// Counts, by packet kind, what arrives at a simulated address nobody runs a
// daemon on.
class Counter final : public PacketSink {
 public:
  void OnPacket(const std::string&, absl::string_view payload,
                MonoTime) override {
    phi::gossip::v1::Packet packet;
    HeartbeatDatagram heartbeat;
    bool is_heartbeat = false;
    std::string error;
    if (codec_.DecodeV2(payload, &packet, &heartbeat, &is_heartbeat, &error) !=
        DropReason::kNone) {
      return;
    }
    int kind = is_heartbeat ? 0 : packet.kind();
    ++datagrams[kind];
    bytes[kind] += payload.size();
  }
  std::map<int, int> datagrams;  // by PacketKind; 0 = heartbeat
  std::map<int, size_t> bytes;

 private:
  PacketCodec codec_{"phid", nullptr, 2};
};

TEST(ProtocolV2Test, AForgedPushPullGetsNoMoreBytesBackThanItSent) {
  SimCluster c(13);
  for (int i = 0; i < 40; ++i) c.AddNode(V2());
  c.RunFor(absl::Seconds(5));
  ASSERT_TRUE(AllSeeAll(c, Live(40, {})));
  // The "victim" is the forged source address: its owner never asked.
  Counter victim;
  Transport* spoofed = c.network().Attach("10.9.9.9:7946", &victim);
  PacketCodec codec("phid", nullptr, 2);
  phi::gossip::v1::Packet forged;
  forged.set_kind(phi::gossip::v1::PACKET_KIND_PUSH_PULL);
  forged.set_sender("fake-1");
  forged.set_sender_generation(5);
  auto* entry = forged.add_entries();
  entry->set_name("fake-1");
  entry->set_address("10.9.9.9:7946");
  entry->set_generation(5);
  entry->set_status(phi::gossip::v1::MEMBER_STATUS_ALIVE);
  absl::StatusOr<std::string> bytes = codec.Encode(forged);
  ASSERT_TRUE(bytes.ok());
  size_t sent = 0;
  const uint64_t challenges = c.node(0).gossip->counters().challenges;
  for (int i = 0; i < 10; ++i) {
    spoofed->Send(c.node(0).address, *bytes);
    sent += bytes->size();
  }
  c.RunFor(absl::Milliseconds(50));
  // Without the check, each push-pull brought back 40 members' state
  // (three datagrams); now a cookie smaller than the request.
  namespace wire = phi::gossip::v1;
  EXPECT_EQ(victim.datagrams[wire::PACKET_KIND_PUSH_PULL_REPLY], 0);
  EXPECT_EQ(victim.datagrams[wire::PACKET_KIND_CHALLENGE], 10);
  EXPECT_LE(victim.bytes[wire::PACKET_KIND_CHALLENGE], sent);
  EXPECT_EQ(c.node(0).gossip->counters().challenges - challenges, 10u);
  // A real joiner answers the challenge and gets everything.
  int late = c.AddNode(V2());
  EXPECT_TRUE(c.RunUntil([&] { return AllSeeAll(c, Live(late + 1, {})); },
                         absl::Seconds(3)));
}

}  // namespace
}  // namespace phid

namespace phid {
namespace {

TEST(ProtocolV2Test, SuspectedByCountsOnlyMonitorsThatMeasuredTheSilence) {
  SimCluster c(14);
  for (int i = 0; i < 3; ++i) c.AddNode(V2());
  c.RunFor(absl::Seconds(5));
  c.Crash(2);
  c.RunFor(absl::Seconds(2));
  // Node 0 holds node 2 silent; node 2 also monitored node 1, but that
  // stand-in vote must not show as a suspicion of the healthy node 1.
  const Membership& m = c.node(0).gossip->membership();
  MemberView alive = m.View(*m.Find(c.node(1).name), c.now(), 8);
  EXPECT_EQ(alive.suspected_by, 0);
  EXPECT_LT(alive.phi, 1);
  MemberView dead = m.View(*m.Find(c.node(2).name), c.now(), 8);
  EXPECT_EQ(dead.suspected_by, 2);  // node 0 itself and node 1
  EXPECT_GT(dead.phi, 8);
}

}  // namespace
}  // namespace phid

namespace phid {
namespace {

// Last time each member's evidence (or curve change) was reported.
class EvidenceTimes : public MembershipListener {
 public:
  void OnEvidence(const std::string& name, const PhiCurve&,
                  MonoTime now) override {
    last[name] = now;
  }
  std::map<std::string, MonoTime> last;
};

TEST(ProtocolV2Test, AnObserverThatStopsMonitoringAMemberTellsItsListener) {
  // The daemon's watchers only re-judge a member when the listener hears of
  // it; a monitor the ring relieves of a subject must say so, or a watch
  // keeps the crossing its own detector had scheduled (a stuck SUSPECT).
  SimCluster c(15);
  std::vector<std::unique_ptr<EvidenceTimes>> listeners;
  for (int i = 0; i < 6; ++i) {
    listeners.push_back(std::make_unique<EvidenceTimes>());
    c.AddNode(V2(), listeners.back().get());
  }
  c.RunFor(absl::Seconds(5));
  auto monitored = [&](int i) {
    std::set<std::string> names;
    const Membership& m = c.node(i).gossip->membership();
    for (const Member* member : m.members()) {
      for (const auto* mon : m.MonitorsOf(*member)) {
        if (mon->name() == c.node(i).name) names.insert(member->name());
      }
    }
    return names;
  };
  std::vector<std::set<std::string>> before;
  for (int i = 0; i < 6; ++i) before.push_back(monitored(i));
  MonoTime changed = c.now();
  for (int i = 0; i < 20; ++i) c.AddNode(V2());
  c.RunFor(absl::Seconds(3));
  int relieved = 0;
  for (int i = 0; i < 6; ++i) {
    std::set<std::string> after = monitored(i);
    for (const std::string& name : before[i]) {
      if (after.count(name) > 0) continue;
      ++relieved;
      ASSERT_GT(listeners[i]->last.count(name), 0u);
      EXPECT_GT(listeners[i]->last[name], changed)
          << c.node(i).name << " stopped monitoring " << name;
      const Membership& m = c.node(i).gossip->membership();
      MemberView view = m.View(*m.Find(name), c.now(), 8);
      EXPECT_GT(view.last_arrival, changed);
      EXPECT_EQ(view.curve.TimeAt(8), absl::InfiniteDuration());
    }
  }
  EXPECT_GT(relieved, 0) << "the joins moved no monitor: test proves nothing";
}

}  // namespace
}  // namespace phid

namespace phid {
namespace {

TEST(ProtocolV2Test, TagsTravelWithTheMemberAndARestartReplacesThem) {
  SimCluster c(16);
  for (int i = 0; i < 7; ++i) {
    GossipOptions o = V2();
    if (i == 3) o.tags = {{"zone", "a"}, {"role", "db"}};
    c.AddNode(o);
  }
  c.RunFor(absl::Seconds(5));
  for (int i : Live(7, {3})) {
    const auto* m = c.node(i).gossip->membership().Find(c.node(3).name);
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->record().tags, (Tags{{"role", "db"}, {"zone", "a"}}))
        << "observer " << i;
  }
  c.Crash(3);
  c.node(3).options.tags = {{"zone", "b"}};
  c.Restart(3);
  ASSERT_TRUE(
      c.RunUntil([&] { return AllSeeAll(c, Live(7, {})); }, absl::Seconds(5)));
  for (int i : Live(7, {3})) {
    const auto* m = c.node(i).gossip->membership().Find(c.node(3).name);
    EXPECT_EQ(m->record().tags, (Tags{{"zone", "b"}})) << "observer " << i;
  }
}

}  // namespace
}  // namespace phid

namespace phid {
namespace {

TEST(ProtocolV2Test, AfterARecoverySummariesWithTheSubjectRepairNothing) {
  // For a minute after a recovery every daemon lists the subject's reports
  // in its summaries; the subject holds none on itself. That is nothing it
  // lacks: summaries with it must not send it its own entry again.
  SimCluster c(16);
  for (int i = 0; i < 10; ++i) c.AddNode(V2());
  c.RunFor(absl::Seconds(10));
  c.Pause(3);
  c.RunFor(absl::Seconds(2));
  ASSERT_TRUE(c.node(0).gossip->membership().Find(c.node(3).name)->at_quorum);
  c.Resume(3);
  c.RunFor(absl::Seconds(3));
  ASSERT_FALSE(c.node(0).gossip->membership().SummaryKeys(c.now()).empty());
  auto repairs = [&] {
    uint64_t sum = 0;
    for (int i = 0; i < 10; ++i) sum += c.node(i).gossip->counters().repairs;
    return sum;
  };
  uint64_t before = repairs();
  c.RunFor(absl::Seconds(20));
  EXPECT_EQ(repairs(), before);
  // Still listed: the check above covered summaries that carried them.
  EXPECT_FALSE(c.node(0).gossip->membership().SummaryKeys(c.now()).empty());
}

}  // namespace
}  // namespace phid
