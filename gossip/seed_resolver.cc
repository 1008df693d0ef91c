#include "gossip/seed_resolver.h"

#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gossip/address.h"

namespace phid {

absl::StatusOr<std::vector<std::string>> SystemSeedResolver::Resolve(
    absl::string_view seed) {
  std::string host;
  uint16_t port = 0;
  if (!SplitHostPort(seed, &host, &port)) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", seed, "' is not dns-name:port"));
  }
  addrinfo hints;
  std::memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
  addrinfo* found = nullptr;
  const std::string service = absl::StrCat(port);
  int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &found);
  if (rc != 0) {
    std::string why = gai_strerror(rc);
    if (rc == EAI_NONAME || rc == EAI_NODATA) {
      return absl::NotFoundError(
          absl::StrCat("'", host, "' does not resolve: ", why));
    }
    return absl::UnavailableError(
        absl::StrCat("looking up '", host, "' failed: ", why));
  }
  std::vector<std::string> addresses;
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    if (a->ai_family != AF_INET && a->ai_family != AF_INET6) continue;
    sockaddr_storage storage;
    std::memset(&storage, 0, sizeof storage);
    std::memcpy(&storage, a->ai_addr,
                std::min<size_t>(a->ai_addrlen, sizeof storage));
    std::string address = FormatAddress(storage);
    if (std::find(addresses.begin(), addresses.end(), address) ==
        addresses.end()) {
      addresses.push_back(std::move(address));
    }
  }
  freeaddrinfo(found);
  if (addresses.empty()) {
    return absl::NotFoundError(
        absl::StrCat("'", host, "' has no IPv4 or IPv6 address"));
  }
  return addresses;
}

}  // namespace phid
