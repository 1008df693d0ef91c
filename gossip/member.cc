#include "gossip/member.h"

#include "gossip/events.h"

namespace phid {

uint64_t MemberId(absl::string_view name, uint64_t generation) {
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a 64
  for (unsigned char c : name) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  uint64_t z = h ^ (generation + 0x9e3779b97f4a7c15ULL);  // splitmix64
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

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
    case MemberEventType::kFailed:
      return "failed";
    case MemberEventType::kReturned:
      return "returned";
  }
  return "unknown";
}

}  // namespace phid
