// Membership's verdicts for readers: other observers' opinions (v1's
// suspected_by) and the MemberView that the API, the watch fan-out and the
// simulator judge by. See membership.h.
#include <algorithm>

#include "gossip/membership.h"

namespace phid {

void Membership::RecordOpinion(Member& member, Member* observer, double phi,
                               MonoTime now) {
  // Unknown senders (not yet introduced) are no evidence either.
  if (observer == nullptr || observer == &member || observer == self_) return;
  if (phi >= options_.opinion_floor) {
    ExtraOf(member).opinions[observer] = Member::Opinion{phi, now};
    ExtraOf(*observer).opinion_of.insert(&member);
  } else if (member.extra != nullptr && !member.extra->opinions.empty() &&
             member.extra->opinions.erase(observer) > 0) {
    ExtraOf(*observer).opinion_of.erase(&member);
  }
}

void Membership::ClearOpinions(Member& member) {
  if (member.extra == nullptr) return;
  for (auto& [observer, opinion] : member.extra->opinions) {
    const_cast<Member*>(observer)->extra->opinion_of.erase(&member);
  }
  member.extra->opinions.clear();
}

int Membership::SuspectedBy(const std::string& name, double level,
                            MonoTime now) const {
  const Member* member = Find(name);
  return member == nullptr ? 0 : CountSuspectedBy(*member, level, now);
}

int Membership::CountSuspectedBy(const Member& member, double level,
                                 MonoTime now) const {
  int count = 0;
  if (member.extra == nullptr) return 0;
  for (const auto& [by, opinion] : member.extra->opinions) {
    if (opinion.phi < level || now - opinion.at > options_.opinion_ttl) {
      continue;
    }
    // Only observers we believe alive count: a dead observer's stale view
    // is no evidence.
    if (by->status != MemberStatus::kAlive || by->failed ||
        (by->detector() != nullptr && by->detector()->Phi(now) >= level)) {
      continue;
    }
    ++count;
  }
  return count;
}

MemberView Membership::View(const Member& member, MonoTime now,
                            double level) const {
  MemberView view;
  view.record = member.record();
  view.is_self = &member == self_;
  view.joined_at = member.joined_at;
  view.failed = member.failed;
  view.failed_at = member.failed_at();
  if (view.is_self) return view;
  view.curve = CurveOf(member, now);
  view.phi = view.curve.Phi(now);
  if (!v2()) {
    const PhiAccrualDetector& detector = *member.detector();
    view.has_arrival = detector.has_arrival();
    view.last_arrival = detector.last_arrival();
    view.distribution = detector.distribution();
    view.samples = detector.history().size();
    view.suspected_by = CountSuspectedBy(member, level, now);
    return view;
  }
  // v2: evidence is our own direct heartbeats (at a monitor) and reports.
  const bool monitor = IsOurSubject(member) && member.has_arrival();
  // Once anything was judged of it here, it stays judgeable: a curve that
  // lost its evidence (we stopped monitoring it) must recover watchers.
  view.has_arrival = monitor || !member.reports().empty() ||
                     member.evidence_at > -absl::InfiniteDuration();
  view.last_arrival =
      std::max(member.joined_at.get(), member.evidence_at.get());
  if (monitor) {
    view.last_arrival = std::max(
        view.last_arrival, std::min(member.detector()->last_arrival(), now));
  }
  for (const Member::Report& r : member.reports()) {
    view.last_arrival = std::max(view.last_arrival, r.received);
  }
  if (const ArrivalCurve* decisive = view.curve.Decisive(now)) {
    view.distribution = decisive->distribution;
  } else if (monitor) {
    view.distribution = member.detector()->distribution();
  }
  view.samples = monitor ? member.detector()->history().size() : 0;
  view.suspected_by = SuspectingMonitors(member, level, now);
  return view;
}

}  // namespace phid
