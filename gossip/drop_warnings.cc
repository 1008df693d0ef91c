#include "gossip/drop_warnings.h"

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"

namespace phid {

DropWarnings::DropWarnings(std::string cluster, int protocol, bool keyed)
    : cluster_(std::move(cluster)), protocol_(protocol), keyed_(keyed) {
  for (auto& limiter : limiters_) {
    limiter = std::make_unique<LogLimiter>(kPeriod);
  }
}

bool DropWarnings::IsMismatch(DropReason reason) {
  switch (reason) {
    case DropReason::kBadEnvelope:
    case DropReason::kUnencrypted:
    case DropReason::kEncryptedNoKey:
    case DropReason::kAuthFailed:
    case DropReason::kBadVersion:
    case DropReason::kWrongCluster:
    case DropReason::kBadChecksum:
      return true;
    default:
      return false;
  }
}

std::string DropWarnings::Advice(DropReason reason) const {
  switch (reason) {
    case DropReason::kBadEnvelope:
      return "not a phid gossip datagram, or another release's envelope; "
             "check what sends to this port";
    case DropReason::kUnencrypted:
      return "it is plaintext and we have a --keyring: give the sender the "
             "same keyring, or remove ours";
    case DropReason::kEncryptedNoKey:
      return "it is encrypted and we have no --keyring: give this daemon "
             "the sender's keyring";
    case DropReason::kAuthFailed:
      return "no key in our --keyring opens it: the sender uses another "
             "key; every daemon needs a keyring holding the key the others "
             "encrypt with";
    case DropReason::kBadVersion:
      return absl::StrCat(
          "it speaks another gossip protocol version (ours is ", protocol_,
          "): run every daemon of a cluster with the same --protocol "
          "(or --preset) and release");
    case DropReason::kWrongCluster:
      return absl::StrCat("it belongs to another --cluster (ours is '",
                          cluster_, "'): give both the same --cluster");
    case DropReason::kBadChecksum:
      return absl::StrCat(
          "its checksum does not match: another --cluster than ours ('",
          cluster_, "') or a corrupted datagram",
          keyed_ ? "" : "; a keyring would also authenticate it");
    default:
      return std::string(DropReasonName(reason));
  }
}

bool DropWarnings::Note(DropReason reason, absl::string_view from,
                        MonoTime now) {
  if (!IsMismatch(reason)) return false;
  std::optional<uint64_t> suppressed =
      limiters_[static_cast<size_t>(reason)]->Admit(now);
  if (!suppressed.has_value()) return false;
  LOG(WARNING) << "dropped a gossip datagram from " << from << " ("
               << DropReasonName(reason) << "): " << Advice(reason) << " ("
               << *suppressed << " more dropped for this reason since the "
               << "last such warning)";
  return true;
}

}  // namespace phid
