#include "server/member_event_log.h"

#include "absl/time/time.h"
#include "glog/logging.h"

namespace phid {

void LogMemberEvent(const MemberEvent& e) {
  const MemberRecord& r = e.record;
  switch (e.type) {
    case MemberEventType::kJoined:
      LOG(INFO) << "member " << r.name << " joined at " << r.address
                << " (generation " << r.generation << ")";
      break;
    case MemberEventType::kRestarted:
      LOG(INFO) << "member " << r.name << " restarted (generation "
                << r.generation << ")";
      break;
    case MemberEventType::kLeft:
      LOG(INFO) << "member " << r.name << " left the cluster";
      break;
    case MemberEventType::kRemoved:
      LOG(INFO) << "member " << r.name << " removed ("
                << (r.status == MemberStatus::kLeft ? "left" : "failed")
                << "): retention over, forgotten, or evicted by "
                   "--max_members";
      break;
    case MemberEventType::kFailed:
      LOG(WARNING) << "member " << r.name
                   << " failed: silent for --failed_after; listed as failed "
                      "until --failed_member_retention unless it returns "
                      "(`phictl forget "
                   << r.name << "` removes it sooner)";
      break;
    case MemberEventType::kReturned:
      LOG(INFO) << "failed member " << r.name << " is back (generation "
                << r.generation << ")";
      break;
    case MemberEventType::kObserverPaused:
      LOG(WARNING) << "observer paused for " << absl::FormatDuration(e.paused)
                   << "; re-evaluating every member";
      break;
  }
}

}  // namespace phid
