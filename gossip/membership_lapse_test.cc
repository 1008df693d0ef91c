// Leases on other monitors' suspect reports (membership_lapse.cc), end to
// end on the simulated network and clock: a monitor's recovery that one
// co-monitor never received does not leave its suspicion standing there,
// so a later lossy moment on another monitor's link makes no quorum; a
// suspicion that really stands is renewed and stays.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "gossip/gossip_node.h"
#include "gossip/sim_cluster.h"
#include "gtest/gtest.h"

namespace phid {
namespace {

// The report `observer` holds from `monitor` on `subject`, or null.
const Member::Report* ReportAt(SimCluster& c, int observer, int subject,
                               int monitor) {
  const Membership& m = c.node(observer).gossip->membership();
  const Member* s = m.Find(c.node(subject).name);
  const Member* by = m.Find(c.node(monitor).name);
  if (s == nullptr || by == nullptr) return nullptr;
  for (const Member::Report& r : s->reports()) {
    if (r.monitor == by->id) return &r;
  }
  return nullptr;
}

class LapseTest : public ::testing::Test {
 protected:
  static constexpr int kNodes = 12;
  static constexpr int kSubject = 5;

  void SetUp() override {
    for (int i = 0; i < kNodes; ++i) {
      recorders_.push_back(std::make_unique<SuspicionRecorder>(8));
      c_.AddNode(LanV2Options(), recorders_.back().get());
    }
    c_.RunFor(absl::Seconds(10));
    monitors_ = MonitorNodes(c_, 0, kSubject);
    ASSERT_EQ(monitors_.size(), 3u);
  }

  void Cut(int from, int to, bool cut) {
    LinkFaults faults;
    faults.loss = cut ? 1.0 : 0.0;
    c_.network().SetLinkFaults(c_.node(from).address, c_.node(to).address,
                               faults);
  }

  int SuspicionsOfSubject() {
    int n = 0;
    for (const auto& r : recorders_) {
      n += std::count(r->suspicions.begin(), r->suspicions.end(),
                      c_.node(kSubject).name);
    }
    return n;
  }

  SimCluster c_{/*seed=*/21};
  std::vector<std::unique_ptr<SuspicionRecorder>> recorders_;
  std::vector<int> monitors_;
};

TEST_F(LapseTest, ALostRecoveryLapsesAndMakesNoQuorumWithALaterSuspicion) {
  const int m1 = monitors_[0], m2 = monitors_[1];
  // The subject's heartbeats to m1 are lost long enough for m1 to report
  // it suspect (~420 ms); its co-monitors hold that report.
  Cut(kSubject, m1, true);
  c_.RunFor(absl::Milliseconds(700));
  const Member::Report* held = ReportAt(c_, m2, kSubject, m1);
  ASSERT_NE(held, nullptr);
  ASSERT_TRUE(held->suspect);
  // m1 hears the subject again while everything it sends m2 is lost (250
  // ms: too short for m2 to suspect m1 itself): m2 never gets the recovery.
  Cut(m1, m2, true);
  Cut(kSubject, m1, false);
  c_.RunFor(absl::Milliseconds(250));
  Cut(m1, m2, false);
  held = ReportAt(c_, m2, kSubject, m1);
  ASSERT_NE(held, nullptr);
  ASSERT_TRUE(held->suspect) << "the recovery reached m2: nothing to test";
  const uint64_t lapsed_before = c_.node(m2).gossip->counters().reports_lapsed;

  // Not renewed (m1 no longer suspects): it lapses within the lease.
  c_.RunFor(c_.node(m2).options.summary_interval * 3 + absl::Seconds(1));
  held = ReportAt(c_, m2, kSubject, m1);
  ASSERT_NE(held, nullptr);
  EXPECT_FALSE(held->suspect);
  EXPECT_GT(c_.node(m2).gossip->counters().reports_lapsed, lapsed_before);

  // Now m2 loses the subject's heartbeats for a second. With m1's stale
  // suspicion beside it, that was a quorum at m2 (a cluster-wide rumour,
  // phi past 8 everywhere); alone it is one lossy link.
  Cut(kSubject, m2, true);
  c_.RunFor(absl::Seconds(1));
  Cut(kSubject, m2, false);
  c_.RunFor(absl::Seconds(2));
  EXPECT_EQ(SuspicionsOfSubject(), 0);
  for (int i = 0; i < kNodes; ++i) {
    const Membership& m = c_.node(i).gossip->membership();
    EXPECT_LT(
        m.CurveOf(*m.Find(c_.node(kSubject).name), c_.now()).Phi(c_.now()), 8)
        << "observer " << i;
  }
}

TEST_F(LapseTest, AStandingSuspicionIsRenewedAndDoesNotLapse) {
  const int m1 = monitors_[0], m2 = monitors_[1];
  // m1 hears nothing from the subject for a long while: its suspicion
  // stands below quorum, renewed every summary interval.
  Cut(kSubject, m1, true);
  c_.RunFor(absl::Seconds(1));
  const uint64_t lapsed_before = c_.node(m2).gossip->counters().reports_lapsed;
  c_.RunFor(absl::Seconds(20));
  const Member::Report* held = ReportAt(c_, m2, kSubject, m1);
  ASSERT_NE(held, nullptr);
  EXPECT_TRUE(held->suspect);
  EXPECT_EQ(c_.node(m2).gossip->counters().reports_lapsed, lapsed_before);
  // So a second monitor's silence makes the quorum at once, as before.
  Cut(kSubject, m2, true);
  c_.RunFor(absl::Seconds(2));
  int at_quorum = 0;
  for (int i = 0; i < kNodes; ++i) {
    if (i == kSubject) continue;
    const Membership& m = c_.node(i).gossip->membership();
    at_quorum += m.Find(c_.node(kSubject).name)->at_quorum;
  }
  EXPECT_EQ(at_quorum, kNodes - 1);
  Cut(kSubject, m1, false);
  Cut(kSubject, m2, false);
}

}  // namespace
}  // namespace phid
