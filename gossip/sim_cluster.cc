#include "gossip/sim_cluster.h"

#include <algorithm>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"

namespace phid {
namespace {

// Where an event sits in the sequential driver's order: by time; at equal
// times arrivals (by network sequence) before ticks (by node index).
struct EventKey {
  MonoTime at;
  int kind;  // kArrival or kTick
  uint64_t tie;
};
constexpr int kArrival = 0;
constexpr int kTick = 1;

// A datagram sent during a parallel window, not yet given to the network.
struct Outgoing {
  EventKey event;  // the event that sent it; its time is the send time
  uint64_t index;  // send order within the node's window
  std::string to;
  std::string payload;
};

}  // namespace

// Outside a parallel window, sends go straight to the network's transport
// for the node (stamped with the clock's now). Inside one, they go to the
// outbox, stamped with the current event. Only the thread running the
// node's window touches the window state.
class SimCluster::Port final : public Transport {
 public:
  Port(Transport* network_side, std::string address)
      : network_side_(network_side), address_(std::move(address)) {}

  void Send(const std::string& to, absl::string_view payload) override {
    if (!in_window) {
      network_side_->Send(to, payload);
      return;
    }
    outbox.push_back(Outgoing{event, outbox.size(), to, std::string(payload)});
  }
  std::string LocalAddress() const override { return address_; }
  const std::string& address() const { return address_; }

  bool in_window = false;
  EventKey event{};
  std::vector<const InMemoryNetwork::Arrival*> arrivals;  // in time order
  std::vector<MonoTime> ticks;                            // sorted
  std::vector<MonoTime> reschedule;  // ticks due after the window
  std::vector<Outgoing> outbox;
  MonoTime last;  // time of the node's last event in the window

 private:
  Transport* const network_side_;
  const std::string address_;
};

SimCluster::SimCluster(uint64_t seed, int threads)
    : network_(clock_, seed), rng_(seed ^ 0x9e3779b97f4a7c15ULL) {
  CHECK_GE(threads, 0);
  if (threads > 0) pool_ = std::make_unique<WorkerPool>(threads);
}

SimCluster::~SimCluster() = default;

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
  // The network's transport exists from the first Attach on; the sink is
  // attached in Restart.
  ports_.push_back(std::make_unique<Port>(
      network_.Attach(node->address, nullptr), node->address));
  index_of_[node->address] = i;
  nodes_.push_back(std::move(node));
  listeners_.push_back(listener);
  keyrings_.push_back(keyring);
  Restart(i, listener);
  return i;
}

void SimCluster::ReplaceKeyring(int i, const Keyring* keyring) {
  keyrings_[i] = keyring;
  nodes_[i]->gossip->ReplaceKeyring(keyring);
}

