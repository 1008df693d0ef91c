#include "server/daemon_options.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace phid {
namespace {

absl::Status DurationIn(absl::string_view field, absl::Duration value,
                        absl::Duration lo, absl::Duration hi) {
  if (value >= lo && value <= hi) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      field, " must be in [", absl::FormatDuration(lo), ", ",
      absl::FormatDuration(hi), "], got ", absl::FormatDuration(value)));
}

}  // namespace

absl::Status DaemonOptions::Validate() const {
  if (absl::Status s = gossip.Validate(); !s.ok()) return s;
  if (absl::Status s = udp.Validate(); !s.ok()) return s;
  if (grpc_address.empty()) {
    return absl::InvalidArgumentError(
        "grpc_address must be host:port, e.g. 127.0.0.1:7070");
  }
  if (tls_cert.empty() != tls_key.empty()) {
    return absl::InvalidArgumentError(
        "tls_cert and tls_key go together: give both files or neither");
  }
  if (!(default_threshold > 0 && default_threshold <= 64)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "default_threshold must be in (0, 64], got %g", default_threshold));
  }
  if (max_watchers < 1 || max_watchers > 1000000) {
    return absl::InvalidArgumentError(absl::StrCat(
        "max_watchers must be in [1, 1000000], got ", max_watchers));
  }
  if (max_queued_messages < 16 || max_queued_messages > 10000000) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_queued_messages must be in [16, 10000000], got ",
                     max_queued_messages));
  }
  if (absl::Status s = DurationIn("write_timeout", write_timeout,
                                  absl::Milliseconds(10), absl::Hours(1));
      !s.ok()) {
    return s;
  }
  return DurationIn("shutdown_timeout", shutdown_timeout,
                    absl::Milliseconds(100), absl::Minutes(1));
}

}  // namespace phid
