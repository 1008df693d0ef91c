// Membership's retention: members that stop without leaving turn FAILED
// after failed_after, failed and left members are kept for their retention
// and then removed (reaping, in slices), a full table evicts the member
// retired longest ago, and an operator may forget one. See membership.h.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "gossip/membership.h"

namespace phid {

MonoTime Membership::SilentSince(const Member& member, MonoTime now) const {
  // v2: never without a quorum of reports (the crossing is then infinite);
  // HasCurve spares the many members nothing is known against.
  if (!v2()) return member.detector()->last_arrival();
  if (!HasCurve(member)) return absl::InfiniteDuration();
  MonoTime silent = CurveOf(member, now).TimeAt(options_.report_level);
  if (member.extra == nullptr) return silent;
  // Nor before the latest sign of life: its return here, or the last
  // heartbeat a monitor's recovery report cites (as of its receipt). Suspect
  // reports older than those (a vouch of the other side of a healed
  // partition, a former monitor's suspicion) fail nobody at once.
  silent = std::max(silent, member.extra->returned_at);
  for (const Member::Report& r : member.extra->reports) {
    if (!r.suspect) {
      silent = std::max(silent, std::min(r.curve.last_arrival, r.received));
    }
  }
  return silent;
}

bool Membership::Reap(MonoTime now) {
  return v2() ? ReapChangeable(now) : ReapSlice(now);
}

void Membership::ReapOne(Member& member, MonoTime now,
                         std::vector<Member*>* expired) {
  if (member.status == MemberStatus::kLeft) {
    if (now - member.left_at() >= options_.left_member_retention) {
      expired->push_back(&member);
    }
  } else if (member.failed) {
    if (now - member.failed_at() >= options_.failed_member_retention) {
      expired->push_back(&member);
    }
  } else if (const MonoTime silent = SilentSince(member, now);
             now - silent >= options_.failed_after) {
    MarkFailed(member, std::min(now, silent + options_.failed_after), now);
    // A late daemon dates the failure as early as everyone else: its
    // retention may be over already.
    if (now - member.failed_at() >= options_.failed_member_retention) {
      expired->push_back(&member);
    }
  }
  if (member.extra != nullptr) {
    auto& opinions = member.extra->opinions;
    for (auto op = opinions.begin(); op != opinions.end();) {
      if (now - op->second.at > options_.opinion_ttl) {
        const_cast<Member*>(op->first)->extra->opinion_of.erase(&member);
        opinions.erase(op++);
      } else {
        ++op;
      }
    }
  }
}

bool Membership::ReapSlice(MonoTime now) {
  std::vector<Member*> expired;
  size_t examined = 0;
  auto it = members_.lower_bound(reap_cursor_);
  for (; it != members_.end() && examined < kReapSlice; ++it, ++examined) {
    if (*it != self_) ReapOne(**it, now, &expired);
  }
  // The next slice resumes at the first member not examined (by name, so
  // the removals below do not disturb it).
  const bool swept = it == members_.end();
  reap_cursor_ = swept ? std::string() : (*it)->name();
  for (Member* member : expired) Remove(*member, now);
  if (!swept) return false;
  ExpireTombstones(now);
  return true;
}

bool Membership::ReapChangeable(MonoTime now) {
  // A member without `extra` has no report, no detector here, and is
  // neither failed nor left (those keep their times in `extra`): its curve
  // is empty (silent monitors stand in only beside a measured curve,
  // IsSilentMonitor), so Reap cannot change it.
  std::vector<Member*> changeable(with_extra_.begin(), with_extra_.end());
  // By name, as a walk of members_ would: runs must not depend on where
  // members live.
  std::sort(changeable.begin(), changeable.end(), ByName());
  changeable.erase(std::unique(changeable.begin(), changeable.end()),
                   changeable.end());
  std::vector<Member*> expired;
  for (Member* member : changeable) ReapOne(*member, now, &expired);
  for (Member* member : expired) Remove(*member, now);
  ExpireTombstones(now);
  return true;
}

void Membership::ExpireTombstones(MonoTime now) {
  for (auto it = tombstones_.begin(); it != tombstones_.end();) {
    if (now - it->second.second >= options_.tombstone_ttl) {
      tombstones_.erase(it++);
    } else {
      ++it;
    }
  }
}

void Membership::Remove(Member& member, MonoTime now) {
  CHECK(&member != self_);
  tombstones_[member.name()] = {member.generation, now};
  ++counters_->removals;
  ++removals_;
  MemberRecord record = member.record();
  Unlink(member);
  Erase(&member);
  Emit(MemberEventType::kRemoved, record, now);
}

void Membership::MarkFailed(Member& member, MonoTime failed_at, MonoTime now) {
  Unplace(member);
  member.failed = true;
  ExtraOf(member).failed_at = failed_at;
  Place(member);
  UpdatePeerSlot(member);
  UpdateRetired(member);
  SetNewsLeft(member, 0);  // a failure is our judgement, not news
  // Our suspicion of it is settled: it must not be withdrawn (a recovery
  // report) when the ring moves around it.
  own_suspects_.erase(&member);
  ++counters_->failures;
  Emit(MemberEventType::kFailed, member.record(), now);
  // Its monitors that still hold it alive hear that we do not (reports.cc).
  Vouch(member, now);
}

void Membership::Revive(Member& member, MonoTime now) {
  Unplace(member);
  member.failed = false;
  ExtraOf(member).returned_at = now;
  Place(member);
  UpdatePeerSlot(member);
  UpdateRetired(member);
  for (const Member::Report& r : member.reports()) {
    if (r.monitor == self_->id && r.suspect) own_suspects_.insert(&member);
  }
  SetNews(member);
  urgent_ = true;
  Emit(MemberEventType::kReturned, member.record(), now);
}

void Membership::UpdateRetired(Member& member) {
  if (member.extra != nullptr && member.extra->retired_key) {
    retired_.erase({*member.extra->retired_key, &member});
    member.extra->retired_key.reset();
  }
  if (&member == self_) return;
  MonoTime key;
  if (member.status == MemberStatus::kLeft) {
    key = member.left_at();
  } else if (member.failed) {
    key = member.failed_at();
  } else {
    return;
  }
  ExtraOf(member).retired_key = key;
  retired_.insert({key, &member});
}

const Member* Membership::RandomFailed(std::mt19937_64& rng) const {
  std::vector<const Member*> failed;
  for (const auto& [key, member] : retired_) {
    if (member->failed && member->status == MemberStatus::kAlive) {
      failed.push_back(member);
    }
  }
  if (failed.empty()) return nullptr;
  return failed[std::uniform_int_distribution<size_t>(0,
                                                      failed.size() - 1)(rng)];
}

bool Membership::EvictOldestRetired(MonoTime now) {
  if (retired_.empty()) return false;
  Member* oldest = retired_.begin()->second;
  ++counters_->members_evicted;
  LOG_EVERY_N(WARNING, 100)
      << "membership is full (--max_members=" << options_.max_members
      << "): forgetting " << MemberStatusName(oldest->status)
      << (oldest->failed ? " (failed)" : "") << " member '" << oldest->name()
      << "' to make room (" << counters_->members_evicted << " evicted so far)";
  Remove(*oldest, now);
  return true;
}

absl::Status Membership::Forget(const std::string& name, MonoTime now) {
  Member* member = FindMutable(name);
  if (member == nullptr) {
    return absl::NotFoundError(absl::StrCat("no member named '", name, "'"));
  }
  if (member == self_) {
    return absl::FailedPreconditionError(
        absl::StrCat("'", name,
                     "' is this daemon itself; stop it instead (SIGTERM "
                     "leaves the cluster)"));
  }
  if (member->status != MemberStatus::kLeft && !member->failed) {
    return absl::FailedPreconditionError(absl::StrCat(
        "member '", name,
        "' is alive (state ALIVE or SUSPECT, not FAILED or LEFT); only a "
        "failed or left member can be forgotten"));
  }
  ++counters_->forgotten;
  LOG(INFO) << "forgetting " << (member->failed ? "failed" : "left")
            << " member '" << name << "' on request";
  Remove(*member, now);
  return absl::OkStatus();
}

}  // namespace phid
