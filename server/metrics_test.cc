#include "server/metrics.h"

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "proto/phi.pb.h"

namespace phid {
namespace {

TEST(RenderMetricsTest, EveryFamilyWithTypeAndLabels) {
  MetricsSnapshot s;
  s.members_alive = 3;
  s.members_suspect = 1;
  s.members_failed = 1;
  s.peer_phi = {{"b", 0.5}, {"c", 12.25}, {"d", 1000}};
  s.failed_peers = {"d"};
  s.default_threshold = 8;
  s.seeds = 2;
  s.joined = true;
  s.gossip.packets_in = 10;
  s.gossip.bytes_out = 2048;
  s.gossip.drops[static_cast<size_t>(DropReason::kWrongCluster)] = 4;
  s.gossip.arrivals = 7;
  s.gossip.pauses = 2;
  s.watchers = 5;
  s.evictions = 1;
  s.transitions[phi::v1::TRANSITION_REASON_CROSSED_THRESHOLD] = 9;
  s.transport.datagrams_sent = 11;
  s.transport.bytes_received = 333;
  s.transport.send_errors = 3;
  s.transport.oversize_refused = 1;
  s.transport.receive_errors = 2;
  s.transport.injected_drops = 6;
  std::string text = RenderMetrics(s);
  for (const char* line : {
           "# TYPE phid_members gauge\n",
           "phid_members{state=\"alive\"} 3\n",
           "phid_members{state=\"suspect\"} 1\n",
           "phid_members{state=\"left\"} 0\n",
           "phid_members{state=\"failed\"} 1\n",
           "phid_peer_failed{peer=\"c\"} 0\n",
           "phid_peer_failed{peer=\"d\"} 1\n",
           "phid_peer_phi{peer=\"c\"} 12.25\n",
           "# TYPE phid_seeds gauge\n",
           "phid_seeds 2\n",
           "# TYPE phid_joined gauge\n",
           "phid_joined 1\n",
           "phid_gossip_packets_total{direction=\"in\"} 10\n",
           "phid_gossip_bytes_total{direction=\"out\"} 2048\n",
           "phid_gossip_drops_total{reason=\"wrong_cluster\"} 4\n",
           "phid_gossip_arrivals_total 7\n",
           "phid_pauses_total 2\n",
           "phid_watchers 5\n",
           "phid_watch_evictions_total 1\n",
           "phid_watch_transitions_total{reason=\"crossed_threshold\"} 9\n",
           "phid_watch_transitions_total{reason=\"observer_paused\"} 0\n",
           "# TYPE phid_watch_transitions_total counter\n",
           "phid_transport_datagrams_total{direction=\"out\"} 11\n",
           "phid_transport_datagrams_total{direction=\"in\"} 0\n",
           "phid_transport_bytes_total{direction=\"in\"} 333\n",
           "# TYPE phid_transport_send_errors_total counter\n",
           "phid_transport_send_errors_total 3\n",
           "phid_transport_oversize_refused_total 1\n",
           "phid_transport_receive_errors_total 2\n",
           "phid_transport_injected_drops_total 6\n",
       }) {
    EXPECT_TRUE(absl::StrContains(text, line)) << line << "\n" << text;
  }
  // "none" is not a drop reason.
  EXPECT_FALSE(absl::StrContains(text, "reason=\"none\""));
}

}  // namespace
}  // namespace phid
