#include "gossip/address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace phid {
namespace {

absl::Status Invalid(absl::string_view address, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("bad address \"", address, "\": ", why,
                   " (want ip:port, e.g. 10.0.0.1:7946 or [::1]:7946)"));
}

}  // namespace

absl::StatusOr<sockaddr_storage> ParseAddress(absl::string_view address) {
  absl::string_view host;
  absl::string_view port_text;
  bool v6 = false;
  if (!address.empty() && address.front() == '[') {
    const size_t close = address.find(']');
    if (close == absl::string_view::npos) {
      return Invalid(address, "no closing ']'");
    }
    host = address.substr(1, close - 1);
    absl::string_view rest = address.substr(close + 1);
    if (rest.empty() || rest.front() != ':') {
      return Invalid(address, "no ':port' after ']'");
    }
    port_text = rest.substr(1);
    v6 = true;
  } else {
    const size_t colon = address.rfind(':');
    if (colon == absl::string_view::npos) {
      return Invalid(address, "no ':port'");
    }
    host = address.substr(0, colon);
    port_text = address.substr(colon + 1);
    if (host.find(':') != absl::string_view::npos) {
      return Invalid(address, "an IPv6 address needs brackets");
    }
  }
  uint32_t port = 0;
  if (port_text.empty() || port_text.front() == '+' ||
      port_text.front() == '-' || !absl::SimpleAtoi(port_text, &port) ||
      port > 65535) {
    return Invalid(address, "port is not a number in [0, 65535]");
  }

  sockaddr_storage storage;
  std::memset(&storage, 0, sizeof(storage));
  const std::string host_string(host);
  if (v6) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
    if (inet_pton(AF_INET6, host_string.c_str(), &in6->sin6_addr) != 1) {
      return Invalid(address, "not a numeric IPv6 address");
    }
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(static_cast<uint16_t>(port));
  } else {
    auto* in4 = reinterpret_cast<sockaddr_in*>(&storage);
    if (inet_pton(AF_INET, host_string.c_str(), &in4->sin_addr) != 1) {
      return Invalid(address, "not a numeric IPv4 address");
    }
    in4->sin_family = AF_INET;
    in4->sin_port = htons(static_cast<uint16_t>(port));
  }
  return storage;
}

bool SplitHostPort(absl::string_view seed, std::string* host, uint16_t* port) {
  const size_t colon = seed.rfind(':');
  if (colon == absl::string_view::npos || colon == 0) return false;
  absl::string_view port_text = seed.substr(colon + 1);
  uint32_t value = 0;
  if (port_text.empty() || !absl::ascii_isdigit(port_text.front()) ||
      !absl::SimpleAtoi(port_text, &value) || value == 0 || value > 65535) {
    return false;
  }
  *host = std::string(seed.substr(0, colon));
  *port = static_cast<uint16_t>(value);
  return true;
}

absl::Status ValidateSeed(absl::string_view seed) {
  if (ParseAddress(seed).ok()) return absl::OkStatus();
  auto invalid = [&](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", absl::CHexEscape(seed.substr(0, 300)),
                     "' is not ip:port or dns-name:port (e.g. 10.0.0.1:7946 or "
                     "phid-seeds.phid.svc:7946): ",
                     why));
  };
  std::string host;
  uint16_t port = 0;
  if (!SplitHostPort(seed, &host, &port)) {
    return invalid("no ':port' in [1, 65535]");
  }
  if (host.size() > 253) return invalid("the name is over 253 bytes");
  // A numeric-looking host that ParseAddress refused is a bad IP, not a
  // name; a trailing dot (an absolute name) is allowed.
  absl::string_view name = host;
  if (absl::EndsWith(name, ".")) name.remove_suffix(1);
  bool all_digits_and_dots = true;
  for (absl::string_view label : absl::StrSplit(name, '.')) {
    if (label.empty() || label.size() > 63) {
      return invalid("a DNS label is empty or over 63 bytes");
    }
    if (label.front() == '-' || label.back() == '-') {
      return invalid("a DNS label starts or ends with '-'");
    }
    for (char c : label) {
      if (!absl::ascii_isalnum(c) && c != '-') {
        return invalid(
            "not a numeric address, and a DNS name has only letters, "
            "digits, '-' and '.'");
      }
      all_digits_and_dots = all_digits_and_dots && absl::ascii_isdigit(c);
    }
  }
  if (all_digits_and_dots) return invalid("not a valid IPv4 address");
  return absl::OkStatus();
}

