// InMemoryNetwork: a deterministic, simulated datagram network for tests and
// the simulator (testonly).
//
// Nodes attach with an address and a PacketSink and get a Transport. Sends are
// queued with a delivery time computed from the link's fault settings (loss,
// delay, jitter, duplication, reordering) and partitions, using one seeded
// RNG, so a run is reproducible from its seed. DeliverUntil(t) hands every
// datagram due at or before t to its sink, in delivery-time order (ties in
// send order), passing the delivery time as `now`. A driver advances the
// clock first, then delivers:
//   while (net.NextDeliveryTime() <= end) {
//     clock.AdvanceTo(net.NextDeliveryTime());
//     net.DeliverUntil(clock.Now());
//   }
// so that replies sent from OnPacket are stamped with the delivery time.
//
// A parallel driver (SimCluster with threads) instead takes a window's due
// datagrams with TakeDue(), hands them to the nodes itself, and feeds the
// nodes' sends back with SendAt() stamped with their event times. Every
// datagram takes at least MinDelay() to arrive, so a window shorter than
// that never sees a datagram sent inside it.
//
// Not thread-safe: drive it from one thread at a time.
#ifndef PHID_GOSSIP_IN_MEMORY_NETWORK_H_
#define PHID_GOSSIP_IN_MEMORY_NETWORK_H_

#include <cstdint>
#include <map>
#include <memory>
#include <queue>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "detector/base/clock.h"
#include "gossip/transport.h"

namespace phid {

// Faults on a link (or the default for every link).
struct LinkFaults {
  double loss = 0;  // probability a datagram is dropped, [0, 1]
  absl::Duration delay = absl::Milliseconds(1);  // base one-way delay
  absl::Duration jitter = absl::ZeroDuration();  // + uniform [0, jitter)
  double duplicate = 0;  // probability of a second copy, [0, 1]
  // probability a datagram gets an extra random delay of up to 4x `delay`
  // (so it overtakes or is overtaken: reordering), [0, 1]
  double reorder = 0;
};

class InMemoryNetwork {
 public:
  // `clock` gives send times; it must outlive the network.
  InMemoryNetwork(const Clock& clock, uint64_t seed);
  InMemoryNetwork(const InMemoryNetwork&) = delete;
  InMemoryNetwork& operator=(const InMemoryNetwork&) = delete;
  ~InMemoryNetwork();

  // Attaches a node. The returned transport is owned by the network and lives
  // as long as it. A second Attach of the same address replaces the sink (a
  // restarted node).
  Transport* Attach(const std::string& address, PacketSink* sink);
  // Detaches: datagrams to the address are dropped from now on (a crashed
  // node). Its Transport stays valid but sends nothing.
  void Detach(const std::string& address);

  void SetDefaultFaults(const LinkFaults& faults);
  // Faults for datagrams from `from` to `to` (one direction).
  void SetLinkFaults(const std::string& from, const std::string& to,
                     const LinkFaults& faults);
  // Puts each address in a group; datagrams between different groups are
  // dropped. Addresses not named form one more group of their own ("the
  // rest"), so Partition({{"a"}}) cuts "a" off from everyone else. Replaces
  // any earlier partition. Datagrams already in flight across the cut are
  // dropped too.
  void Partition(const std::vector<std::vector<std::string>>& groups);
  // Ends the partition (isolation and holds are separate and stay).
  void Heal();
  // Drops every datagram sent from or to `address` while paused; as a paused
  // process would still receive into its socket buffer, this is used for
  // "isolate", not "pause". See also Hold().
  void Isolate(const std::string& address, bool isolated);
  // Holds datagrams to `address` until released (a paused process: the
  // kernel buffers them); on release they are delivered at the release time.
  void Hold(const std::string& address, bool held);

  // Delivers every datagram due at or before `t`.
  void DeliverUntil(MonoTime t);
  // Time of the next pending delivery, or absl::InfiniteDuration().
  MonoTime NextDeliveryTime() const;