void SimCluster::Restart(int i, MembershipListener* listener) {
  Node& node = *nodes_[i];
  if (listener != nullptr) listeners_[i] = listener;
  node.options.generation = next_generation_++;
  node.crashed = false;
  node.paused = false;
  ++node.epoch;
  network_.Hold(node.address, false);
  // Detached until the new node exists: a half-built node gets nothing.
  network_.Attach(node.address, nullptr);
  absl::StatusOr<std::unique_ptr<GossipNode>> created =
      GossipNode::Create(node.options, ports_[i].get(), keyrings_[i],
                         listeners_[i], clock_.Now(), rng_(), resolver_);
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

void SimCluster::ForEachNode(const std::function<void(int)>& fn) {
  if (pool_ == nullptr) {
    for (int i = 0; i < size(); ++i) fn(i);
    return;
  }
  pool_->ParallelFor(size(), fn);
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
  // Between runs no window is open, so this is sequential in either mode.
  network_.Hold(node.address, false);
  network_.DeliverUntil(clock_.Now());
  Schedule(i, clock_.Now());
}

bool SimCluster::Advance(MonoTime until) {
  if (pool_ != nullptr && network_.MinDelay() > absl::ZeroDuration()) {
    return RunWindow(until);
  }
  return Step(until);
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

bool SimCluster::RunWindow(MonoTime until) {
  MonoTime next_tick =
      ticks_.empty() ? absl::InfiniteDuration() : ticks_.top().at;
  const MonoTime start = std::min(next_tick, network_.NextDeliveryTime());
  if (start > until) return false;
  if (start > clock_.Now()) clock_.AdvanceTo(start);
  const MonoTime before = start + network_.MinDelay();

  // Gather the window's events by node, sequentially: the network's
  // drop/hold checks and counters run here, in delivery order.
  active_.clear();
  auto activate = [&](int i) {
    Port& port = *ports_[i];
    if (port.arrivals.empty() && port.ticks.empty()) active_.push_back(i);
    return &port;
  };
  arrivals_.clear();
  network_.TakeDue(before, until, &arrivals_);
  for (const InMemoryNetwork::Arrival& arrival : arrivals_) {
    auto it = index_of_.find(arrival.to);
    CHECK(it != index_of_.end())
        << "parallel SimCluster: datagram for " << arrival.to
        << ", which is not a node of the cluster";
    activate(it->second)->arrivals.push_back(&arrival);
  }
  while (!ticks_.empty() && ticks_.top().at < before &&
         ticks_.top().at <= until) {
    TickEvent event = ticks_.top();
    ticks_.pop();
    const Node& node = *nodes_[event.node];
    if (event.epoch != node.epoch || node.crashed || node.paused) continue;
    activate(event.node)->ticks.push_back(event.at);
  }

  pool_->ParallelFor(static_cast<int>(active_.size()),
                     [&](int k) { RunNodeWindow(active_[k], before, until); });

  // Hand the sends to the network in the sequential driver's order, so its
  // random draws (loss, jitter, ...) and sequence numbers come out the same.
  std::vector<std::pair<int, Outgoing*>> sends;
  MonoTime last = start;
  for (int i : active_) {
    Port& port = *ports_[i];
    for (Outgoing& out : port.outbox) sends.emplace_back(i, &out);
    for (MonoTime at : port.reschedule) Schedule(i, at);
    last = std::max(last, port.last);
  }
  std::sort(sends.begin(), sends.end(), [](const auto& a, const auto& b) {
    const Outgoing& x = *a.second;
    const Outgoing& y = *b.second;
    return std::tie(x.event.at, x.event.kind, x.event.tie, a.first, x.index) <
           std::tie(y.event.at, y.event.kind, y.event.tie, b.first, y.index);
  });
  for (const auto& send : sends) {
    Outgoing& out = *send.second;
    network_.SendAt(ports_[send.first]->address(), out.to,
                    std::move(out.payload), out.event.at);
  }
  for (int i : active_) {
    Port& port = *ports_[i];
    port.arrivals.clear();
    port.ticks.clear();
    port.reschedule.clear();
    port.outbox.clear();
  }
  if (last > clock_.Now()) clock_.AdvanceTo(last);
  return true;
}

void SimCluster::RunNodeWindow(int i, MonoTime before, MonoTime until) {
  Port& port = *ports_[i];
  GossipNode& gossip = *nodes_[i]->gossip;
  port.in_window = true;
  size_t a = 0;
  size_t t = 0;
  while (a < port.arrivals.size() || t < port.ticks.size()) {
    if (t == port.ticks.size() ||
        (a < port.arrivals.size() && port.arrivals[a]->at <= port.ticks[t])) {
      const InMemoryNetwork::Arrival& arrival = *port.arrivals[a++];
      port.event = EventKey{arrival.at, kArrival, arrival.sequence};
      port.last = arrival.at;
      arrival.sink->OnPacket(arrival.from, arrival.payload, arrival.at);
      continue;
    }
    const MonoTime at = port.ticks[t++];
    port.event = EventKey{at, kTick, static_cast<uint64_t>(i)};
    port.last = at;
    gossip.Tick(at);
    const MonoTime next = gossip.NextTickDue();
    if (next < before && next <= until) {
      port.ticks.insert(
          std::upper_bound(port.ticks.begin() + t, port.ticks.end(), next),
          next);
    } else {
      port.reschedule.push_back(next);
    }
  }
  port.in_window = false;
}

void SimCluster::RunFor(absl::Duration d) {
  MonoTime end = clock_.Now() + d;
  while (Advance(end)) {
  }
  clock_.AdvanceTo(end);
}

bool AllSeeAll(SimCluster& c, const std::vector<int>& live) {
  for (int i : live) {
    const Membership& m = c.node(i).gossip->membership();
    for (int j : live) {
      const auto* member = m.Find(c.node(j).name);
      if (member == nullptr ||
          member->generation != c.node(j).gossip->generation()) {
        return false;
      }
    }
  }
  return true;
}

GossipOptions LanV2Options() {
  GossipOptions o = GossipOptions::ForLan();
  o.protocol = 2;
  return o;
}

std::vector<int> Live(int n, const std::vector<int>& dead) {
  std::vector<int> live;
  for (int i = 0; i < n; ++i) {
    if (std::find(dead.begin(), dead.end(), i) == dead.end()) live.push_back(i);
  }
  return live;
}

int NodeIndexOf(SimCluster& c, const std::string& name) {
  for (int i = 0; i < c.size(); ++i) {
    if (c.node(i).name == name) return i;
  }
  return -1;
}

std::vector<int> MonitorNodes(SimCluster& c, int observer, int subject) {
  const Membership& m = c.node(observer).gossip->membership();
  std::vector<int> out;
  for (const Member* monitor : m.MonitorsOf(*m.Find(c.node(subject).name))) {
    out.push_back(NodeIndexOf(c, monitor->name()));
  }
  return out;
}

MonoTime CrossingAt(SimCluster& c, int i, int v, double threshold) {
  const Membership& m = c.node(i).gossip->membership();
  const Member* victim = m.Find(c.node(v).name);
  if (victim == nullptr) return absl::InfiniteDuration();
  return m.CurveOf(*victim, c.now()).TimeAt(threshold);
}

}  // namespace phid
