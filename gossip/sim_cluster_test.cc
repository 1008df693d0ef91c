// Tests of SimCluster's parallel driver: it must give exactly the run the
// sequential driver gives, for any thread count, and detect failures.
#include "gossip/sim_cluster.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"

namespace phid {
namespace {

// One per node (listeners of different nodes run concurrently in parallel
// mode): a transcript of everything the node reported.
class Transcript final : public MembershipListener {
 public:
  void OnMemberEvent(const MemberEvent& event) override {
    absl::StrAppend(&text, MemberEventTypeName(event.type), " ",
                    event.record.name, " ", event.record.generation, " @",
                    absl::FormatDuration(event.at), "\n");
  }
  void OnEvidence(const std::string& name, const PhiCurve& before,
                  MonoTime now) override {
    absl::StrAppendFormat(&text, "arrival %s @%s phi %.17g\n", name,
                          absl::FormatDuration(now),
                          before.has_evidence() ? before.Phi(now) : -1.0);
  }
  std::string text;
};

// Everything observable about a cluster, as text, so runs can be compared.
std::string Fingerprint(SimCluster& c) {
  InMemoryNetwork& net = c.network();
  std::string out =
      absl::StrCat("now ", absl::FormatDuration(c.now()), " sent ", net.sent(),
                   " delivered ", net.delivered(), " dropped ", net.dropped(),
                   " duplicated ", net.duplicated(), " bytes ",
                   net.bytes_sent(), " pending ", net.pending(), "\n");
  for (int i = 0; i < c.size(); ++i) {
    SimCluster::Node& node = c.node(i);
    const GossipCounters& k = node.gossip->counters();
    absl::StrAppend(&out, node.name, " crashed ", node.crashed, " paused ",
                    node.paused, " sent_from ", net.sent_from(node.address),
                    " bytes_from ", net.bytes_from(node.address), " in ",
                    k.packets_in, "/", k.bytes_in, " out ", k.packets_out, "/",
                    k.bytes_out, " drops ", k.drops_total(), " arrivals ",
                    k.arrivals, " merges ", k.merges, " joins ", k.joins,
                    " restarts ", k.restarts, " removals ", k.removals,
                    " pauses ", k.pauses, " push_pulls ", k.push_pulls, "\n");
    for (const Member* member : node.gossip->membership().members()) {
      const Member& m = *member;
      absl::StrAppendFormat(
          &out, "  %s gen %d hb %d status %d phi %.17g\n", m.name(),
          m.generation, m.heartbeat, static_cast<int>(m.status),
          m.has_arrival() ? m.detector()->Phi(c.now()) : -1.0);
    }
  }
  return out;
}

struct Outcome {
  std::string fingerprint;
  std::vector<std::string> transcripts;
};

// A faulty network and every kind of fault SimCluster offers, driven by
// RunFor only (RunUntil stops at window granularity in parallel mode).
Outcome Scenario(int threads, LinkFaults faults) {
  SimCluster c(/*seed=*/7, threads);
  c.network().SetDefaultFaults(faults);
  constexpr int kNodes = 24;
  std::vector<std::unique_ptr<Transcript>> transcripts;
  for (int i = 0; i < kNodes; ++i) {
    transcripts.push_back(std::make_unique<Transcript>());
    c.AddNode(GossipOptions::ForLan(), transcripts.back().get());
  }
  LinkFaults slow = faults;
  slow.delay = faults.delay * 3;
  c.network().SetLinkFaults(c.node(1).address, c.node(2).address, slow);
  c.RunFor(absl::Seconds(5));
  c.Crash(5);
  c.Pause(6);
  c.RunFor(absl::Seconds(2));
  c.Resume(6);
  c.network().Partition({{c.node(7).address, c.node(8).address}});
  c.RunFor(absl::Seconds(2));
  c.network().Heal();
  c.Restart(5);
  c.RunFor(absl::Seconds(3));
  Outcome run;
  run.fingerprint = Fingerprint(c);
  for (const auto& t : transcripts) run.transcripts.push_back(t->text);
  return run;
}

LinkFaults Lossy() {
  LinkFaults f;
  f.loss = 0.05;
  f.delay = absl::Milliseconds(1);
  f.jitter = absl::Milliseconds(2);
  f.duplicate = 0.02;
  f.reorder = 0.05;
  return f;
}

// No jitter: the fanout of one tick arrives at several nodes at the same
// instant and their replies leave at the same instant, so the order in which
// simultaneous sends reach the network (and its loss draws) matters.
LinkFaults Lockstep() {
  LinkFaults f;
  f.loss = 0.1;
  f.delay = absl::Milliseconds(1);
  f.duplicate = 0.05;
  return f;
}

void ExpectSameRun(const Outcome& a, const Outcome& b,
                   const std::string& what) {
  EXPECT_EQ(a.fingerprint, b.fingerprint) << what;
  ASSERT_EQ(a.transcripts.size(), b.transcripts.size());
  for (size_t i = 0; i < a.transcripts.size(); ++i) {
    EXPECT_EQ(a.transcripts[i], b.transcripts[i]) << what << ", node " << i;
  }
}

TEST(SimClusterTest, ParallelRunsAreIdenticalForAnyThreadCount) {
  Outcome one = Scenario(1, Lossy());
  EXPECT_NE(one.fingerprint.find("sent "), std::string::npos);
  ExpectSameRun(one, Scenario(2, Lossy()), "threads 1 vs 2");
  ExpectSameRun(one, Scenario(3, Lossy()), "threads 1 vs 3");
  ExpectSameRun(Scenario(1, Lockstep()), Scenario(2, Lockstep()),
                "lockstep, threads 1 vs 2");
}

TEST(SimClusterTest, ParallelRunForReplaysTheSequentialDriverExactly) {
  ExpectSameRun(Scenario(0, Lossy()), Scenario(2, Lossy()),
                "sequential vs threads 2");
  ExpectSameRun(Scenario(0, Lockstep()), Scenario(2, Lockstep()),
                "lockstep, sequential vs threads 2");
}

TEST(SimClusterTest, ZeroDelayFallsBackToSequentialEvents) {
  LinkFaults instant;
  instant.delay = absl::ZeroDuration();
  instant.jitter = absl::Milliseconds(1);
  ExpectSameRun(Scenario(0, instant), Scenario(2, instant),
                "sequential vs threads 2, zero delay");
}

TEST(SimClusterTest, ParallelRunUntilStopsWithinAWindowOfThePredicate) {
  SimCluster c(/*seed=*/1, /*threads=*/2);
  for (int i = 0; i < 5; ++i) c.AddNode(GossipOptions::ForLan());
  auto all_see_all = [&] {
    for (int i = 0; i < c.size(); ++i) {
      if (c.node(i).gossip->membership().size() != c.size()) return false;
    }
    return true;
  };
  EXPECT_TRUE(c.RunUntil(all_see_all, absl::Seconds(3)));
  EXPECT_LT(c.now(), absl::Seconds(1000) + absl::Seconds(3));
  MonoTime stopped = c.now();
  EXPECT_FALSE(c.RunUntil([] { return false; }, absl::Seconds(1)));
  EXPECT_EQ(c.now(), stopped + absl::Seconds(1));
}

}  // namespace
}  // namespace phid
