// Membership, protocol v2: direct heartbeats, monitor reports, the quorum
// curve and the anti-entropy hashes. See membership.h and monitor_ring.h.
//
// A monitor's report on subject P is its phi curve for P (model,
// statistics, age of P's last direct heartbeat) with a per-monitor sequence
// number. A monitor whose phi for P reaches report_level reports it
// *suspect*; the next direct heartbeat from P makes it report *recovered*.
// Reports go first to P's other monitors only (confer). Once `quorum` of
// P's current monitors report it suspect at some node, every report on P
// there becomes news for the whole cluster: pushed at once to `fanout`
// peers, then piggybacked for NewsBudget() sends, repaired by anti-entropy.
// So one monitor losing a few heartbeats on one link costs K - 1 datagrams,
// whatever N is, and only agreement costs a cluster-wide rumour. A suspect
// report that stands below quorum is renewed (a new seq) and conferred
// again every summary_interval (the first may have been lost, or have gone
// to monitors the ring has since replaced): K - 1 datagrams an interval per
// such subject, nothing while nobody is suspected. The renewals are what
// keeps it standing at the other monitors: one not renewed lapses there
// (membership_lapse.cc), so a lost recovery cannot leave it standing.
//
// Also here: our subjects' judgement (CheckSubjects), the quorum
// (UpdateQuorum, CurveOf) and the summaries' report keys. Placement on the
// ring and in the hashes is in membership_ring.cc; vouching for failed
// members in membership_vouch.cc.
//
#include <algorithm>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/types/optional.h"
#include "glog/logging.h"
#include "gossip/membership.h"

