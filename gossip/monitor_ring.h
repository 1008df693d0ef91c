// MonitorRing: who watches whom in gossip protocol v2.
//
// Every live member has a place on one ring, ordered by its member id (a
// 64-bit hash of name and generation, see MemberId), so the ring order has
// nothing to do with names, addresses or start order. The monitors of P are
// the K members that follow P clockwise; P's subjects are the K that precede
// it. P sends its heartbeats straight to its monitors, and each monitor keeps
// P's interval history (Akka's ring neighbours; Rapid's K rings are more
// even under churn but cost K times the memory at every observer, which the
// 10,000-node simulation cannot afford).
//
// Stable under churn: a join or a leave changes the monitor sets of only
// the K members before it on the ring (O(K) edges move). With N <= K + 1
// everyone monitors everyone. A restarted member has a new id and so a new
// place: its old generation's monitors let go of it.
//
// Every node holds the same ring once membership has converged, so any
// observer can tell whether a report on P comes from one of P's monitors.
//
// Not thread-safe; owned by a Membership.
#ifndef PHID_GOSSIP_MONITOR_RING_H_
#define PHID_GOSSIP_MONITOR_RING_H_

#include <cstdint>
#include <vector>

#include "absl/container/btree_set.h"

namespace phid {

class MonitorRing {
 public:
  // `k` monitors per member, >= 1.
  explicit MonitorRing(int k);
  MonitorRing(const MonitorRing&) = delete;
  MonitorRing& operator=(const MonitorRing&) = delete;

  // Places `id` on the ring; no-op if already there. O(log N) (a B-tree:
  // about 10 bytes a member, which is what lets every observer hold the
  // ring; a sorted vector's O(N) insert and erase made admitting or
  // reaping 100,000 members O(N^2)).
  void Add(uint64_t id);
  // Takes `id` off the ring; no-op if absent. O(log N).
  void Remove(uint64_t id);
  bool Contains(uint64_t id) const;

  // The members that monitor `id` (its min(k, N - 1) successors), nearest
  // first. `id` need not be on the ring: a member not yet (or no longer)
  // placed is monitored by the members that would follow it.
  std::vector<uint64_t> MonitorsOf(uint64_t id) const;
  // The members `id` monitors (its min(k, N - 1) predecessors), nearest
  // first. Empty if `id` is not on the ring.
  std::vector<uint64_t> SubjectsOf(uint64_t id) const;
  bool IsMonitorOf(uint64_t monitor, uint64_t subject) const;

  int k() const { return k_; }
  int size() const { return static_cast<int>(ids_.size()); }

 private:
  int k_;
  absl::btree_set<uint64_t> ids_;
};

}  // namespace phid

#endif  // PHID_GOSSIP_MONITOR_RING_H_
