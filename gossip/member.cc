#include "gossip/member.h"

#include "gossip/events.h"

namespace phid {

absl::string_view MemberStatusName(MemberStatus status) {
  switch (status) {
    case MemberStatus::kAlive:
      return "alive";
    case MemberStatus::kLeft:
      return "left";
  }
  return "unknown";
}

absl::string_view MemberEventTypeName(MemberEventType type) {
  switch (type) {
    case MemberEventType::kJoined:
      return "joined";
    case MemberEventType::kRestarted:
      return "restarted";
    case MemberEventType::kLeft:
      return "left";
    case MemberEventType::kRemoved:
      return "removed";
    case MemberEventType::kObserverPaused:
      return "observer_paused";
  }
  return "unknown";
}

}  // namespace phid
