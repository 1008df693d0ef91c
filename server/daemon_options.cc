#include "server/daemon_options.h"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "detector/base/file_read.h"
#include "gossip/address.h"
#include "gossip/keyring.h"
#include "proto/api_limits.h"

namespace phid {
namespace {

absl::Status FlagError(absl::string_view flag, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat("--", flag, ": ", message));
}

// An error of a layer whose field names are the flag names ("fanout must be
// in [1, 16], got 0"): the flag is the field.
absl::Status FieldIsFlag(const absl::Status& status) {
  if (status.ok()) return status;
  return absl::InvalidArgumentError(absl::StrCat("--", status.message()));
}

absl::Status DurationIn(absl::string_view flag, absl::Duration value,
                        absl::Duration lo, absl::Duration hi) {
  if (value >= lo && value <= hi) return absl::OkStatus();
  return FlagError(flag, absl::StrCat("must be in [", absl::FormatDuration(lo),
                                      ", ", absl::FormatDuration(hi), "], got ",
                                      absl::FormatDuration(value)));
}

bool IsHostNameChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' ||
         c == '.' || c == '_';
}

// The UDP socket's fields one at a time, so that the error names the flag
// that set the field (UdpOptions names its own fields).
absl::Status ValidateUdp(const UdpOptions& udp) {
  absl::StatusOr<sockaddr_storage> bind = ParseAddress(udp.bind_address);
  if (!bind.ok()) return FlagError("bind", bind.status().message());
  if (!udp.advertise_address.empty()) {
    absl::StatusOr<sockaddr_storage> advertise =
        ParseAddress(udp.advertise_address);
    if (!advertise.ok()) {
      return FlagError("advertise", advertise.status().message());
    }
    if (IsUnspecifiedAddress(*advertise)) {
      return FlagError(
          "advertise",
          absl::StrCat(udp.advertise_address,
                       " is a wildcard address; give one peers can reach"));
    }
  } else if (IsUnspecifiedAddress(*bind)) {
    return FlagError("advertise",
                     absl::StrCat("required when --bind is the wildcard ",
                                  udp.bind_address));
  }
  return absl::OkStatus();
}

