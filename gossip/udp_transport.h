// UdpTransport: the real Transport, one UDP socket per daemon.
//
// Send() writes a datagram with sendto(); the daemon's receive thread calls
// ReceiveOnce() in a loop, which waits for datagrams and hands each to a
// PacketSink (the GossipNode). Faults for testing (drops, delay) are not
// its job: FaultInjectingTransport wraps it (fault_injecting_transport.h).
//
// The poll timeout is real time, read from RealClock; the Clock passed to
// ReceiveOnce() only stamps received datagrams.
//
// Thread safety:
//   * Send() may be called from any thread, concurrently with ReceiveOnce()
//     and with other Send() calls.
//   * ReceiveOnce() must be called from one thread at a time (the receive
//     thread). The sink runs on that thread; it may call Send().
//   * Wake() may be called from any thread, e.g. at shutdown.
//   * Counters and LocalAddress() may be read from any thread.
#ifndef PHID_GOSSIP_UDP_TRANSPORT_H_
#define PHID_GOSSIP_UDP_TRANSPORT_H_

#include <sys/socket.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "detector/base/clock.h"
#include "gossip/transport.h"

namespace phid {

struct UdpOptions {
  // "ip:port" to bind, e.g. "127.0.0.2:7946", "[::1]:7946" or "0.0.0.0:7946".
  // Port 0 binds an ephemeral port. Required.
  std::string bind_address;
  // "ip:port" peers reach us at, reported by LocalAddress(). Default (empty):
  // the bound address, with the actual port. Required when binding a
  // wildcard address (0.0.0.0 or ::). A port of 0 here means the bound port.
  std::string advertise_address;

  // OK, or INVALID_ARGUMENT naming the first bad field.
  absl::Status Validate() const;
};

class UdpTransport final : public Transport {
 public:
  // Largest datagram ReceiveOnce() reads whole (the UDP maximum). Larger
  // than kMaxDatagramBytes on purpose: oversize datagrams are handed on so
  // the codec can count them.
  static constexpr size_t kReceiveBufferBytes = 65536;
  // Most datagrams one ReceiveOnce() delivers, so a flood cannot keep it
  // from returning.
  static constexpr int kMaxDatagramsPerReceive = 1024;

  // Validates `options`, opens and binds the socket. Errors name the address
  // and the reason, e.g. "cannot bind 127.0.0.2:7946: Address already in
  // use".
  static absl::StatusOr<std::unique_ptr<UdpTransport>> Bind(
      const UdpOptions& options);

  UdpTransport(const UdpTransport&) = delete;
  UdpTransport& operator=(const UdpTransport&) = delete;
  // Closes the socket. No other thread may be inside a method.
  ~UdpTransport() override;

  // Transport. Best effort: an unparsable `to`, an oversize payload (refused:
  // more than kMaxDatagramBytes) or a failing sendto() is counted, not
  // reported.
  void Send(const std::string& to, absl::string_view payload) override;
  // The advertise address (or the bound one), e.g. "127.0.0.2:7946".
  std::string LocalAddress() const override { return local_address_; }
  // The address actually bound, e.g. "0.0.0.0:7946" or "127.0.0.1:41234".
  const std::string& BoundAddress() const { return bound_address_; }

  // Waits up to `timeout` for datagrams, then reads every datagram already
  // queued (at most kMaxDatagramsPerReceive) and calls sink->OnPacket(from,
  // payload, clock.Now()) for each, `from` being the sender's "ip:port".
  // Returns the number delivered to the sink: 0 on timeout or Wake(). The
  // wait is real time, whatever `clock` is; `clock` only stamps the
  // datagrams.
  int ReceiveOnce(absl::Duration timeout, const Clock& clock, PacketSink* sink);

  // Makes the current ReceiveOnce() return now, or the next one return
  // immediately if none is waiting. For shutdown.
  void Wake();

  // The socket, for what the transport does not own: its receive buffer
  // size, the kernel's drop count (server/socket_stats.h).
  int socket_fd() const { return socket_fd_; }

  // Counters.
  uint64_t datagrams_sent() const { return datagrams_sent_.load(); }
  uint64_t bytes_sent() const { return bytes_sent_.load(); }
  uint64_t datagrams_received() const { return datagrams_received_.load(); }
  uint64_t bytes_received() const { return bytes_received_.load(); }
  // Sends that failed: bad destination address, or sendto() errors (e.g. a
  // full socket buffer).
  uint64_t send_errors() const { return send_errors_.load(); }
  // Payloads over kMaxDatagramBytes that Send() refused.
  uint64_t oversize_refused() const { return oversize_refused_.load(); }
  // recvfrom()/poll() failures other than "nothing to read".
  uint64_t receive_errors() const { return receive_errors_.load(); }

 private:
  UdpTransport(const UdpOptions& options, int socket_fd, int wake_fd,
               int family, std::string bound_address,
               std::string local_address);

  void SendNow(const sockaddr_storage& to, absl::string_view payload);
  // Reads up to kMaxDatagramsPerReceive datagrams into the sink.
  int ReadAvailable(const Clock& clock, PacketSink* sink);

  // Constant after construction.
  const UdpOptions options_;
  const int socket_fd_;
  const int wake_fd_;  // eventfd: Wake()
  const int family_;   // of the socket: AF_INET or AF_INET6
  const std::string bound_address_;
  const std::string local_address_;

  std::atomic<bool> wake_requested_{false};

  // Used by ReceiveOnce() only (one thread at a time).
  std::unique_ptr<char[]> receive_buffer_;

  std::atomic<uint64_t> datagrams_sent_{0};
  std::atomic<uint64_t> bytes_sent_{0};
  std::atomic<uint64_t> datagrams_received_{0};
  std::atomic<uint64_t> bytes_received_{0};
  std::atomic<uint64_t> send_errors_{0};
  std::atomic<uint64_t> oversize_refused_{0};
  std::atomic<uint64_t> receive_errors_{0};
};

}  // namespace phid

#endif  // PHID_GOSSIP_UDP_TRANSPORT_H_
