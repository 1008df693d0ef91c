#include "client/handler_event.h"

#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "client/format.h"
#include "proto/duration.h"

namespace phid {
namespace {

std::string ReasonLabel(phi::v1::TransitionReason reason) {
  std::string name =
      absl::AsciiStrToLower(phi::v1::TransitionReason_Name(reason));
  absl::string_view label = name;
  absl::ConsumePrefix(&label, "transition_reason_");
  return std::string(label);
}

}  // namespace

std::string HandlerEventName(phi::v1::TransitionReason reason) {
  switch (reason) {
    case phi::v1::TRANSITION_REASON_CROSSED_THRESHOLD:
      return "member-suspect";
    case phi::v1::TRANSITION_REASON_RECOVERED:
      return "member-recover";
    case phi::v1::TRANSITION_REASON_JOINED:
      return "member-join";
    case phi::v1::TRANSITION_REASON_LEFT:
      return "member-leave";
    case phi::v1::TRANSITION_REASON_RESTARTED:
      return "member-restart";
    case phi::v1::TRANSITION_REASON_REMOVED:
      return "member-remove";
    case phi::v1::TRANSITION_REASON_OBSERVER_PAUSED:
      return "observer-pause";
    case phi::v1::TRANSITION_REASON_FAILED:
      return "member-fail";
    default:
      return "";
  }
}

std::optional<HandlerEvent> HandlerEventFromMessage(
    const phi::v1::WatchResponse& message, absl::string_view target) {
  if (!message.has_transition()) return std::nullopt;
  const phi::v1::Transition& transition = message.transition();
  const phi::v1::Peer& peer = transition.peer();
  // Sorted by key, as FormatPeersTable prints tags.
  const std::map<std::string, std::string> tags(peer.tags().begin(),
                                                peer.tags().end());
  std::string paused;
  if (transition.has_paused()) {
    paused = absl::StrFormat(
        "%.3f", absl::ToDoubleSeconds(FromProtoDuration(transition.paused())));
  }
  HandlerEvent event;
  event.environment = {
      {"PHID_EVENT", HandlerEventName(transition.reason())},
      {"PHID_PEER", peer.name()},
      {"PHID_ADDRESS", peer.address()},
      {"PHID_GENERATION", absl::StrCat(peer.generation())},
      {"PHID_STATE", PeerStateName(peer.state())},
      {"PHID_PREVIOUS_STATE", PeerStateName(transition.previous_state())},
      {"PHID_PHI", absl::StrFormat("%.3f", transition.phi())},
      {"PHID_THRESHOLD", absl::StrFormat("%g", peer.threshold())},
      {"PHID_REASON", ReasonLabel(transition.reason())},
      {"PHID_TAGS", absl::StrJoin(tags, ",", absl::PairFormatter("="))},
      {"PHID_PAUSED_SECONDS", paused},
      {"PHID_SEQUENCE", absl::StrCat(message.sequence())},
      {"PHID_EPOCH", absl::StrCat(message.epoch())},
      {"PHID_TIME",
       absl::FormatTime(absl::RFC3339_full,
                        absl::FromUnixMicros(message.sent_unix_micros()),
                        absl::UTCTimeZone())},
      {"PHID_TARGET", std::string(target)},
  };
  absl::StatusOr<std::string> json = ToJsonLine(message);
  event.json = json.ok() ? *std::move(json) : "{}";
  event.summary = absl::StrCat(
      peer.name(), " ", PeerStateName(transition.previous_state()), " -> ",
      PeerStateName(peer.state()), " (sequence ", message.sequence(), ")");
  return event;
}

}  // namespace phid
