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
// Two drivers, chosen at construction:
//  - threads == 0 (the default): sequential. One event at a time in time
//    order; RunUntil checks its predicate after every event.
//  - threads >= 1: parallel, conservative. Every datagram takes at least
//    L = network().MinDelay() to arrive, so nothing sent in a window
//    [t, t + L) arrives inside it: the window's events at different nodes
//    are independent. Each window's ticks and arrivals are grouped by node,
//    the nodes run on `threads` threads (each node's events in time order),
//    and their sends are collected and handed to the network afterwards in
//    the order the sequential driver would have sent them, so the network's
//    random draws come in the same order. RunFor therefore gives exactly the
//    sequential driver's run, for any thread count; RunUntil checks its
//    predicate after every window instead of every event. If L is zero,
//    windows fall back to one sequential event.
//
// Thread safety: drive a SimCluster (and its network and clock) from one
// thread. In parallel mode nodes' Tick/OnPacket, and so their listeners,
// run on worker threads, different nodes at once: a listener may write only
// state of its own (one listener per node), and read shared state only if
// nothing writes it during RunFor/RunUntil. Crash, Pause, Resume, Restart,
// AddNode and network changes are made between runs, as before.
#ifndef PHID_GOSSIP_SIM_CLUSTER_H_
#define PHID_GOSSIP_SIM_CLUSTER_H_

#include <functional>
#include <memory>
#include <queue>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "detector/base/clock.h"
#include "detector/base/simulated_clock.h"
#include "gossip/gossip_node.h"
#include "gossip/in_memory_network.h"
#include "gossip/worker_pool.h"

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

  // `threads`: 0 for the sequential driver, >= 1 for the parallel one on
  // that many threads (the caller's included). See above.
  explicit SimCluster(uint64_t seed, int threads = 0);
  SimCluster(const SimCluster&) = delete;
  SimCluster& operator=(const SimCluster&) = delete;
  ~SimCluster();

  // Adds a node "node-<i>" at "10.0.x.y:7946"-style simulated addresses
  // (never real traffic). `options.name` and seeds are filled in if empty:
  // seeds default to the first node's address. Returns its index.
  int AddNode(GossipOptions options, MembershipListener* listener = nullptr,
              const Keyring* keyring = nullptr);

  // Advances simulated time by `d`, processing every event on the way.
  void RunFor(absl::Duration d);
  // Runs until `pred()` holds (checked after every event, or every window
  // in parallel mode) or `limit` passes. Returns whether pred held.
  template <typename Pred>
  bool RunUntil(Pred pred, absl::Duration limit);

  // Nodes created from now on (added or restarted) resolve their DNS seeds
  // through `resolver` (must outlive them; null: numeric seeds only).
  void SetSeedResolver(SeedResolver* resolver) { resolver_ = resolver; }

  // Calls fn(i) for every node i, spread over the parallel driver's
  // threads if any (sequentially in sequential mode), between runs. fn(i)
  // may write only node i's state and read state nothing writes meanwhile.
  void ForEachNode(const std::function<void(int)>& fn);

  void Crash(int i);
  void Pause(int i);
  void Resume(int i);
  // Node i seals with `keyring` from now on, and keeps it across restarts
  // (GossipNode::ReplaceKeyring; `keyring` must outlive the cluster).
  void ReplaceKeyring(int i, const Keyring* keyring);
  // Restarts a crashed (or running) node with a new generation.
  void Restart(int i, MembershipListener* listener = nullptr);

  SimulatedClock& clock() { return clock_; }
  InMemoryNetwork& network() { return network_; }
  Node& node(int i) { return *nodes_[i]; }
  int size() const { return static_cast<int>(nodes_.size()); }
  MonoTime now() const { return clock_.Now(); }
  // 0 in sequential mode.
  int threads() const { return pool_ == nullptr ? 0 : pool_->threads(); }

 private:
  // A node's transport, and its state during a parallel window.
  class Port;

  struct TickEvent {
    MonoTime at;
    int node;
    uint64_t epoch;
    bool operator>(const TickEvent& o) const {
      return at != o.at ? at > o.at : node > o.node;
    }
  };
  // Processes the next event (or window of events, in parallel mode) if it
  // is at or before `until`; false if none.
  bool Advance(MonoTime until);
  bool Step(MonoTime until);
  bool RunWindow(MonoTime until);
  // Runs node i's events of the window (due before `before`, at or before
  // `until`) on the calling thread; its sends go to its outbox.
  void RunNodeWindow(int i, MonoTime before, MonoTime until);
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
  SeedResolver* resolver_ = nullptr;
  std::vector<std::unique_ptr<Port>> ports_;        // one per node
  absl::flat_hash_map<std::string, int> index_of_;  // address -> node
  // Parallel mode only. Scratch for RunWindow, kept to reuse allocations.
  std::unique_ptr<WorkerPool> pool_;
  std::vector<InMemoryNetwork::Arrival> arrivals_;
  std::vector<int> active_;  // nodes with events in the window
};

// Whether every node in `live` knows every node in `live` at its current
// generation (for tests).
bool AllSeeAll(SimCluster& c, const std::vector<int>& live);

// GossipOptions::ForLan() on protocol 2 (for tests).
GossipOptions LanV2Options();

// The node indices 0 .. n-1 but those in `dead` (for tests).
std::vector<int> Live(int n, const std::vector<int>& dead);

// The index of the node named `name`; -1 if none (for tests).
int NodeIndexOf(SimCluster& c, const std::string& name);

// The node indices of `subject`'s monitors as `observer` sees the ring,
// nearest first (for tests).
std::vector<int> MonitorNodes(SimCluster& c, int observer, int subject);

// When observer i's curve for node v reaches `threshold`; InfiniteDuration
// if it never does or i does not know v (for tests).
MonoTime CrossingAt(SimCluster& c, int i, int v, double threshold);

// Records, per member name, each piece of evidence that arrived while that
// member's phi here was at or above `threshold`: a suspicion that ended
// (for tests; one per node, see the thread-safety note above).
class SuspicionRecorder : public MembershipListener {
 public:
  explicit SuspicionRecorder(double threshold = 8) : threshold_(threshold) {}
  void OnEvidence(const std::string& name, const PhiCurve& before,
                  MonoTime now) override {
    if (before.Phi(now) >= threshold_) suspicions.push_back(name);
  }
  std::vector<std::string> suspicions;

 private:
  double threshold_;
};

template <typename Pred>
bool SimCluster::RunUntil(Pred pred, absl::Duration limit) {
  MonoTime end = clock_.Now() + limit;
  while (!pred()) {
    if (!Advance(end)) {
      clock_.AdvanceTo(end);
      return pred();
    }
  }
  return true;
}

}  // namespace phid

#endif  // PHID_GOSSIP_SIM_CLUSTER_H_
