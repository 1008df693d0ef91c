#include "gossip/in_memory_network.h"

#include <algorithm>
#include <utility>

namespace phid {

// The Transport a node gets from Attach(). Sends go through the network so
// they see its faults; a detached node's sends vanish (see Enqueue).
class InMemoryNetwork::NodeTransport final : public Transport {
 public:
  NodeTransport(InMemoryNetwork* network, std::string address)
      : network_(network), address_(std::move(address)) {}

  void Send(const std::string& to, absl::string_view payload) override {
    network_->Enqueue(address_, to, std::string(payload),
                      network_->clock_.Now());
  }
  std::string LocalAddress() const override { return address_; }

 private:
  InMemoryNetwork* const network_;
  const std::string address_;
};

InMemoryNetwork::InMemoryNetwork(const Clock& clock, uint64_t seed)
    : clock_(clock), rng_(seed) {}

InMemoryNetwork::~InMemoryNetwork() = default;

Transport* InMemoryNetwork::Attach(const std::string& address,
                                   PacketSink* sink) {
  sinks_[address] = sink;
  auto& transport = transports_[address];
  if (transport == nullptr) {
    transport = std::make_unique<NodeTransport>(this, address);
  }
  return transport.get();
}

void InMemoryNetwork::Detach(const std::string& address) {
  sinks_.erase(address);
}

void InMemoryNetwork::SetDefaultFaults(const LinkFaults& faults) {
  default_faults_ = faults;
}

void InMemoryNetwork::SetLinkFaults(const std::string& from,
                                    const std::string& to,
                                    const LinkFaults& faults) {
  link_faults_[{from, to}] = faults;
}

void InMemoryNetwork::Partition(
    const std::vector<std::vector<std::string>>& groups) {
  partition_group_.clear();
  // Named groups are 1..n; everyone not named is in group 0.
  for (size_t i = 0; i < groups.size(); ++i) {
    for (const std::string& address : groups[i]) {
      partition_group_[address] = static_cast<int>(i) + 1;
    }
  }
}

void InMemoryNetwork::Heal() { partition_group_.clear(); }

void InMemoryNetwork::Isolate(const std::string& address, bool isolated) {
  if (isolated) {
    isolated_.insert(address);
  } else {
    isolated_.erase(address);
  }
}

void InMemoryNetwork::Hold(const std::string& address, bool held) {
  if (held) {
    held_.insert(address);
    return;
  }
  if (held_.erase(address) == 0) return;
  // Release in arrival order, all at the release time, as a resumed process
  // drains its socket buffer.
  const MonoTime now = clock_.Now();
  std::vector<InFlight> still_held;
  for (InFlight& datagram : held_datagrams_) {
    if (datagram.to != address) {
      still_held.push_back(std::move(datagram));
      continue;
    }
    datagram.deliver_at = now;
    datagram.sequence = sequence_++;
    queue_.push(std::move(datagram));
  }
  held_datagrams_ = std::move(still_held);
}

double InMemoryNetwork::Uniform() {
  // The top 53 bits of a 64-bit draw, scaled to [0, 1).
  return static_cast<double>(rng_() >> 11) * 0x1.0p-53;
}

void InMemoryNetwork::SendAt(const std::string& from, const std::string& to,
                             std::string payload, MonoTime sent_at) {
  Enqueue(from, to, std::move(payload), sent_at);
}

absl::Duration InMemoryNetwork::MinDelay() const {
  absl::Duration min_delay = default_faults_.delay;
  for (const auto& link : link_faults_) {
    min_delay = std::min(min_delay, link.second.delay);
  }
  return min_delay;
}

void InMemoryNetwork::Enqueue(const std::string& from, const std::string& to,
                              std::string payload, MonoTime now) {
  if (!sinks_.contains(from)) return;  // a detached node sends nothing
  ++sent_;
  bytes_sent_ += payload.size();
  auto& source = per_source_[from];
  ++source.first;
  source.second += payload.size();

  if (payload.size() > kMaxDatagramBytes || Blocked(from, to)) {
    ++dropped_;
    return;
  }
  const LinkFaults& faults = FaultsFor(from, to);
  // Draw only for faults that are on, so a fault-free link consumes no
  // randomness and turning faults on elsewhere does not reshuffle it.
  if (faults.loss > 0 && Uniform() < faults.loss) {
    ++dropped_;
    return;
  }
  int copies = 1;
  if (faults.duplicate > 0 && Uniform() < faults.duplicate) {
    ++copies;
    ++duplicated_;
  }
  for (int i = 0; i < copies; ++i) {
    absl::Duration delay = faults.delay;
    if (faults.jitter > absl::ZeroDuration()) {
      delay += faults.jitter * Uniform();
    }
    if (faults.reorder > 0 && Uniform() < faults.reorder) {
      delay += faults.delay * (4 * Uniform());
    }
    // The last copy takes the payload itself.
    queue_.push(InFlight{now + delay, sequence_++, from, to,
                         i + 1 == copies ? std::move(payload) : payload});
  }
}

const LinkFaults& InMemoryNetwork::FaultsFor(const std::string& from,
                                             const std::string& to) const {
  auto it = link_faults_.find({from, to});
  return it == link_faults_.end() ? default_faults_ : it->second;
}

bool InMemoryNetwork::Blocked(const std::string& from,
                              const std::string& to) const {
  if (isolated_.count(from) > 0 || isolated_.count(to) > 0) return true;
  auto group = [this](const std::string& address) {
    auto it = partition_group_.find(address);
    return it == partition_group_.end() ? 0 : it->second;
  };
  return group(from) != group(to);
}

bool InMemoryNetwork::Deliverable(InFlight& datagram, PacketSink** sink) {
  // Faults are checked again on arrival: a partition or isolation that
  // started while the datagram was in flight still drops it.
  auto it = sinks_.find(datagram.to);
  if (it == sinks_.end() || Blocked(datagram.from, datagram.to)) {
    ++dropped_;
    return false;
  }
  if (held_.count(datagram.to) > 0) {
    held_datagrams_.push_back(std::move(datagram));
    return false;
  }
  ++delivered_;
  *sink = it->second;
  return true;
}

void InMemoryNetwork::DeliverUntil(MonoTime t) {
  // Sinks may send while we deliver; anything they send that is due by `t`
  // is delivered in this call too.
  while (!queue_.empty() && queue_.top().deliver_at <= t) {
    InFlight datagram = queue_.top();
    queue_.pop();
    PacketSink* sink;
    if (!Deliverable(datagram, &sink)) continue;
    sink->OnPacket(datagram.from, datagram.payload, datagram.deliver_at);
  }
}

void InMemoryNetwork::TakeDue(MonoTime before, MonoTime until,
                              std::vector<Arrival>* out) {
  while (!queue_.empty() && queue_.top().deliver_at < before &&
         queue_.top().deliver_at <= until) {
    InFlight datagram = queue_.top();
    queue_.pop();
    PacketSink* sink;
    if (!Deliverable(datagram, &sink)) continue;
    out->push_back(Arrival{datagram.deliver_at, datagram.sequence,
                           std::move(datagram.from), std::move(datagram.to),
                           std::move(datagram.payload), sink});
  }
}

MonoTime InMemoryNetwork::NextDeliveryTime() const {
  return queue_.empty() ? absl::InfiniteDuration() : queue_.top().deliver_at;
}

uint64_t InMemoryNetwork::sent_from(const std::string& address) const {
  auto it = per_source_.find(address);
  return it == per_source_.end() ? 0 : it->second.first;
}

uint64_t InMemoryNetwork::bytes_from(const std::string& address) const {
  auto it = per_source_.find(address);
  return it == per_source_.end() ? 0 : it->second.second;
}

}  // namespace phid
