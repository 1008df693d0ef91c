// SimCluster: many GossipNodes in one process on an InMemoryNetwork and a
// SimulatedClock, advanced by discrete events (testonly).
//
// Used by the gossip unit tests and the simulator (tools/simulator). Each
// node ticks every gossip_interval from a random phase; datagrams are
// delivered at the times the network computes. Faults: Crash (the process
// vanishes), Pause/Resume (no ticks, datagrams held in its "socket buffer"),
// Restart (new generation under the same name), plus the network's loss,
// delay and partitions.
//
// Not thread-safe.
#ifndef PHID_GOSSIP_SIM_CLUSTER_H_
#define PHID_GOSSIP_SIM_CLUSTER_H_

#include <memory>
#include <queue>
#include <string>
#include <vector>

#include "detector/clock.h"
#include "gossip/gossip_node.h"
#include "gossip/in_memory_network.h"

namespace phid {

class SimCluster {
 public:
  struct Node {
    std::string name;
    std::string address;
    GossipOptions options;
    std::unique_ptr<GossipNode> gossip;
    bool crashed = false;
    bool paused = false;
    uint64_t epoch = 0;  // bumps on restart; stale tick events are skipped
  };

  // `listener_factory` (may be null) gives each node's listener.
  explicit SimCluster(uint64_t seed);
  SimCluster(const SimCluster&) = delete;
  SimCluster& operator=(const SimCluster&) = delete;

  // Adds a node "node-<i>" at "10.0.x.y:7946"-style simulated addresses
  // (never real traffic). `options.name` and seeds are filled in if empty:
  // seeds default to the first node's address. Returns its index.
  int AddNode(GossipOptions options, MembershipListener* listener = nullptr,
              const Keyring* keyring = nullptr);

  // Advances simulated time by `d`, processing every event on the way.
  void RunFor(absl::Duration d);
  // Runs until `pred()` holds (checked after every event) or `limit` passes.
  // Returns whether pred held.
  template <typename Pred>
  bool RunUntil(Pred pred, absl::Duration limit);

  void Crash(int i);
  void Pause(int i);
  void Resume(int i);
  // Restarts a crashed (or running) node with a new generation.
  void Restart(int i, MembershipListener* listener = nullptr);

  SimulatedClock& clock() { return clock_; }
  InMemoryNetwork& network() { return network_; }
  Node& node(int i) { return *nodes_[i]; }
  int size() const { return static_cast<int>(nodes_.size()); }
  MonoTime now() const { return clock_.Now(); }

 private:
  struct TickEvent {
    MonoTime at;
    int node;
    uint64_t epoch;
    bool operator>(const TickEvent& o) const {
      return at != o.at ? at > o.at : node > o.node;
    }
  };
  // Processes the next event if it is at or before `until`; false if none.
  bool Step(MonoTime until);
  void Schedule(int i, MonoTime at);

  SimulatedClock clock_;
  InMemoryNetwork network_;
  std::mt19937_64 rng_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::priority_queue<TickEvent, std::vector<TickEvent>,
                      std::greater<TickEvent>>
      ticks_;
  uint64_t next_generation_ = 1;
  std::vector<MembershipListener*> listeners_;
  std::vector<const Keyring*> keyrings_;
};

template <typename Pred>
bool SimCluster::RunUntil(Pred pred, absl::Duration limit) {
  MonoTime end = clock_.Now() + limit;
  while (!pred()) {
    if (!Step(end)) {
      clock_.AdvanceTo(end);
      return pred();
    }
  }
  return true;
}

}  // namespace phid

#endif  // PHID_GOSSIP_SIM_CLUSTER_H_
