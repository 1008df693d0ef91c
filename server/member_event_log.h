// LogMemberEvent: the operator's log line for a membership event (INFO for
// joins, restarts, leaves, removals and returns; WARNING for a failure or
// an observer pause), saying what to do where there is something to do.
//
// The daemon's loop calls it after releasing the PeerApi's lock: logging
// never runs under it. Thread-safe (glog).
#ifndef PHID_SERVER_MEMBER_EVENT_LOG_H_
#define PHID_SERVER_MEMBER_EVENT_LOG_H_

#include "gossip/events.h"

namespace phid {

void LogMemberEvent(const MemberEvent& event);

}  // namespace phid

#endif  // PHID_SERVER_MEMBER_EVENT_LOG_H_
