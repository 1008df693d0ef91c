#include "gossip/membership.h"

#include <cmath>

#include "glog/logging.h"

namespace phid {

Membership::Membership(const GossipOptions& options, MemberRecord self,
                       MonoTime now, GossipCounters* counters,
                       MembershipListener* listener)
    : options_(options), counters_(counters), listener_(listener) {
  std::string name = self.name;
  Member member{std::move(self),
                PhiAccrualDetector(options.detector),
                {},
                {},
                0,
                false,
                false,
                false,
                {}};
  auto [it, inserted] = members_.emplace(name, std::move(member));
  index_[name] = &it->second;
  CHECK(inserted);
  self_ = &it->second;
  self_->joined_at = now;
}

int Membership::NewsBudget() const {
  int n = size();
  int log2n = static_cast<int>(std::ceil(std::log2(n + 1.0)));
  return options_.news_retransmit_mult * std::max(1, log2n);
}

void Membership::Emit(MemberEventType type, const MemberRecord& record,
                      MonoTime now) {
  if (listener_ == nullptr) return;
  MemberEvent event{type, record, now};
  listener_->OnMemberEvent(event);
}

Membership::Member& Membership::AddMember(const GossipEntry& entry,
                                          MonoTime now) {
  Member fresh{entry.record,
               PhiAccrualDetector(options_.detector),
               {},
               {},
               0,
               false,
               false,
               false,
               {}};
  auto [it, inserted] = members_.emplace(entry.record.name, std::move(fresh));
  index_[entry.record.name] = &it->second;
  DCHECK(inserted);
  Member& member = it->second;
  member.joined_at = now;
  return member;
}

void Membership::MaybeWarmStart(Member& member, const GossipEntry& entry) {
  if (member.measured || !entry.has_stats || entry.stats.count < 2) return;
  // Seed once from the first calibrated report; later reports would only
  // replace one observer's view with another's.
  if (member.warm_started) return;
  if (member.detector.SeedFromStats(entry.stats).ok()) {
    member.warm_started = true;
    ++counters_->warm_starts;
  }
}

void Membership::ResetForGeneration(Member& member, const GossipEntry& entry,
                                    MonoTime now) {
  member.record = entry.record;
  member.detector = PhiAccrualDetector(options_.detector);
  member.warm_started = false;
  member.measured = false;
  member.opinions.clear();
  member.left_at = now;
  SetNews(member);
}

bool Membership::MergeEntry(const std::string& sender, const GossipEntry& entry,
                            MonoTime now) {
  const MemberRecord& incoming = entry.record;
  if (incoming.name == self_->record.name) {
    if (incoming.generation > self_->record.generation) {
      ++counters_->name_conflicts;
      LOG_EVERY_N(WARNING, 100)
          << "another member gossips our name '" << incoming.name
          << "' with a newer generation " << incoming.generation << " (ours "
          << self_->record.generation
          << "): two daemons share a name; give each a unique --name";
    }
    return false;
  }
  auto tomb = tombstones_.find(incoming.name);
  if (tomb != tombstones_.end() && incoming.generation <= tomb->second.first) {
    return false;
  }

  Member* known = FindMutable(incoming.name);
  bool changed = false;
  if (entry.compact &&
      (known == nullptr || incoming.generation != known->record.generation)) {
    return false;  // a full entry will introduce it
  }
  if (known == nullptr) {
    Member& member = AddMember(entry, now);
    SetNews(member);
    MaybeWarmStart(member, entry);
    if (listener_ != nullptr) {
      listener_->OnArrival(incoming.name, member.detector, now);
    }
    member.detector.Heartbeat(now);
    MarkFresh(member);
    if (incoming.status == MemberStatus::kLeft) member.left_at = now;
    ++counters_->joins;
    ++counters_->arrivals;
    Emit(MemberEventType::kJoined, member.record, now);
    if (incoming.status == MemberStatus::kLeft) {
      Emit(MemberEventType::kLeft, member.record, now);
    }
    RecordOpinion(member, sender, entry.phi, now);
    ++counters_->merges;
    return true;
  }

  Member& member = *known;
  if (incoming.generation > member.record.generation) {
    ResetForGeneration(member, entry, now);
    MaybeWarmStart(member, entry);
    if (listener_ != nullptr) {
      listener_->OnArrival(incoming.name, member.detector, now);
    }
    member.detector.Heartbeat(now);
    MarkFresh(member);
    ++counters_->restarts;
    ++counters_->arrivals;
    Emit(MemberEventType::kRestarted, member.record, now);
    if (incoming.status == MemberStatus::kLeft) {
      Emit(MemberEventType::kLeft, member.record, now);
    }
    changed = true;
  } else if (incoming.generation < member.record.generation) {
    return false;
  } else if (incoming.heartbeat > member.record.heartbeat) {
    MaybeWarmStart(member, entry);
    if (listener_ != nullptr) {
      listener_->OnArrival(incoming.name, member.detector, now);
    }
    member.detector.Heartbeat(now);
    member.measured = true;  // a real interval now stands in the history
    MarkFresh(member);
    member.record.heartbeat = incoming.heartbeat;
    if (!entry.compact) member.record.address = incoming.address;
    ++counters_->arrivals;
    changed = true;
    if (incoming.status == MemberStatus::kLeft &&
        member.record.status == MemberStatus::kAlive) {
      member.record.status = MemberStatus::kLeft;
      member.left_at = now;
      SetNews(member);
      ++counters_->leaves;
      Emit(MemberEventType::kLeft, member.record, now);
    }
  } else {
    MaybeWarmStart(member, entry);
  }
  if (sender != incoming.name) RecordOpinion(member, sender, entry.phi, now);
  if (changed) ++counters_->merges;
  return changed;
}

void Membership::RecordOpinion(Member& member, const std::string& observer,
                               double phi, MonoTime now) {
  if (observer == member.record.name || observer == self_->record.name) return;
  if (phi >= options_.opinion_floor) {
    member.opinions[observer] = Member::Opinion{phi, now};
  } else if (!member.opinions.empty()) {
    member.opinions.erase(observer);
  }
}

int Membership::SuspectedBy(const std::string& name, double level,
                            MonoTime now) const {
  const Member* member = Find(name);
  if (member == nullptr) return 0;
  int count = 0;
  for (const auto& [observer, opinion] : member->opinions) {
    if (opinion.phi < level || now - opinion.at > options_.opinion_ttl) {
      continue;
    }
    const Member* by = Find(observer);
    // Only observers we believe alive count: a dead observer's stale view
    // is no evidence.
    if (by == nullptr || by->record.status != MemberStatus::kAlive ||
        by->detector.Phi(now) >= level) {
      continue;
    }
    ++count;
  }
  return count;
}

void Membership::MarkFresh(Member& member) {
  if (member.fresh) return;
  member.fresh = true;
  fresh_.push_back(member.record.name);
  // Bounded: under a flood of news the oldest is left to the round-robin.
  constexpr size_t kMaxFresh = 1024;
  while (fresh_.size() > kMaxFresh) {
    if (Member* oldest = FindMutable(fresh_.front())) oldest->fresh = false;
    fresh_.pop_front();
  }
}

std::vector<std::string> Membership::TakeFresh(size_t max) {
  std::vector<std::string> taken;
  while (!fresh_.empty() && taken.size() < max) {
    std::string name = std::move(fresh_.back());
    fresh_.pop_back();
    Member* member = FindMutable(name);
    if (member == nullptr || !member->fresh) continue;
    member->fresh = false;
    taken.push_back(std::move(name));
  }
  return taken;
}

void Membership::BumpSelf() { ++self_->record.heartbeat; }

void Membership::MarkSelfLeft() {
  self_->record.status = MemberStatus::kLeft;
  SetNews(*self_);
  ++version_;
}

void Membership::SetNews(Member& member) {
  news_.erase({-member.news_sends_left, member.record.name});
  member.news_sends_left = NewsBudget();
  news_.insert({-member.news_sends_left, member.record.name});
  ++version_;
}

void Membership::Reap(MonoTime now) {
  for (auto it = members_.begin(); it != members_.end();) {
    Member& member = it->second;
    if (&member == self_) {
      ++it;
      continue;
    }
    bool left_long = member.record.status == MemberStatus::kLeft &&
                     now - member.left_at >= options_.left_reap_after;
    bool dead_long =
        member.record.status == MemberStatus::kAlive &&
        now - member.detector.last_arrival() >= options_.dead_reap_after;
    if (left_long || dead_long) {
      tombstones_[member.record.name] = {member.record.generation, now};
      ++counters_->removals;
      MemberRecord record = member.record;
      news_.erase({-member.news_sends_left, member.record.name});
      ++version_;
      index_.erase(record.name);
      it = members_.erase(it);
      Emit(MemberEventType::kRemoved, record, now);
      continue;
    }
    for (auto op = member.opinions.begin(); op != member.opinions.end();) {
      if (now - op->second.at > options_.opinion_ttl) {
        op = member.opinions.erase(op);
      } else {
        ++op;
      }
    }
    ++it;
  }
  for (auto it = tombstones_.begin(); it != tombstones_.end();) {
    if (now - it->second.second >= options_.tombstone_ttl) {
      tombstones_.erase(it++);
    } else {
      ++it;
    }
  }
}

void Membership::DiscountPause(absl::Duration paused, MonoTime now) {
  for (auto& [name, member] : members_) {
    if (&member == self_ || !member.detector.has_arrival()) continue;
    absl::Duration shift =
        std::min(paused, now - member.detector.last_arrival());
    if (shift > absl::ZeroDuration()) member.detector.DiscountPause(shift);
    // Opinions gathered before the pause are as old as the pause made them.
    member.opinions.clear();
  }
}

const Membership::Member* Membership::Find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : it->second;
}

Membership::Member* Membership::FindMutable(const std::string& name) {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : it->second;
}

std::vector<const Membership::Member*> Membership::NewsToSend(
    size_t max) const {
  std::vector<const Member*> news;
  for (const auto& [negative_left, name] : news_) {
    if (news.size() == max) break;
    news.push_back(Find(name));
  }
  return news;
}

void Membership::NewsSent(const std::string& name) {
  Member* member = FindMutable(name);
  if (member == nullptr || member->news_sends_left == 0) return;
  int& left = member->news_sends_left;
  news_.erase({-left, name});
  if (--left > 0) news_.insert({-left, name});
}

MemberView Membership::View(const Member& member, MonoTime now,
                            double level) const {
  MemberView view;
  view.record = member.record;
  view.is_self = &member == self_;
  view.joined_at = member.joined_at;
  if (!view.is_self) {
    view.has_arrival = member.detector.has_arrival();
    view.last_arrival = member.detector.last_arrival();
    view.phi = member.record.status == MemberStatus::kLeft
                   ? 0
                   : member.detector.Phi(now);
    view.distribution = member.detector.distribution();
    view.samples = member.detector.history().size();
    view.suspected_by = SuspectedBy(member.record.name, level, now);
  }
  return view;
}

}  // namespace phid