namespace phid {
namespace {

// Recoveries stay listed in summaries this long: a peer that missed the
// recovery may still hold the suspicion.
constexpr absl::Duration kRecoveryListed = absl::Minutes(1);
// How long a subject may take to hear of a new monitor (news reaches all in
// O(log N) hops; a joiner learns everyone from its push-pull reply).
constexpr absl::Duration kAssignmentGrace = absl::Seconds(2);

}  // namespace

bool Membership::IsOurSubject(const Member& member) const {
  return &member != self_ && ring_.IsMonitorOf(self_->id, member.id);
}

bool Membership::IsRingNeighbour(const Member& member) const {
  if (&member == self_) return false;
  // Most heartbeats come from our subjects (as of the last CheckSubjects):
  // no ring walk for them.
  if (std::find(subjects_.begin(), subjects_.end(), member.id) !=
      subjects_.end()) {
    return true;
  }
  return ring_.IsMonitorOf(self_->id, member.id) ||
         ring_.IsMonitorOf(member.id, self_->id);
}

bool Membership::IsSilentMonitor(uint64_t monitor) const {
  const Member* m = FindById(monitor);
  if (m == nullptr || m == self_) return false;
  // A quorum of its own monitors holds it suspect here (their reports are
  // news): it cannot vouch for its subjects, whoever monitors it.
  if (m->at_quorum) return true;
  // Only a monitor we once heard from and then lost stands in for itself: a
  // member that never sent us a heartbeat (e.g. one forged without a
  // keyring, placed on the ring by a flood) must not vote others dead.
  if (!m->has_arrival()) return false;
  for (const Member::Report& r : m->reports()) {
    if (r.monitor == self_->id && r.suspect) return true;
  }
  return false;
}

DropReason Membership::OnHeartbeat(uint64_t sender, uint32_t counter,
                                   MonoTime now, bool* returned_out) {
  if (returned_out != nullptr) *returned_out = false;
  auto it = by_id_.find(sender);
  if (it == by_id_.end() || *it == self_) {
    return DropReason::kUnknownSender;
  }
  Member& member = **it;
  if (member.status != MemberStatus::kAlive || counter <= member.heartbeat) {
    return DropReason::kStale;
  }
  const bool returned = member.failed;
  if (returned) Revive(member, now);
  if (returned_out != nullptr) *returned_out = returned;
  NotifyEvidence(member, CurveOf(member, now), now);
  DetectorOf(member).Heartbeat(now);
  member.measured = true;
  member.heartbeat = counter;
  ++counters_->arrivals;
  bool recovered = false;
  for (const Member::Report& r : member.reports()) {
    if (r.monitor == self_->id && r.suspect) {
      ReportChanged(member, false, now);
      recovered = true;
      break;
    }
  }
  // The rest of the cluster holds it failed too: our recovery report (its
  // last heartbeat newer than the failure) is what brings it back there.
  if (returned && !recovered) ReportChanged(member, false, now);
  return DropReason::kNone;
}

MonoTime Membership::CheckSubjects(MonoTime now) {
  MonoTime next = absl::InfiniteDuration();
  LapseReports(now);
  // A member the ring took from us sends us no more heartbeats, so our
  // suspicion of it would never end (and it would keep standing in as a
  // silent monitor): withdraw it.
  std::vector<Member*> withdrawn;
  for (Member* m : own_suspects_) {
    if (!IsOurSubject(*m)) withdrawn.push_back(m);
  }
  std::sort(withdrawn.begin(), withdrawn.end(),
            [](const Member* a, const Member* b) { return a->id < b->id; });
  for (Member* m : withdrawn) ReportChanged(*m, false, now);
  // A suspicion that stands below quorum is renewed to the subject's
  // monitors every summary_interval: the first confer may have been lost,
  // or gone to monitors the ring has since replaced (one that holds the
  // subject failed answers with its vouch: Vouch), and the others let an
  // unrenewed one lapse (LapseReports).
  std::vector<Member*> standing;
  for (Member* m : own_suspects_) {
    if (!m->at_quorum &&
        now - ExtraOf(*m).conferred_at >= options_.summary_interval) {
      standing.push_back(m);
    }
  }
  std::sort(standing.begin(), standing.end(),
            [](const Member* a, const Member* b) { return a->id < b->id; });
  for (Member* m : standing) RenewReport(*m, now);
  std::vector<uint64_t> subjects = ring_.SubjectsOf(self_->id);
  for (uint64_t id : subjects) {
    auto it = by_id_.find(id);
    if (it == by_id_.end()) continue;
    Member& member = **it;
    // The ring just gave it to us, and our detector of it only holds the
    // arrivals of an earlier assignment: their silence since is not its
    // (it sent to its monitors of then), and would make it suspect at once.
    if (member.has_arrival() &&
        now - member.detector()->last_arrival() > kAssignmentGrace &&
        std::find(subjects_.begin(), subjects_.end(), id) == subjects_.end()) {
      member.DropDetector();
    }
    // A new monitor starts its clock kAssignmentGrace after the assignment
    // (the subject may not know of its new monitor yet): a member that is
    // already dead is then still detected, that much later.
    if (!member.has_arrival()) {
      // The listener learns the new curve as it would an arrival's.
      NotifyEvidence(member, CurveOf(member, now), now);
      DetectorOf(member).Heartbeat(now + kAssignmentGrace);
    }
    const PhiAccrualDetector& detector = *member.detector();
    bool suspect = false;
    for (const Member::Report& r : member.reports()) {
      if (r.monitor == self_->id) suspect = r.suspect;
    }
    if (suspect) continue;
    // The crossing instant itself counts as reached (phi there may round
    // just below the level; a caller woken at it must not spin).
    absl::optional<MonoTime> at = detector.TimeAtPhi(options_.report_level);
    if (detector.Phi(now) >= options_.report_level ||
        (at.has_value() && *at <= now)) {
      ReportChanged(member, true, now);
      continue;
    }
    if (at.has_value()) next = std::min(next, *at);
  }
  subjects_ = std::move(subjects);
  return next;
}

void Membership::ReportChanged(Member& member, bool suspect, MonoTime now) {
  // Beside stand-ins our own curve counts only while we report (CurveOf).
  const PhiCurve before = CurveOf(member, now);
  // Our verdict on `member` may make it a stand-in (IsSilentMonitor) in
  // its subjects' quorums: their curves until now, for the listener.
  std::vector<std::pair<Member*, PhiCurve>> subjects;
  for (uint64_t id : ring_.SubjectsOf(member.id)) {
    auto it = by_id_.find(id);
    if (it == by_id_.end() || *it == self_) continue;
    subjects.emplace_back(*it, CurveOf(**it, now));
  }
  Member::Report report{self_->id, ++report_seq_, suspect,
                        DetectorOf(member).curve(), now};
  if (suspect) {
    own_suspects_.insert(&member);
  } else {
    own_suspects_.erase(&member);
  }
  StoreReport(member, report);
  NotifyEvidence(member, before, now);
  const bool was = member.at_quorum;
  UpdateQuorum(member, now, true);
  if (!was && !member.at_quorum) ListConfer(member, now);
  // We now hold `member` silent (or no longer): it stands in for itself in
  // the quorum of every member it monitors (IsSilentMonitor).
  for (auto& [subject, subject_before] : subjects) {
    NotifyEvidence(*subject, subject_before, now);
    UpdateQuorum(*subject, now, false);
  }
}

void Membership::ListConfer(Member& member, MonoTime now) {
  Member::Extra& extra = ExtraOf(member);
  extra.conferred_at = now;
  if (extra.confer_slot != Member::kNoSlot) return;
  extra.confer_slot = static_cast<uint32_t>(confers_.size());
  confers_.push_back(&member);
}

bool Membership::StoreReport(Member& member, const Member::Report& report) {
  std::vector<Member::Report>& reports = ExtraOf(member).reports;
  for (Member::Report& r : reports) {
    if (r.monitor != report.monitor) continue;
    if (report.seq <= r.seq) return false;
    r = report;
    return true;
  }
  if (reports.size() >= kMaxReports) {
    reports.erase(std::min_element(
        reports.begin(), reports.end(),
        [](const auto& a, const auto& b) { return a.received < b.received; }));
  }
  reports.push_back(report);
  reported_.insert(&member);
  return true;
}

void Membership::UpdateQuorum(Member& member, MonoTime now,
                              bool reports_changed) {
  const bool was = member.at_quorum;
  std::vector<uint64_t> monitors = ring_.MonitorsOf(member.id);
  int measured = 0;
  int stand_ins = 0;
  for (uint64_t m : monitors) {
    if (IsSilentMonitor(m)) {
      ++stand_ins;
      continue;
    }
    for (const Member::Report& r : member.reports()) {
      if (r.monitor == m && r.suspect) {
        ++measured;
        break;
      }
    }
  }
  const int quorum = QuorumFor(monitors.size());
  member.at_quorum = measured + std::min(stand_ins, quorum - 1) >= quorum;
  if (was && !member.at_quorum) ExtraOf(member).quorum_ended = now;
  // It stands in for itself in its subjects' quorums while at quorum
  // (IsSilentMonitor): they are judged again after this packet.
  if (was != member.at_quorum) {
    for (uint64_t s : ring_.SubjectsOf(member.id)) {
      auto it = by_id_.find(s);
      if (it != by_id_.end() && *it != self_) reevaluate_.insert(*it);
    }
  }
  if (reports_changed && (was || member.at_quorum)) {
    SetNews(member);
    urgent_ = true;
  }
}

bool Membership::MergeReports(Member& member,
                              const std::vector<ReportEntry>& reports,
                              MonoTime now) {
  if (reports.empty() || &member == self_) return false;
  PhiCurve before;
  bool computed_before = false;
  bool changed = false;
  bool alive_since_failure = false;
  for (const ReportEntry& e : reports) {
    if (e.monitor == self_->id) continue;  // ours are authoritative
    if (!computed_before) {
      before = CurveOf(member, now);
      computed_before = true;
    }
    Member::Report report{e.monitor, e.seq, e.suspect,
                          ArrivalCurve{e.model, e.distribution, now - e.age},
                          now};
    // The heartbeat our suspect report from this monitor cited, if we
    // hold one (read before StoreReport replaces it).
    absl::optional<MonoTime> suspected_after;
    for (const Member::Report& r : member.reports()) {
      if (r.monitor == e.monitor && r.suspect) {
        suspected_after = r.curve.last_arrival;
      }
    }
    if (StoreReport(member, report)) {
      changed = true;
      LeaseReport(member, report, now);
      // It is back if a monitor heard it after it failed, or if a monitor
      // whose suspicion we counted heard it again since: a heartbeat newer
      // than that suspicion's by more than an interval (the same heartbeat
      // relayed by other paths differs by delays only; a suspicion withdrawn
      // because the ring moved cites the same one). Without the second, an
      // observer that missed the recovery for longer than failed_after
      // failed the member after it had recovered, and held it failed for
      // good while everyone else had it alive: its members hash differed
      // and every summary with it sent repairs that changed nothing.
      alive_since_failure |=
          member.failed && !report.suspect &&
          (report.curve.last_arrival > member.failed_at() ||
           (suspected_after.has_value() &&
            report.curve.last_arrival >
                *suspected_after + options_.gossip_interval));
    }
  }
  if (!changed) return false;
  if (alive_since_failure) Revive(member, now);
  ++counters_->reports;
  NotifyEvidence(member, before, now);
  UpdateQuorum(member, now, true);
  return true;
}

bool Membership::KnowsOurReports(
    const Member& member, const std::vector<ReportEntry>& incoming) const {
  for (const Member::Report& r : member.reports()) {
    bool known = false;
    for (const ReportEntry& e : incoming) {
      if (e.monitor == r.monitor && e.seq >= r.seq) known = true;
    }
    if (!known) return false;
  }
  return true;
}

PhiCurve Membership::CurveOf(const Member& member, MonoTime now) const {
  if (&member == self_ || member.status != MemberStatus::kAlive) {
    return PhiCurve();
  }
  if (!v2()) {
    return member.has_arrival() ? PhiCurve(member.detector()->curve())
                                : PhiCurve();
  }
  // The monitors that measured P (our own detector, live monitors' suspect
  // reports) and the silent ones standing in for themselves
  // (IsSilentMonitor): a stand-in agrees at every instant, so H of K
  // with s stand-ins is H - s of the measured curves, and never fewer than
  // one (stand-ins alone accuse nobody: a healthy P two of whose monitors
  // crashed is still heard by the third).
  // Our own detector counts beside stand-ins only once we report it
  // suspect (from report_level on): one monitor's phi alone is not a
  // verdict below that.
  std::vector<uint64_t> monitors = ring_.MonitorsOf(member.id);
  absl::InlinedVector<ArrivalCurve, 4> curves;
  int stand_ins = 0;
  int own = -1;  // index of our own curve in `curves`
  bool own_suspect = false;
  for (uint64_t m : monitors) {
    if (curves.size() >= static_cast<size_t>(PhiCurve::kMaxCurves)) break;
    if (m == self_->id) {
      if (!member.has_arrival()) continue;
      own = static_cast<int>(curves.size());
      curves.push_back(member.detector()->curve());
      for (const Member::Report& r : member.reports()) {
        if (r.monitor == m) own_suspect = r.suspect;
      }
      continue;
    }
    if (IsSilentMonitor(m)) {
      ++stand_ins;
      continue;
    }
    for (const Member::Report& r : member.reports()) {
      if (r.monitor == m && r.suspect) {
        curves.push_back(r.curve);
        break;
      }
    }
  }
  (void)now;
  if (stand_ins > 0 && own >= 0 && !own_suspect)
    curves.erase(curves.begin() + own);
  const int quorum = QuorumFor(monitors.size());
  return PhiCurve(curves, quorum - std::min(stand_ins, quorum - 1));
}

int Membership::SuspectingMonitors(const Member& member, double level,
                                   MonoTime now) const {
  // Only what monitors measured: a silent monitor standing in for itself
  // (IsSilentMonitor) votes in the quorum but suspects nothing.
  int count = 0;
  for (uint64_t m : ring_.MonitorsOf(member.id)) {
    if (m == self_->id) {
      count += member.has_arrival() && member.detector()->Phi(now) >= level;
      continue;
    }
    for (const Member::Report& r : member.reports()) {
      count += r.monitor == m && r.suspect && r.curve.Phi(now) >= level;
    }
  }
  return count;
}

std::vector<Membership::ReportKeyValue> Membership::SummaryKeys(
    MonoTime now) const {
  std::vector<ReportKeyValue> keys;
  for (const Member* member : reported_) {
    if (member->failed) continue;  // settled: nothing left to repair
    if (!member->at_quorum && now - member->quorum_ended() >= kRecoveryListed) {
      continue;
    }
    for (const Member::Report& r : member->reports()) {
      keys.push_back({member->id, r.monitor, r.seq});
    }
  }
  std::sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) {
    return std::tie(a.subject, a.monitor) < std::tie(b.subject, b.monitor);
  });
  return keys;
}

uint64_t Membership::ReportSeq(uint64_t subject, uint64_t monitor) const {
  const Member* member = FindById(subject);
  if (member == nullptr) return 0;
  for (const Member::Report& r : member->reports()) {
    if (r.monitor == monitor) return r.seq;
  }
  return 0;
}

std::vector<const Member*> Membership::TakeConfers() {
  std::vector<const Member*> out(confers_.begin(), confers_.end());
  for (Member* m : confers_) m->extra->confer_slot = Member::kNoSlot;
  confers_.clear();
  return out;
}

bool Membership::TakeUrgent() {
  bool urgent = urgent_;
  urgent_ = false;
  return urgent;
}

}  // namespace phid