// The fault-injection fields by TransportFaults' own rules, one at a time,
// so that the error names the flag.
absl::Status ValidateFaults(const TransportFaults& faults) {
  TransportFaults drop_only = faults;
  drop_only.added_delay = absl::ZeroDuration();
  if (absl::Status s = drop_only.Validate(); !s.ok()) {
    return FlagError("drop_probability", s.message());
  }
  TransportFaults delay_only = faults;
  delay_only.drop_probability = 0;
  if (absl::Status s = delay_only.Validate(); !s.ok()) {
    return FlagError("added_delay", s.message());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadFile(absl::string_view flag,
                                     const std::string& path) {
  absl::StatusOr<std::string> text = ReadFileToString(path);
  if (!text.ok()) return FlagError(flag, text.status().message());
  return text;
}

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};

std::unique_ptr<BIO, BioFree> MemoryBio(const std::string& text) {
  return std::unique_ptr<BIO, BioFree>(
      BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

// What gRPC will do with the files at start-up, done here first so that a
// bad file is blamed on its flag rather than on --grpc_address.
absl::Status CheckTlsFiles(const std::string& cert_path,
                           const std::string& key_path) {
  absl::StatusOr<std::string> cert_pem = ReadFile("tls_cert", cert_path);
  if (!cert_pem.ok()) return cert_pem.status();
  absl::StatusOr<std::string> key_pem = ReadFile("tls_key", key_path);
  if (!key_pem.ok()) return key_pem.status();
  std::unique_ptr<X509, X509Free> cert(
      PEM_read_bio_X509(MemoryBio(*cert_pem).get(), nullptr, nullptr, nullptr));
  if (cert == nullptr) {
    return FlagError("tls_cert", absl::StrCat(cert_path,
                                              " holds no PEM certificate "
                                              "(-----BEGIN CERTIFICATE-----)"));
  }
  std::unique_ptr<EVP_PKEY, PkeyFree> key(PEM_read_bio_PrivateKey(
      MemoryBio(*key_pem).get(), nullptr, nullptr, nullptr));
  if (key == nullptr) {
    return FlagError("tls_key",
                     absl::StrCat(key_path,
                                  " holds no unencrypted PEM private key "
                                  "(-----BEGIN PRIVATE KEY-----)"));
  }
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    return FlagError("tls_key", absl::StrCat(key_path,
                                             " is not the key of the "
                                             "certificate in --tls_cert ",
                                             cert_path));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateListenAddress(absl::string_view flag,
                                   absl::string_view address, bool allow_unix) {
  absl::string_view path = address;
  if (absl::ConsumePrefix(&path, "unix:")) {
    if (!allow_unix) {
      return FlagError(flag, absl::StrCat("'", address,
                                          "': unix sockets are not "
                                          "supported here; give host:port"));
    }
    if (!absl::StartsWith(path, "/")) {
      return FlagError(
          flag, absl::StrCat("'", address, "': want unix:/absolute/path"));
    }
    return absl::OkStatus();
  }
  const std::string want = allow_unix
                               ? "host:port (e.g. 127.0.0.1:7070) or unix:/path"
                               : "host:port (e.g. 127.0.0.1:9470)";
  const size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos) {
    return FlagError(flag,
                     absl::StrCat("'", address, "' has no port; want ", want));
  }
  absl::string_view host = address.substr(0, colon);
  absl::string_view port_text = address.substr(colon + 1);
  int port = -1;
  if (!absl::SimpleAtoi(port_text, &port) || port < 0 || port > 65535 ||
      port_text.empty() || !absl::ascii_isdigit(port_text.front())) {
    return FlagError(
        flag, absl::StrCat("'", address, "': port '", port_text,
                           "' is not in [0, 65535] (0 = any free port)"));
  }
  bool host_ok = !host.empty();
  if (host_ok && host.front() == '[') {
    host_ok = host.size() > 2 && host.back() == ']' &&
              host.find_first_not_of("0123456789abcdefABCDEF:.", 1) ==
                  host.size() - 1;
  } else {
    for (char c : host) host_ok = host_ok && IsHostNameChar(c);
  }
  if (!host_ok) {
    return FlagError(flag, absl::StrCat("'", address, "': host '", host,
                                        "' is not a name, an IPv4 address or "
                                        "[IPv6]; want ",
                                        want));
  }
  return absl::OkStatus();
}

absl::Status DaemonOptions::Validate() const {
  // Detector first: GossipOptions reports its errors as "detector.<field>".
  if (absl::Status s = FieldIsFlag(gossip.detector.Validate()); !s.ok()) {
    return s;
  }
  if (absl::Status s = FieldIsFlag(gossip.Validate()); !s.ok()) return s;
  if (absl::Status s = ValidateUdp(udp); !s.ok()) return s;
  if (absl::Status s = ValidateFaults(faults); !s.ok()) return s;
  if (absl::Status s = ValidateListenAddress("grpc_address", grpc_address,
                                             /*allow_unix=*/true);
      !s.ok()) {
    return s;
  }
  if (!metrics_address.empty()) {
    if (absl::Status s = ValidateListenAddress(
            "metrics_address", metrics_address, /*allow_unix=*/false);
        !s.ok()) {
      return s;
    }
  }
  if (tls_cert.empty() != tls_key.empty()) {
    return FlagError(tls_cert.empty() ? "tls_cert" : "tls_key",
                     "--tls_cert and --tls_key go together: give both files "
                     "or neither");
  }
  if (!(default_threshold > 0 && default_threshold <= kMaxPhiThreshold)) {
    return FlagError("default_threshold",
                     absl::StrFormat("must be in (0, %g], got %g",
                                     kMaxPhiThreshold, default_threshold));
  }
  if (max_watchers < 1 || max_watchers > 1000000) {
    return FlagError(
        "max_watchers",
        absl::StrCat("must be in [1, 1000000], got ", max_watchers));
  }
  if (max_watchers_per_client < 1 || max_watchers_per_client > 1000000) {
    return FlagError(
        "max_watchers_per_client",
        absl::StrCat("must be in [1, 1000000], got ", max_watchers_per_client));
  }
  if (grpc_max_streams_per_connection < 1 ||
      grpc_max_streams_per_connection > 100000) {
    return FlagError("grpc_max_streams_per_connection",
                     absl::StrCat("must be in [1, 100000], got ",
                                  grpc_max_streams_per_connection));
  }
  if (grpc_memory_limit_bytes < (int64_t{16} << 20) ||
      grpc_memory_limit_bytes > (int64_t{64} << 30)) {
    return FlagError("grpc_memory_limit_mb",
                     absl::StrCat("must be in [16, 65536] MiB, got ",
                                  grpc_memory_limit_bytes >> 20));
  }
  for (const auto& [flag, value] :
       {std::make_pair("grpc_keepalive_time", grpc_keepalive_time),
        std::make_pair("grpc_keepalive_timeout", grpc_keepalive_timeout)}) {
    if (absl::Status s =
            DurationIn(flag, value, absl::Seconds(1), absl::Hours(1));
        !s.ok()) {
      return s;
    }
  }
  if (metrics_max_connections < 1 || metrics_max_connections > 1024) {
    return FlagError(
        "metrics_max_connections",
        absl::StrCat("must be in [1, 1024], got ", metrics_max_connections));
  }
  if (metrics_max_connections_per_client < 1 ||
      metrics_max_connections_per_client > metrics_max_connections) {
    return FlagError("metrics_max_connections_per_client",
                     absl::StrCat("must be in [1, --metrics_max_connections (",
                                  metrics_max_connections, ")], got ",
                                  metrics_max_connections_per_client));
  }
  if (absl::Status s =
          DurationIn("metrics_request_timeout", metrics_request_timeout,
                     absl::Milliseconds(100), absl::Minutes(1));
      !s.ok()) {
    return s;
  }
  if (metrics_max_request_bytes > (16u << 20)) {
    return FlagError("metrics_max_request_bytes",
                     absl::StrCat("must be in [0, 16777216], got ",
                                  metrics_max_request_bytes));
  }
  if (udp_receive_buffer_bytes < 0 || udp_receive_buffer_bytes > (1 << 30)) {
    return FlagError("udp_receive_buffer",
                     absl::StrCat("must be in [0, 1073741824] bytes, got ",
                                  udp_receive_buffer_bytes));
  }
  if (max_queued_messages < 16 || max_queued_messages > 10000000) {
    return FlagError(
        "max_queued_messages",
        absl::StrCat("must be in [16, 10000000], got ", max_queued_messages));
  }
  if (absl::Status s = DurationIn("write_timeout", write_timeout,
                                  absl::Milliseconds(10), absl::Hours(1));
      !s.ok()) {
    return s;
  }
  return DurationIn("shutdown_timeout", shutdown_timeout,
                    absl::Milliseconds(100), absl::Minutes(1));
}

absl::Status DaemonOptions::CheckFiles() const {
  if (!keyring.empty()) {
    absl::StatusOr<Keyring> ring = Keyring::LoadFile(keyring);
    if (!ring.ok()) return FlagError("keyring", ring.status().message());
  }
  if (!tls_cert.empty()) return CheckTlsFiles(tls_cert, tls_key);
  return absl::OkStatus();
}

}  // namespace phid
