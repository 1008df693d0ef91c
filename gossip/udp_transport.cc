#include "gossip/udp_transport.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gossip/address.h"

namespace phid {
namespace {

// I/O deadlines are real time by nature.
MonoTime RealNow() { return RealClock::Get().Now(); }

void DrainEventFd(int fd) {
  uint64_t value;
  while (read(fd, &value, sizeof(value)) < 0 && errno == EINTR) {
  }
}

void SignalEventFd(int fd) {
  const uint64_t one = 1;
  // EAGAIN (counter saturated) still leaves the fd readable: fine.
  while (write(fd, &one, sizeof(one)) < 0 && errno == EINTR) {
  }
}

// An IPv4 destination as an IPv4-mapped IPv6 address, for dual-stack
// sockets bound to an IPv6 address.
sockaddr_storage MapToIpv6(const sockaddr_storage& address) {
  if (address.ss_family != AF_INET) return address;
  const auto* in4 = reinterpret_cast<const sockaddr_in*>(&address);
  sockaddr_storage mapped;
  std::memset(&mapped, 0, sizeof(mapped));
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&mapped);
  in6->sin6_family = AF_INET6;
  in6->sin6_port = in4->sin_port;
  in6->sin6_addr.s6_addr[10] = 0xff;
  in6->sin6_addr.s6_addr[11] = 0xff;
  std::memcpy(&in6->sin6_addr.s6_addr[12], &in4->sin_addr, 4);
  return mapped;
}

void SetPort(sockaddr_storage& address, uint16_t port_network_order) {
  if (address.ss_family == AF_INET6) {
    reinterpret_cast<sockaddr_in6*>(&address)->sin6_port = port_network_order;
  } else {
    reinterpret_cast<sockaddr_in*>(&address)->sin_port = port_network_order;
  }
}

uint16_t GetPort(const sockaddr_storage& address) {
  return address.ss_family == AF_INET6
             ? reinterpret_cast<const sockaddr_in6*>(&address)->sin6_port
             : reinterpret_cast<const sockaddr_in*>(&address)->sin_port;
}

}  // namespace

absl::Status UdpOptions::Validate() const {
  if (bind_address.empty()) {
    return absl::InvalidArgumentError(
        "UdpOptions.bind_address is required (ip:port, e.g. "
        "127.0.0.1:7946)");
  }
  absl::StatusOr<sockaddr_storage> bind = ParseAddress(bind_address);
  if (!bind.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("UdpOptions.bind_address: ", bind.status().message()));
  }
  if (advertise_address.empty()) {
    if (IsUnspecifiedAddress(*bind)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "UdpOptions.advertise_address must be set when binding the "
          "wildcard address ",
          bind_address, ": peers cannot send to it"));
    }
  } else {
    absl::StatusOr<sockaddr_storage> advertise =
        ParseAddress(advertise_address);
    if (!advertise.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "UdpOptions.advertise_address: ", advertise.status().message()));
    }
    if (IsUnspecifiedAddress(*advertise)) {
      return absl::InvalidArgumentError(
          absl::StrCat("UdpOptions.advertise_address ", advertise_address,
                       " is a wildcard address; give one peers can reach"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<UdpTransport>> UdpTransport::Bind(
    const UdpOptions& options) {
  if (absl::Status status = options.Validate(); !status.ok()) return status;
  const sockaddr_storage address = *ParseAddress(options.bind_address);

  const int fd =
      socket(address.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return absl::ErrnoToStatus(
        errno,
        absl::StrCat("cannot create a UDP socket for ", options.bind_address));
  }
  if (bind(fd, reinterpret_cast<const sockaddr*>(&address),
           AddressLength(address)) != 0) {
    const int error = errno;
    close(fd);
    return absl::ErrnoToStatus(
        error, absl::StrCat("cannot bind ", options.bind_address));
  }
  sockaddr_storage bound;
  socklen_t bound_length = sizeof(bound);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &bound_length) !=
      0) {
    const int error = errno;
    close(fd);
    return absl::ErrnoToStatus(error, absl::StrCat("getsockname after binding ",
                                                   options.bind_address));
  }
  const int wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd < 0) {
    const int error = errno;
    close(fd);
    return absl::ErrnoToStatus(error, "cannot create an eventfd");
  }

  std::string local_address = FormatAddress(bound);
  if (!options.advertise_address.empty()) {
    sockaddr_storage advertise = *ParseAddress(options.advertise_address);
    if (GetPort(advertise) == 0) SetPort(advertise, GetPort(bound));
    local_address = FormatAddress(advertise);
  }
  return std::unique_ptr<UdpTransport>(
      new UdpTransport(options, fd, wake_fd, bound.ss_family,
                       FormatAddress(bound), std::move(local_address)));
}

