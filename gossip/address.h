// Address: parsing and printing the "ip:port" strings phid uses for gossip
// addresses ("1.2.3.4:7946", "[::1]:7946").
//
// Only numeric IPs: the gossip layer never resolves names, so a daemon's
// behaviour does not depend on DNS. Used by UdpTransport and by option
// validation.
//
// Thread safety: pure functions, safe from any thread.
#ifndef PHID_GOSSIP_ADDRESS_H_
#define PHID_GOSSIP_ADDRESS_H_

#include <sys/socket.h>

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace phid {

// Parses "a.b.c.d:port" (IPv4) or "[v6]:port" (IPv6; no zone ids) into a
// sockaddr_in or sockaddr_in6 (ss_family says which). Port 0 is allowed
// (bind to an ephemeral port). INVALID_ARGUMENT naming the input otherwise.
absl::StatusOr<sockaddr_storage> ParseAddress(absl::string_view address);

// The inverse: "a.b.c.d:port" or "[v6]:port". An IPv4-mapped IPv6 address
// (::ffff:a.b.c.d, as a dual-stack socket reports IPv4 peers) prints as IPv4.
// "unknown" for other families.
std::string FormatAddress(const sockaddr_storage& address);

// sizeof(sockaddr_in) or sizeof(sockaddr_in6), for bind/sendto.
socklen_t AddressLength(const sockaddr_storage& address);

// True for 0.0.0.0 and :: (bind to every interface; not reachable as is).
bool IsUnspecifiedAddress(const sockaddr_storage& address);

}  // namespace phid

#endif  // PHID_GOSSIP_ADDRESS_H_
