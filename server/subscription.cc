#include "server/subscription.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace phid {
namespace {

namespace v1 = ::phi::v1;

bool Judgeable(const MemberView& view) {
  return !view.is_self && view.has_arrival &&
         view.record.status == MemberStatus::kAlive && !view.failed;
}

}  // namespace

double PhiOfView(const MemberView& view, MonoTime now) {
  // A failed member's phi is still shown: how long it has been silent.
  if (!Judgeable(view) && !(view.failed && view.has_arrival)) return 0;
  double phi = view.curve.Phi(now);
  if (!(phi >= 0)) return 0;  // NaN guard; Phi promises finite
  return std::min(phi, kMaxReportedPhi);
}

MonoTime CrossingOfView(const MemberView& view, double threshold) {
  if (!Judgeable(view)) return absl::InfiniteDuration();
  return view.curve.TimeAt(threshold);
}

Subscription::Subscription(WatchSpec spec) : spec_(std::move(spec)) {}

Subscription::Update Subscription::OnView(const MemberView& view,
                                          MonoTime now) {
  Update update;
  const std::string& name = view.record.name;
  if (!spec_.Matches(view.record)) {
    members_.erase(name);  // e.g. restarted with other tags
    return update;
  }
  auto [it, is_new] = members_.try_emplace(name);
  Judged& m = it->second;
  bool left = view.record.status == MemberStatus::kLeft;

  if (!Judgeable(view)) {
    m.crossing = absl::InfiniteDuration();
    if (left && m.state != v1::PEER_STATE_LEFT) {
      // Normally the LEFT event came first; this covers a missed one.
      if (!is_new && m.state != v1::PEER_STATE_UNSPECIFIED) {
        update.transition = MemberTransition{name, m.state, v1::PEER_STATE_LEFT,
                                             v1::TRANSITION_REASON_LEFT, 0};
      }
      m.state = v1::PEER_STATE_LEFT;
    } else if (view.failed && !left && m.state != v1::PEER_STATE_FAILED) {
      // Normally the FAILED event came first; this covers a missed one.
      if (!is_new && m.state != v1::PEER_STATE_UNSPECIFIED) {
        update.transition = MemberTransition{
            name, m.state, v1::PEER_STATE_FAILED, v1::TRANSITION_REASON_FAILED,
            PhiOfView(view, now)};
      }
      m.state = v1::PEER_STATE_FAILED;
    } else if (!left && m.state == v1::PEER_STATE_UNSPECIFIED) {
      m.state = v1::PEER_STATE_ALIVE;  // self, or not heard from yet
    }
    return update;
  }

  bool arrival = !m.has_arrival || view.last_arrival > m.last_arrival;
  m.has_arrival = true;
  m.last_arrival = view.last_arrival;
  MonoTime crossing = CrossingOfView(view, spec_.threshold);
  bool reached = now >= crossing;

  switch (m.state) {
    case v1::PEER_STATE_UNSPECIFIED:
      // First sight: judged silently (the snapshot reports it).
      m.state = reached ? v1::PEER_STATE_SUSPECT : v1::PEER_STATE_ALIVE;
      break;
    case v1::PEER_STATE_ALIVE:
      if (reached) {
        m.state = v1::PEER_STATE_SUSPECT;
        update.transition = MemberTransition{
            name, v1::PEER_STATE_ALIVE, v1::PEER_STATE_SUSPECT,
            v1::TRANSITION_REASON_CROSSED_THRESHOLD, PhiOfView(view, now)};
      }
      break;
    case v1::PEER_STATE_SUSPECT:
      if (arrival) {
        double phi = PhiOfView(view, now);
        if (phi < spec_.recovery_threshold && !reached) {
          m.state = v1::PEER_STATE_ALIVE;
          update.transition = MemberTransition{
              name, v1::PEER_STATE_SUSPECT, v1::PEER_STATE_ALIVE,
              v1::TRANSITION_REASON_RECOVERED, phi};
        }
      }
      break;
    default:
      // LEFT is final for a generation; RESTARTED resets it.
      break;
  }
  m.crossing =
      m.state == v1::PEER_STATE_ALIVE ? crossing : absl::InfiniteDuration();
  update.crossing_due = m.crossing;
  return update;
}

Subscription::Update Subscription::OnMemberEvent(const MemberEvent& event) {
  Update update;
  const std::string& name = event.record.name;
  if (event.type == MemberEventType::kObserverPaused ||
      !spec_.Matches(event.record)) {
    return update;
  }
  auto it = members_.find(name);
  v1::PeerState previous =
      it == members_.end() ? v1::PEER_STATE_UNSPECIFIED : it->second.state;
  auto transition = [&](v1::PeerState state, v1::TransitionReason reason) {
    update.transition = MemberTransition{name, previous, state, reason, 0};
  };
  switch (event.type) {
    case MemberEventType::kJoined:
    case MemberEventType::kRestarted: {
      Judged& m = members_[name];
      m = Judged();  // the next view is this generation's first arrival
      m.state = v1::PEER_STATE_ALIVE;
      if (event.type == MemberEventType::kJoined) {
        previous = v1::PEER_STATE_UNSPECIFIED;
        transition(v1::PEER_STATE_ALIVE, v1::TRANSITION_REASON_JOINED);
      } else {
        transition(v1::PEER_STATE_ALIVE, v1::TRANSITION_REASON_RESTARTED);
      }
      break;
    }
    case MemberEventType::kLeft:
      if (previous == v1::PEER_STATE_LEFT) break;
      members_[name].state = v1::PEER_STATE_LEFT;
      members_[name].crossing = absl::InfiniteDuration();
      transition(v1::PEER_STATE_LEFT, v1::TRANSITION_REASON_LEFT);
      break;
    case MemberEventType::kFailed:
      if (previous == v1::PEER_STATE_FAILED ||
          previous == v1::PEER_STATE_LEFT) {
        break;
      }
      members_[name].state = v1::PEER_STATE_FAILED;
      members_[name].crossing = absl::InfiniteDuration();
      transition(v1::PEER_STATE_FAILED, v1::TRANSITION_REASON_FAILED);
      break;
    case MemberEventType::kReturned: {
      if (previous != v1::PEER_STATE_FAILED) break;
      Judged& m = members_[name];
      m = Judged();  // the next view is judged afresh
      m.state = v1::PEER_STATE_ALIVE;
      transition(v1::PEER_STATE_ALIVE, v1::TRANSITION_REASON_RECOVERED);
      break;
    }
    case MemberEventType::kRemoved:
      if (it == members_.end()) break;
      members_.erase(it);
      transition(v1::PEER_STATE_REMOVED, v1::TRANSITION_REASON_REMOVED);
      break;
    case MemberEventType::kObserverPaused:
      break;
  }
  return update;
}

v1::PeerState Subscription::StateOf(const std::string& name) const {
  auto it = members_.find(name);
  return it == members_.end() ? v1::PEER_STATE_UNSPECIFIED : it->second.state;
}

MonoTime Subscription::CrossingDue(const std::string& name) const {
  auto it = members_.find(name);
  return it == members_.end() ? absl::InfiniteDuration() : it->second.crossing;
}

}  // namespace phid
