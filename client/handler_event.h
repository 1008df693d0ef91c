// HandlerEvent: one Watch transition as an event handler sees it, in
// environment variables and as JSON (what `phictl watch --exec` passes to
// its program; see event_handler.h for the runner).
//
// Environment (every value a string; absent fields are empty):
//   PHID_EVENT           member-suspect, member-recover, member-join,
//                        member-leave, member-restart, member-remove,
//                        observer-pause (from the transition's reason)
//   PHID_PEER            the member's name
//   PHID_ADDRESS         its gossip address
//   PHID_GENERATION      its generation (grows when it restarts)
//   PHID_STATE           its state after the transition: ALIVE, SUSPECT,
//                        LEFT, REMOVED
//   PHID_PREVIOUS_STATE  its state before
//   PHID_PHI             phi at the transition
//   PHID_THRESHOLD       the subscriber's threshold the state was judged at
//   PHID_REASON          crossed_threshold, recovered, joined, left,
//                        restarted, removed, observer_paused
//   PHID_TAGS            the member's tags, k=v,k2=v2 sorted by key
//   PHID_PAUSED_SECONDS  observer-pause: how long the daemon was paused
//   PHID_SEQUENCE        the message's sequence number in its stream
//   PHID_EPOCH           the daemon's epoch (changes when it restarts)
//   PHID_TIME            the daemon's send time, RFC 3339 UTC
//   PHID_TARGET          the daemon phictl watches (--target)
// JSON: the WatchResponse on one line, exactly as `phictl watch --json`
// prints it (proto3 JSON: lowerCamel names, 64-bit integers as strings).
//
// Pure functions: thread-safe, no I/O.
#ifndef PHID_CLIENT_HANDLER_EVENT_H_
#define PHID_CLIENT_HANDLER_EVENT_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "proto/phi.pb.h"

namespace phid {

struct HandlerEvent {
  // PHID_* variables, in the order listed above.
  std::vector<std::pair<std::string, std::string>> environment;
  // One line of JSON, without a newline.
  std::string json;
  // For log lines: "node-5 ALIVE -> SUSPECT (sequence 7)".
  std::string summary;
};

// The event of a message carrying a transition; nullopt for snapshots,
// levels and idle heartbeats (handlers run for transitions only).
std::optional<HandlerEvent> HandlerEventFromMessage(
    const phi::v1::WatchResponse& message, absl::string_view target);

// CROSSED_THRESHOLD -> "member-suspect", ...; "" for UNSPECIFIED.
std::string HandlerEventName(phi::v1::TransitionReason reason);

}  // namespace phid

#endif  // PHID_CLIENT_HANDLER_EVENT_H_