  // A datagram handed over by TakeDue() instead of to its sink.
  struct Arrival {
    MonoTime at;        // delivery time: pass it to OnPacket as `now`
    uint64_t sequence;  // unique; orders arrivals with equal `at`
    std::string from;
    std::string to;
    std::string payload;
    PacketSink* sink;
  };
  // Does what DeliverUntil() does for every datagram due before `before`
  // and at or before `until` (drops, holds, counters), except that the
  // deliverable ones are appended to `out` in delivery order rather than
  // handed to their sinks. The caller must deliver them.
  void TakeDue(MonoTime before, MonoTime until, std::vector<Arrival>* out);
  // Sends as `from`'s transport does, but stamped `sent_at` instead of the
  // clock's now (the time of the event that sent it, in a parallel driver).
  void SendAt(const std::string& from, const std::string& to,
              std::string payload, MonoTime sent_at);
  // The smallest base delay of any link (the default faults' or any set by
  // SetLinkFaults): no datagram arrives sooner after it is sent, as jitter
  // and reordering only add delay.
  absl::Duration MinDelay() const;

  // Counters. Every datagram sent (plus every duplicate made) ends up
  // delivered, dropped or pending:
  //   sent + duplicated == delivered + dropped + pending.
  // Sends from a detached address are not counted; oversize ones
  // (> kMaxDatagramBytes) are counted as sent and dropped.
  uint64_t sent() const { return sent_; }
  uint64_t delivered() const { return delivered_; }
  uint64_t dropped() const { return dropped_; }
  uint64_t duplicated() const { return duplicated_; }
  uint64_t bytes_sent() const { return bytes_sent_; }
  // Datagrams in flight or held.
  uint64_t pending() const { return queue_.size() + held_datagrams_.size(); }
  // Per-source counters (sent datagrams and bytes), for per-node bandwidth.
  uint64_t sent_from(const std::string& address) const;
  uint64_t bytes_from(const std::string& address) const;

 private:
  class NodeTransport;
  struct InFlight {
    MonoTime deliver_at;
    uint64_t sequence;  // tie-break: send order
    std::string from;
    std::string to;
    std::string payload;
    bool operator>(const InFlight& other) const {
      return deliver_at != other.deliver_at ? deliver_at > other.deliver_at
                                            : sequence > other.sequence;
    }
  };

  void Enqueue(const std::string& from, const std::string& to,
               std::string payload, MonoTime now);
  // The delivery-time checks: false if `datagram` was dropped or held.
  bool Deliverable(InFlight& datagram, PacketSink** sink);
  // A uniform double in [0, 1) from rng_ (portable, unlike
  // std::uniform_real_distribution, so a seed replays on any libstdc++).
  double Uniform();
  const LinkFaults& FaultsFor(const std::string& from,
                              const std::string& to) const;
  bool Blocked(const std::string& from, const std::string& to) const;

  const Clock& clock_;
  std::mt19937_64 rng_;
  LinkFaults default_faults_;
  std::map<std::pair<std::string, std::string>, LinkFaults> link_faults_;
  absl::flat_hash_map<std::string, int> partition_group_;
  std::set<std::string> isolated_;
  std::set<std::string> held_;
  std::vector<InFlight> held_datagrams_;
  absl::flat_hash_map<std::string, PacketSink*> sinks_;
  absl::flat_hash_map<std::string, std::unique_ptr<NodeTransport>> transports_;
  std::priority_queue<InFlight, std::vector<InFlight>, std::greater<InFlight>>
      queue_;
  uint64_t sequence_ = 0;
  uint64_t sent_ = 0, delivered_ = 0, dropped_ = 0, duplicated_ = 0,
           bytes_sent_ = 0;
  absl::flat_hash_map<std::string, std::pair<uint64_t, uint64_t>> per_source_;
};

}  // namespace phid

#endif  // PHID_GOSSIP_IN_MEMORY_NETWORK_H_
