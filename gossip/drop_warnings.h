// DropWarnings: turns datagrams dropped for a configuration mismatch into
// warnings an operator can act on.
//
// A daemon that drops a packet because the sender runs another --cluster,
// another keyring (or none), or another protocol version cannot gossip with
// that sender, and the drop counters alone do not say who it is. So each
// such drop may log a WARNING naming the sender's address, the reason and
// what to check. Remote input must not turn into log volume: each reason
// logs at most once per kPeriod, and the line counts the drops of that
// reason suppressed since the previous one. Drops that are normal or
// hostile noise (stale or unknown-sender heartbeats, malformed or oversized
// datagrams) are only counted, never logged here.
//
// Thread safety: none; owned by a GossipNode, called under its lock.
#ifndef PHID_GOSSIP_DROP_WARNINGS_H_
#define PHID_GOSSIP_DROP_WARNINGS_H_

#include <array>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "detector/base/clock.h"
#include "gossip/log_limiter.h"
#include "gossip/packet_codec.h"

namespace phid {

class DropWarnings final {
 public:
  // Lines per reason: at most one per period.
  static constexpr absl::Duration kPeriod = absl::Seconds(10);

  // What we run, for the advice: our --cluster, protocol version and
  // whether we have a keyring.
  DropWarnings(std::string cluster, int protocol, bool keyed);
  DropWarnings(const DropWarnings&) = delete;
  DropWarnings& operator=(const DropWarnings&) = delete;

  // A datagram from `from` was dropped for `reason` at `now`. Logs a
  // warning if the reason is a mismatch and its period allows; returns
  // whether it logged.
  bool Note(DropReason reason, absl::string_view from, MonoTime now);

  // Whether `reason` means the sender is configured unlike us (and so
  // deserves a warning).
  static bool IsMismatch(DropReason reason);
  // What a drop for `reason` suggests, and what to check.
  std::string Advice(DropReason reason) const;

 private:
  const std::string cluster_;
  const int protocol_;
  const bool keyed_;
  std::array<std::unique_ptr<LogLimiter>,
             static_cast<size_t>(DropReason::kCount)>
      limiters_;
};

}  // namespace phid

#endif  // PHID_GOSSIP_DROP_WARNINGS_H_