UdpTransport::UdpTransport(const UdpOptions& options, int socket_fd,
                           int wake_fd, int family, std::string bound_address,
                           std::string local_address)
    : options_(options),
      socket_fd_(socket_fd),
      wake_fd_(wake_fd),
      family_(family),
      bound_address_(std::move(bound_address)),
      local_address_(std::move(local_address)),
      receive_buffer_(new char[kReceiveBufferBytes]) {}

UdpTransport::~UdpTransport() {
  close(socket_fd_);
  close(wake_fd_);
}

void UdpTransport::Send(const std::string& to, absl::string_view payload) {
  if (payload.size() > kMaxDatagramBytes) {
    ++oversize_refused_;
    return;
  }
  absl::StatusOr<sockaddr_storage> address = ParseAddress(to);
  if (!address.ok()) {
    ++send_errors_;
    return;
  }
  SendNow(*address, payload);
}

void UdpTransport::SendNow(const sockaddr_storage& to,
                           absl::string_view payload) {
  const sockaddr_storage destination = family_ == AF_INET6 ? MapToIpv6(to) : to;
  ssize_t sent;
  do {
    sent = sendto(socket_fd_, payload.data(), payload.size(), 0,
                  reinterpret_cast<const sockaddr*>(&destination),
                  AddressLength(destination));
  } while (sent < 0 && errno == EINTR);
  if (sent < 0) {
    ++send_errors_;
    return;
  }
  ++datagrams_sent_;
  bytes_sent_ += static_cast<uint64_t>(sent);
}

int UdpTransport::ReadAvailable(const Clock& clock, PacketSink* sink) {
  int delivered = 0;
  while (delivered < kMaxDatagramsPerReceive) {
    sockaddr_storage from;
    socklen_t from_length = sizeof(from);
    const ssize_t size =
        recvfrom(socket_fd_, receive_buffer_.get(), kReceiveBufferBytes, 0,
                 reinterpret_cast<sockaddr*>(&from), &from_length);
    if (size < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) ++receive_errors_;
      break;
    }
    ++datagrams_received_;
    bytes_received_ += static_cast<uint64_t>(size);
    ++delivered;
    sink->OnPacket(
        FormatAddress(from),
        absl::string_view(receive_buffer_.get(), static_cast<size_t>(size)),
        clock.Now());
  }
  return delivered;
}

int UdpTransport::ReceiveOnce(absl::Duration timeout, const Clock& clock,
                              PacketSink* sink) {
  const MonoTime deadline = RealNow() + std::max(timeout, absl::ZeroDuration());
  for (;;) {
    if (wake_requested_.exchange(false)) return 0;

    const absl::Duration wait =
        std::max(deadline - RealNow(), absl::ZeroDuration());
    timespec wait_spec;
    if (wait != absl::InfiniteDuration()) wait_spec = absl::ToTimespec(wait);
    pollfd fds[2] = {{socket_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    const int ready =
        ppoll(fds, 2, wait == absl::InfiniteDuration() ? nullptr : &wait_spec,
              nullptr);
    if (ready < 0 && errno != EINTR) {
      ++receive_errors_;
      return 0;
    }
    if (ready > 0) {
      // Wake(): the loop sees wake_requested_.
      if ((fds[1].revents & POLLIN) != 0) DrainEventFd(wake_fd_);
      if ((fds[0].revents & (POLLIN | POLLERR)) != 0) {
        const int delivered = ReadAvailable(clock, sink);
        if (delivered > 0) return delivered;
      }
    }
    if (RealNow() >= deadline) return 0;
  }
}

void UdpTransport::Wake() {
  wake_requested_.store(true);
  SignalEventFd(wake_fd_);
}

}  // namespace phid