std::string FormatAddress(const sockaddr_storage& address) {
  char text[INET6_ADDRSTRLEN] = {};
  if (address.ss_family == AF_INET) {
    const auto* in4 = reinterpret_cast<const sockaddr_in*>(&address);
    inet_ntop(AF_INET, &in4->sin_addr, text, sizeof(text));
    return absl::StrCat(text, ":", ntohs(in4->sin_port));
  }
  if (address.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&address);
    if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
      inet_ntop(AF_INET, &in6->sin6_addr.s6_addr[12], text, sizeof(text));
      return absl::StrCat(text, ":", ntohs(in6->sin6_port));
    }
    inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof(text));
    return absl::StrCat("[", text, "]:", ntohs(in6->sin6_port));
  }
  return "unknown";
}

socklen_t AddressLength(const sockaddr_storage& address) {
  return address.ss_family == AF_INET6 ? sizeof(sockaddr_in6)
                                       : sizeof(sockaddr_in);
}

bool IsUnspecifiedAddress(const sockaddr_storage& address) {
  if (address.ss_family == AF_INET) {
    return reinterpret_cast<const sockaddr_in*>(&address)->sin_addr.s_addr ==
           htonl(INADDR_ANY);
  }
  if (address.ss_family == AF_INET6) {
    return IN6_IS_ADDR_UNSPECIFIED(
        &reinterpret_cast<const sockaddr_in6*>(&address)->sin6_addr);
  }
  return false;
}

bool IsLoopbackAddress(const sockaddr_storage& address) {
  if (address.ss_family == AF_INET) {
    const uint32_t ip =
        ntohl(reinterpret_cast<const sockaddr_in*>(&address)->sin_addr.s_addr);
    return (ip >> 24) == 127;
  }
  if (address.ss_family == AF_INET6) {
    const in6_addr& ip =
        reinterpret_cast<const sockaddr_in6*>(&address)->sin6_addr;
    return IN6_IS_ADDR_LOOPBACK(&ip) ||
           (IN6_IS_ADDR_V4MAPPED(&ip) && ip.s6_addr[12] == 127);
  }
  return false;
}

absl::Status CheckUnicastAddress(const sockaddr_storage& address) {
  const std::string text = FormatAddress(address);
  auto refuse = [&](absl::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat(
        "address ", text, " is ", what, ", not one host's gossip port"));
  };
  uint32_t v4 = 0;
  bool is_v4 = false;
  if (address.ss_family == AF_INET) {
    const auto* in4 = reinterpret_cast<const sockaddr_in*>(&address);
    if (in4->sin_port == 0) return refuse("port 0");
    v4 = ntohl(in4->sin_addr.s_addr);
    is_v4 = true;
  } else if (address.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&address);
    if (in6->sin6_port == 0) return refuse("port 0");
    const in6_addr& ip = in6->sin6_addr;
    if (IN6_IS_ADDR_V4MAPPED(&ip)) {
      v4 = (uint32_t{ip.s6_addr[12]} << 24) | (uint32_t{ip.s6_addr[13]} << 16) |
           (uint32_t{ip.s6_addr[14]} << 8) | ip.s6_addr[15];
      is_v4 = true;
    } else if (IN6_IS_ADDR_UNSPECIFIED(&ip)) {
      return refuse("unspecified (::)");
    } else if (IN6_IS_ADDR_MULTICAST(&ip)) {
      return refuse("multicast (ff00::/8)");
    }
  } else {
    return refuse("of an unknown family");
  }
  if (is_v4) {
    if (v4 == 0xffffffffu) return refuse("broadcast (255.255.255.255)");
    if ((v4 >> 24) == 0) return refuse("unspecified (0.0.0.0/8)");
    if ((v4 >> 28) == 0xe) return refuse("multicast (224.0.0.0/4)");
    if ((v4 >> 28) == 0xf) return refuse("reserved (240.0.0.0/4)");
  }
  return absl::OkStatus();
}

absl::Status CheckAnnouncedAddress(absl::string_view announced,
                                   absl::string_view sender) {
  absl::StatusOr<sockaddr_storage> parsed = ParseAddress(announced);
  if (!parsed.ok()) return parsed.status();
  if (absl::Status s = CheckUnicastAddress(*parsed); !s.ok()) return s;
  if (IsLoopbackAddress(*parsed)) {
    absl::StatusOr<sockaddr_storage> from = ParseAddress(sender);
    if (!from.ok() || !IsLoopbackAddress(*from)) {
      return absl::InvalidArgumentError(
          absl::StrCat("loopback address ", announced,
                       " announced from non-loopback ", sender));
    }
  }
  return absl::OkStatus();
}

}  // namespace phid
