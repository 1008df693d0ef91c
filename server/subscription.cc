#include "server/subscription.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace phid {
namespace {

namespace v1 = ::phi::v1;

// A google.protobuf.Duration as an absl::Duration; INVALID_ARGUMENT naming
// `field` for out-of-range or mixed-sign values.
absl::StatusOr<absl::Duration> FromProtoDuration(
    const google::protobuf::Duration& d, absl::string_view field) {
  bool mixed =
      (d.seconds() > 0 && d.nanos() < 0) || (d.seconds() < 0 && d.nanos() > 0);
  if (mixed || d.nanos() <= -1000000000 || d.nanos() >= 1000000000) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " is not a valid duration (seconds ", d.seconds(),
                     ", nanos ", d.nanos(), ")"));
  }
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

}  // namespace

bool WatchSpec::Matches(const MemberRecord& record) const {
  if (!names.empty() && names.count(record.name) == 0) return false;
  return phid::Matches(tag_selector, record.tags);
}

absl::StatusOr<double> ResolveThreshold(double requested,
                                        double default_threshold,
                                        absl::string_view field) {
  if (requested == 0) return default_threshold;
  if (!(requested > 0 && requested <= kMaxPhiThreshold)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s must be in (0, %g], got %g (0 = the daemon's "
                        "default, %g)",
                        field, kMaxPhiThreshold, requested, default_threshold));
  }
  return requested;
}

absl::StatusOr<WatchSpec> ParseWatchRequest(const v1::WatchRequest& request,
                                            double default_threshold) {
  WatchSpec spec;
  absl::StatusOr<double> threshold = ResolveThreshold(
      request.phi_threshold(), default_threshold, "phi_threshold");
  if (!threshold.ok()) return threshold.status();
  spec.threshold = *threshold;

  double recovery = request.recovery_threshold();
  if (recovery == 0) {
    spec.recovery_threshold = spec.threshold;
  } else if (!(recovery > 0 && recovery <= spec.threshold)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "recovery_threshold must be in (0, phi_threshold] = (0, %g], got %g "
        "(0 = phi_threshold itself)",
        spec.threshold, recovery));
  } else {
    spec.recovery_threshold = recovery;
  }

  for (int i = 0; i < request.names_size(); ++i) {
    const std::string& name = request.names(i);
    if (!IsValidMemberName(name)) {
      return absl::InvalidArgumentError(
          absl::StrCat("names[", i,
                       "] must be a member name (1 to 128 bytes of "
                       "[A-Za-z0-9._:-]), got '",
                       name, "'"));
    }
    spec.names.insert(name);
  }

  absl::StatusOr<Tags> selector = ParseTags(request.tag_selector());
  if (!selector.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "tag_selector must be k=v,k2=v2: ", selector.status().message()));
  }
  spec.tag_selector = *std::move(selector);

  if (request.has_level_interval()) {
    absl::StatusOr<absl::Duration> level =
        FromProtoDuration(request.level_interval(), "level_interval");
    if (!level.ok()) return level.status();
    if (*level != absl::ZeroDuration() && *level < kMinLevelInterval) {
      return absl::InvalidArgumentError(
          absl::StrCat("level_interval must be 0 (no levels) or at least ",
                       absl::FormatDuration(kMinLevelInterval), ", got ",
                       absl::FormatDuration(*level)));
    }
    spec.level_interval = *level;
  }

  if (request.has_idle_interval()) {
    absl::StatusOr<absl::Duration> idle =
        FromProtoDuration(request.idle_interval(), "idle_interval");
    if (!idle.ok()) return idle.status();
    if (*idle != absl::ZeroDuration() &&
        (*idle < kMinIdleInterval || *idle > kMaxIdleInterval)) {
      return absl::InvalidArgumentError(
          absl::StrCat("idle_interval must be 0 (default ",
                       absl::FormatDuration(kDefaultIdleInterval), ") or in [",
                       absl::FormatDuration(kMinIdleInterval), ", ",
                       absl::FormatDuration(kMaxIdleInterval), "], got ",
                       absl::FormatDuration(*idle)));
    }
    if (*idle != absl::ZeroDuration()) spec.idle_interval = *idle;
  }
  return spec;
}

namespace {

bool Judgeable(const MemberView& view) {
  return !view.is_self && view.has_arrival &&
         view.record.status == MemberStatus::kAlive;
}

}  // namespace

double PhiOfView(const MemberView& view, MonoTime now) {
  if (!Judgeable(view)) return 0;
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
