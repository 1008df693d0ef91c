// Transport: how a gossip node sends datagrams, and how they come back in.
//
// The gossip protocol (GossipNode) only ever calls Send(); datagrams arriving
// for it are handed to a PacketSink by whoever owns the transport's receive
// side: the daemon's receive thread for UdpTransport, or
// InMemoryNetwork::DeliverUntil() in tests and the simulator. That keeps the
// protocol free of threads and sockets, and deterministic under test.
//
// Addresses are "ip:port" strings (IPv4, or "[v6]:port").
#ifndef PHID_GOSSIP_TRANSPORT_H_
#define PHID_GOSSIP_TRANSPORT_H_

#include <string>

#include "absl/strings/string_view.h"
#include "detector/base/clock.h"

namespace phid {

// Largest datagram phid sends or accepts (fits a 1500-byte MTU with room for
// IP/UDP headers and the encryption envelope).
inline constexpr size_t kMaxDatagramBytes = 1400;

class Transport {
 public:
  virtual ~Transport() = default;
  // Sends one datagram, best effort: failures are counted, not reported.
  // `payload` must be at most kMaxDatagramBytes.
  virtual void Send(const std::string& to, absl::string_view payload) = 0;
  // The address peers reach this node at.
  virtual std::string LocalAddress() const = 0;
};

// Receives datagrams. Implemented by GossipNode.
class PacketSink {
 public:
  virtual ~PacketSink() = default;
  // `now` is the local receive time.
  virtual void OnPacket(const std::string& from, absl::string_view payload,
                        MonoTime now) = 0;
};

}  // namespace phid

#endif  // PHID_GOSSIP_TRANSPORT_H_
