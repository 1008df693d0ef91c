#include "gossip/sim_cluster.h"

#include "absl/strings/str_cat.h"
#include "glog/logging.h"

namespace phid {

SimCluster::SimCluster(uint64_t seed)
    : network_(clock_, seed), rng_(seed ^ 0x9e3779b97f4a7c15ULL) {}

int SimCluster::AddNode(GossipOptions options, MembershipListener* listener,
                        const Keyring* keyring) {
  int i = static_cast<int>(nodes_.size());
  auto node = std::make_unique<Node>();
  node->name = options.name.empty() ? absl::StrCat("node-", i) : options.name;
  // Simulated addresses only: these never leave the process.
  node->address = absl::StrCat("10.", (i >> 16) & 255, ".", (i >> 8) & 255, ".",
                               i & 255, ":7946");
  options.name = node->name;
  if (options.seeds.empty() && i > 0) options.seeds = {nodes_[0]->address};
  node->options = options;
  nodes_.push_back(std::move(node));
  listeners_.push_back(listener);
  keyrings_.push_back(keyring);
  Restart(i, listener);
  return i;
}

void SimCluster::Restart(int i, MembershipListener* listener) {
  Node& node = *nodes_[i];
  if (listener != nullptr) listeners_[i] = listener;
  node.options.generation = next_generation_++;
  node.crashed = false;
  node.paused = false;
  ++node.epoch;
  network_.Hold(node.address, false);
  // The transport must exist before the node (it asks for its address);
  // the sink is attached right after.
  Transport* transport = network_.Attach(node.address, nullptr);
  absl::StatusOr<std::unique_ptr<GossipNode>> created =
      GossipNode::Create(node.options, transport, keyrings_[i], listeners_[i],
                         clock_.Now(), rng_());
  CHECK(created.ok()) << created.status();
  node.gossip = std::move(*created);
  network_.Attach(node.address, node.gossip.get());
  // A random phase so nodes do not tick in lockstep.
  std::uniform_int_distribution<int64_t> phase(
      0, absl::ToInt64Microseconds(node.options.gossip_interval));
  Schedule(i, clock_.Now() + absl::Microseconds(phase(rng_)));
}

void SimCluster::Schedule(int i, MonoTime at) {
  ticks_.push(TickEvent{at, i, nodes_[i]->epoch});
}

void SimCluster::Crash(int i) {
  Node& node = *nodes_[i];
  node.crashed = true;
  ++node.epoch;
  network_.Detach(node.address);
}

void SimCluster::Pause(int i) {
  Node& node = *nodes_[i];
  node.paused = true;
  ++node.epoch;
  network_.Hold(node.address, true);
}

void SimCluster::Resume(int i) {
  Node& node = *nodes_[i];
  if (!node.paused) return;
  node.paused = false;
  // The kernel hands the buffered datagrams over first, then the loop runs.
  network_.Hold(node.address, false);
  network_.DeliverUntil(clock_.Now());
  Schedule(i, clock_.Now());
}

bool SimCluster::Step(MonoTime until) {
  MonoTime next_tick =
      ticks_.empty() ? absl::InfiniteDuration() : ticks_.top().at;
  MonoTime next_packet = network_.NextDeliveryTime();
  MonoTime next = std::min(next_tick, next_packet);
  if (next > until) return false;
  if (next > clock_.Now()) clock_.AdvanceTo(next);
  if (next_packet <= next_tick) {
    network_.DeliverUntil(next);
    return true;
  }
  TickEvent event = ticks_.top();
  ticks_.pop();
  Node& node = *nodes_[event.node];
  if (event.epoch != node.epoch || node.crashed || node.paused) return true;
  node.gossip->Tick(clock_.Now());
  Schedule(event.node, node.gossip->NextTickDue());
  return true;
}

void SimCluster::RunFor(absl::Duration d) {
  MonoTime end = clock_.Now() + d;
  while (Step(end)) {
  }
  clock_.AdvanceTo(end);
}

}  // namespace phid
