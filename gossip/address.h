// Address: parsing and printing the "ip:port" strings phid uses for gossip
// addresses ("1.2.3.4:7946", "[::1]:7946").
//
// Gossip addresses are numeric IPs. Only seeds may be DNS names
// ("phid-seeds.phid.svc:7946"); they are resolved through a SeedResolver
// (seed_resolver.h) on every join attempt, never here. Used by UdpTransport
// and by option validation.
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

// A seed: a numeric address as above, or "dns-name:port" with a DNS name of
// letters, digits, '-' and '.' (labels of 1 to 63 bytes, at most 253 bytes
// in all) and a port in [1, 65535]. Checks the syntax only: nothing is
// resolved. INVALID_ARGUMENT naming the input otherwise.
absl::Status ValidateSeed(absl::string_view seed);
// Splits a seed that ValidateSeed accepts into its host and port.
bool SplitHostPort(absl::string_view seed, std::string* host, uint16_t* port);

// The inverse: "a.b.c.d:port" or "[v6]:port". An IPv4-mapped IPv6 address
// (::ffff:a.b.c.d, as a dual-stack socket reports IPv4 peers) prints as IPv4.
// "unknown" for other families.
std::string FormatAddress(const sockaddr_storage& address);

// sizeof(sockaddr_in) or sizeof(sockaddr_in6), for bind/sendto.
socklen_t AddressLength(const sockaddr_storage& address);

// True for 0.0.0.0 and :: (bind to every interface; not reachable as is).
bool IsUnspecifiedAddress(const sockaddr_storage& address);

// True for 127.0.0.0/8 and ::1 (and IPv4-mapped 127/8).
bool IsLoopbackAddress(const sockaddr_storage& address);

// OK if `address` can be a member's gossip address: one host (unicast) and
// a non-zero port. Otherwise INVALID_ARGUMENT saying what it is instead:
// port 0, unspecified (0.0.0.0/8, ::), broadcast (255.255.255.255),
// multicast (224.0.0.0/4, ff00::/8) or reserved (240.0.0.0/4). Sending to
// any of these would reach nobody, or everybody (a reflector). Subnet
// broadcasts (x.y.z.255 of a /24) look like unicast without the netmask
// and pass.
absl::Status CheckUnicastAddress(const sockaddr_storage& address);

// The same for a member address announced in a datagram from `sender`
// (both "ip:port"), which also refuses a loopback address announced by a
// non-loopback sender: nobody else can reach a member there, and it
// would turn our sends back onto this host.
absl::Status CheckAnnouncedAddress(absl::string_view announced,
                                   absl::string_view sender);

}  // namespace phid

#endif  // PHID_GOSSIP_ADDRESS_H_
