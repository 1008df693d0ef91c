#include "gossip/join_watch.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace phid {

bool JoinWatch::WarningDue(bool joined, MonoTime now) {
  if (joined) {
    joined_ = true;
    warnings_ = 0;
    return false;
  }
  if (joined_) {
    joined_ = false;
    unjoined_since_ = now;
  }
  if (now - unjoined_since_ < kGrace + kRepeat * warnings_) return false;
  ++warnings_;
  return true;
}

std::string JoinWarning(absl::Duration unjoined_for,
                        const std::vector<SeedLookup>& seeds, int peers,
                        const GossipCounters& counters) {
  std::vector<std::string> tried;
  for (const SeedLookup& s : seeds) {
    if (!s.error.empty()) {
      tried.push_back(absl::StrCat(s.seed, " (", s.error, ")"));
    } else if (s.addresses.size() == 1 && s.addresses[0] == s.seed) {
      tried.push_back(s.seed);
    } else {
      tried.push_back(
          absl::StrCat(s.seed, " -> ", absl::StrJoin(s.addresses, " ")));
    }
  }
  std::string text = absl::StrCat(
      "not joined to the cluster after ",
      absl::FormatDuration(absl::Trunc(unjoined_for, absl::Seconds(1))),
      ": knows ", peers, " live peer(s); tried seeds [",
      absl::StrJoin(tried, ", "),
      "]. Likely causes: a seed is unreachable or not running; a different "
      "--cluster; a keyring mismatch (keyed vs plaintext, or another key); "
      "a firewall dropping the gossip UDP port; mixed protocol versions "
      "(--protocol or --preset, or releases).");
  std::vector<std::string> seen;
  for (DropReason reason :
       {DropReason::kWrongCluster, DropReason::kBadChecksum,
        DropReason::kUnencrypted, DropReason::kEncryptedNoKey,
        DropReason::kAuthFailed, DropReason::kBadVersion,
        DropReason::kBadEnvelope}) {
    uint64_t n = counters.drops[static_cast<size_t>(reason)];
    if (n > 0) seen.push_back(absl::StrCat(DropReasonName(reason), "=", n));
  }
  if (counters.packets_in == 0) {
    absl::StrAppend(&text,
                    " No datagram has arrived at all: the seeds are down or "
                    "unreachable, or a firewall drops the port.");
  } else if (seen.empty()) {
    absl::StrAppend(&text, " No datagram was dropped for a mismatch.");
  } else {
    absl::StrAppend(
        &text, " Dropped so far for a mismatch: ", absl::StrJoin(seen, " "),
        " (the warnings about them name the senders).");
  }
  return text;
}

}  // namespace phid
