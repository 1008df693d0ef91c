// Membership, protocol v2: leases on other monitors' suspect reports.
//
// Why: a monitor's recovery report goes to P's other monitors in one
// datagram each (reports.cc: confer). If one is lost, that monitor held the
// suspicion for good, its curve rising without end. It harmed nobody alone
// (H of K), but the next time one more monitor lost a few heartbeats from P
// (minutes later, at 5 % loss), the two made a quorum there: a cluster-wide
// rumour of a single lossy link, with that monitor's curve deciding. In the
// simulator (N = 1,000, 5 % loss, 1,080 s) every false suspicion at phi 8
// came from such a stale report.
//
// The rule: a suspect report from another monitor is a lease. Its monitor
// renews it every summary_interval while the suspicion stands below quorum
// there (RenewReport: the same verdict under a new seq, to the other
// monitors). One not renewed within ReportLease() (3 summary intervals: two
// renewals in a row lost is 0.25 % at 5 % loss) lapses: it counts as a
// recovery (suspect = false, same seq, so a copy of the stale report that
// comes back by another path is not newer and changes nothing). A member at
// quorum here keeps its reports until a recovery or its failure (its
// monitors stop renewing at quorum; a dead member must still fail after
// failed_after); their leases wait until quorum ends.
//
// Cost: nothing on the wire beyond what the standing confers sent before
// (they now carry a new seq); per node a deque of leases, each 32 bytes,
// live for ReportLease(), at most kMaxLeases.
#include "glog/logging.h"
#include "gossip/membership.h"

namespace phid {

void Membership::LeaseReport(const Member& member, const Member::Report& report,
                             MonoTime now) {
  if (!report.suspect || report.monitor == self_->id) return;
  if (leases_.size() >= kMaxLeases) leases_.pop_front();
  leases_.push_back(
      Lease{now + ReportLease(), member.id, report.monitor, report.seq});
}

void Membership::RenewReport(Member& member, MonoTime now) {
  StoreReport(member, Member::Report{self_->id, ++report_seq_, true,
                                     DetectorOf(member).curve(), now});
  ListConfer(member, now);
}

void Membership::LapseReports(MonoTime now) {
  while (!leases_.empty() && leases_.front().due <= now) {
    const Lease lease = leases_.front();
    leases_.pop_front();
    auto it = by_id_.find(lease.subject);
    if (it == by_id_.end() || *it == self_) continue;
    Member& member = **it;
    if (member.failed || member.status != MemberStatus::kAlive ||
        member.extra == nullptr) {
      continue;
    }
    Member::Report* report = nullptr;
    for (Member::Report& r : member.extra->reports) {
      if (r.monitor == lease.monitor && r.seq == lease.seq && r.suspect) {
        report = &r;
      }
    }
    if (report == nullptr) continue;  // renewed, recovered or replaced
    if (member.at_quorum) {
      // Due again ReportLease() from now: later than every lease queued,
      // so the deque stays in due order.
      leases_.push_back(
          Lease{now + ReportLease(), lease.subject, lease.monitor, lease.seq});
      continue;
    }
    const PhiCurve before = CurveOf(member, now);
    report->suspect = false;
    ++counters_->reports_lapsed;
    VLOG(1) << "suspect report on " << member.name() << " by monitor "
            << lease.monitor << " (seq " << lease.seq
            << ") lapsed: not renewed in "
            << absl::FormatDuration(ReportLease());
    NotifyEvidence(member, before, now);
    UpdateQuorum(member, now, false);
  }
}

}  // namespace phid
