// Membership, protocol v2: vouching for failed members (see reports.cc for
// reports, confer and quorum).
//
// Why (a partition). A FAILED member is off our ring and never
// gossiped (membership.h), yet views differ while the two sides of a
// partition fail each other: at observer O, P's monitors may be daemons
// that hold P failed already (they judged it when its monitors in their
// view were others, or their own curves of P's silent monitors made the
// quorum), so they never judge it again, and P stayed ALIVE at O forever.
// So a failed P is still vouched for, by what we know of it:
//   * a daemon that holds P failed and is one of P's monitors by position
//     (MonitorRing::MonitorsOf(P's id), off the ring as P is) keeps a
//     suspect report on P (made from its curve of P, or from now if P
//     never sent it a heartbeat) and confers it at the failure (Vouch);
//   * a peer that sends us an entry on a P we hold failed without our
//     reports on it (a monitor's re-confer, a repair of a member the
//     summaries showed we lack, news) gets our entry back, with our vouch,
//     at most every summary_interval per P (MaybeAnswer, TakeAnswers).
// Only what we hold FAILED (a quorum here already) is vouched for, so a
// member nobody suspects costs nothing, and a never-heard member still
// votes no one dead (IsSilentMonitor). A peer that hears P directly
// keeps its own report recovered, and P's heartbeat or a monitor's
// recovery report after failed_at revives it here (membership.h), so a
// vouch does not outlast a healed partition.
#include <algorithm>
#include <utility>
#include <vector>

#include "glog/logging.h"
#include "gossip/membership.h"

namespace phid {

bool Membership::MakeVouch(Member& member, MonoTime now) {
  if (!v2() || &member == self_ || !member.failed ||
      member.status != MemberStatus::kAlive) {
    return false;
  }
  const std::vector<uint64_t> monitors = ring_.MonitorsOf(member.id);
  if (std::find(monitors.begin(), monitors.end(), self_->id) ==
      monitors.end()) {
    return false;
  }
  bool suspect = false;
  for (const Member::Report& r : member.reports()) {
    if (r.monitor == self_->id) suspect = r.suspect;
  }
  if (!suspect) {
    // Our curve of it: from its last heartbeat to us, or, if it never sent
    // us one (the ring gave it to us after it fell silent), from now.
    const PhiCurve before = CurveOf(member, now);
    if (!member.has_arrival()) DetectorOf(member).Heartbeat(now);
    StoreReport(member, Member::Report{self_->id, ++report_seq_, true,
                                       DetectorOf(member).curve(), now});
    NotifyEvidence(member, before, now);
  }
  return true;
}

void Membership::Vouch(Member& member, MonoTime now) {
  if (MakeVouch(member, now)) ListConfer(member, now);
}

void Membership::MaybeAnswer(Member& member,
                             const std::vector<ReportEntry>& reports,
                             const Member* sender, MonoTime now) {
  if (!v2() || !member.failed || member.status != MemberStatus::kAlive ||
      sender == nullptr || sender == self_ || sender->failed ||
      sender->status != MemberStatus::kAlive ||
      now - ExtraOf(member).answered_at < options_.summary_interval) {
    return;
  }
  MakeVouch(member, now);
  if (KnowsOurReports(member, reports)) return;
  member.extra->answered_at = now;
  answers_.push_back({member.id, sender->id});
}

std::vector<std::pair<const Member*, const Member*>> Membership::TakeAnswers() {
  std::vector<std::pair<const Member*, const Member*>> out;
  for (const auto& [subject, to] : answers_) {
    const Member* s = FindById(subject);
    const Member* t = FindById(to);
    if (s != nullptr && t != nullptr && t != self_) out.push_back({s, t});
  }
  answers_.clear();
  return out;
}

}  // namespace phid
