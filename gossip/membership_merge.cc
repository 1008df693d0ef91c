// Membership's merge rules: how a gossiped entry changes the table (joins,
// restarts, leaves, v1 arrivals, rumour feedback). See membership.h for the
// rules themselves.
#include "glog/logging.h"
#include "gossip/membership.h"

namespace phid {

void Membership::MaybeWarmStart(Member& member, const GossipEntry& entry) {
  if (member.measured || !entry.has_stats || entry.stats.count < 2) return;
  // Seed once from the first calibrated report; later reports would only
  // replace one observer's view with another's.
  if (member.warm_started) return;
  if (DetectorOf(member).SeedFromStats(entry.stats).ok()) {
    member.warm_started = true;
    ++counters_->warm_starts;
  }
}

void Membership::ResetForGeneration(Member& member, const GossipEntry& entry,
                                    MonoTime now) {
  Unplace(member);
  SetInfo(member, entry.record);
  member.generation = entry.record.generation;
  member.heartbeat = entry.record.heartbeat;
  member.status = entry.record.status;
  member.id = MemberId(member.name(), member.generation);
  if (member.extra != nullptr) member.extra->reports.clear();
  member.at_quorum = false;
  member.failed = false;  // a new generation starts alive
  if (member.extra != nullptr) {
    member.extra->returned_at = -absl::InfiniteDuration();
  }
  reported_.erase(&member);
  own_suspects_.erase(&member);
  Place(member);
  UpdatePeerSlot(member);
  if (v2()) {
    member.DropDetector();
  } else {
    DetectorOf(member) = PhiAccrualDetector(options_.detector);
  }
  member.warm_started = false;
  member.measured = false;
  ClearOpinions(member);
  // left_at only means something for a member that left.
  if (member.status == MemberStatus::kLeft || member.extra != nullptr) {
    ExtraOf(member).left_at = now;
  }
  UpdateRetired(member);
  SetNews(member);
}

void Membership::Bootstrap(const std::vector<const Member*>& members,
                           MonoTime now) {
  index_.reserve(index_.size() + members.size());
  peers_.reserve(peers_.size() + members.size());
  by_id_.reserve(by_id_.size() + members.size());
  // Every member added would queue itself and its K ring predecessors for
  // reevaluation (RingChanged): all of them in the end. Queue them once.
  bootstrapping_ = true;
  for (const Member* announced : members) {
    DCHECK(announced->status == MemberStatus::kAlive);
    if (announced->name() == self_->name() ||
        FindMutable(announced->name()) != nullptr) {
      continue;
    }
    Insert(new Member(*announced, true), now);
  }
  bootstrapping_ = false;
  if (v2()) {
    reevaluate_.reserve(members_.size());
    for (Member* member : members_) {
      if (member != self_) reevaluate_.insert(member);
    }
    // Now, not at our first tick: in the simulator every node is filled
    // before any ticks, and N queues of N members at once were ~9 bytes a
    // pair of peak memory for nothing.
    FlushReevaluations(now);
  }
}

bool Membership::MergeEntry(const std::string& sender, const GossipEntry& entry,
                            MonoTime now) {
  return Merge(entry, nullptr, FindMutable(sender), now);
}

int Membership::MergeEntries(const std::string& sender,
                             const std::vector<GossipEntry>& entries,
                             MonoTime now) {
  Member* sender_member = FindMutable(sender);
  // Merging is bound by cache misses on the members (at N = 1,000 the
  // simulator holds a gigabyte of them). Look every member up first and
  // prefetch it, so the misses overlap instead of queueing one by one.
  lookups_.resize(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    Member* known = FindMutable(entries[i].record.name);
    lookups_[i] = known;
    if (known == nullptr) continue;
    const char* bytes = reinterpret_cast<const char*>(known);
    for (size_t line = 0; line < sizeof(Member); line += 64) {
      __builtin_prefetch(bytes + line);
    }
    if (known->detector() != nullptr) __builtin_prefetch(known->detector());
  }
  // By now the first members have arrived: ask for the history slots the
  // arrivals among them will write.
  for (size_t i = 0; i < entries.size(); ++i) {
    const Member* known = lookups_[i];
    if (known != nullptr && known->detector() != nullptr &&
        entries[i].record.heartbeat > known->heartbeat) {
      known->detector()->history().PrefetchNextSlot();
    }
  }
  int changed = 0;
  const uint64_t removals = removals_;
  for (size_t i = 0; i < entries.size(); ++i) {
    const GossipEntry& entry = entries[i];
    if (removals_ != removals) {
      // A full table evicted someone: the pointers looked up may dangle.
      lookups_[i] = nullptr;
      sender_member = FindMutable(sender);
    }
    changed += Merge(entry, lookups_[i], sender_member, now);
    // The sender's own entry comes first and may introduce it.
    if (sender_member == nullptr && entry.record.name == sender) {
      sender_member = FindMutable(sender);
    }
  }
  return changed;
}

void Membership::MarkLeft(Member& member, MonoTime now) {
  Unplace(member);
  member.status = MemberStatus::kLeft;
  Place(member);
  ExtraOf(member).left_at = now;
  UpdateRetired(member);
  UpdatePeerSlot(member);
  SetNews(member);
  ++counters_->leaves;
  Emit(MemberEventType::kLeft, member.record(), now);
}

bool Membership::Merge(const GossipEntry& entry, Member* known, Member* sender,
                       MonoTime now) {
  const MemberRecord& incoming = entry.record;
  if (incoming.name == self_->name()) {
    if (incoming.generation > self_->generation) {
      // Another daemon runs under our name, and the cluster follows it:
      // the node logs it and tells that daemon (TakeNameConflict).
      ++counters_->name_conflicts;
      name_conflict_ = incoming;
    }
    return false;
  }
  // A null lookup may be stale: an earlier entry of the packet may have
  // added the member. Non-null ones are: nothing is erased while merging.
  if (known == nullptr) known = FindMutable(incoming.name);
  bool changed = false;
  if (entry.compact &&
      (known == nullptr || incoming.generation != known->generation)) {
    return false;  // a full entry will introduce it
  }
  if (known == nullptr) {
    // Tombstones only matter for names we do not hold: a known member's
    // generation already outranks the one its tombstone recorded.
    auto tomb = tombstones_.find(incoming.name);
    if (tomb != tombstones_.end() &&
        incoming.generation <= tomb->second.first) {
      return false;
    }
    // We never saw it alive: nothing to report, and holding it would keep
    // a departed member circulating after everyone else removed it.
    if (incoming.status == MemberStatus::kLeft) return false;
    if (size() >= options_.max_members && EvictOldestRetired(now)) {
      sender = nullptr;  // it may have been the one evicted
    }
    if (size() >= options_.max_members) {
      ++counters_->members_refused;
      LOG_EVERY_N(WARNING, 1000)
          << "membership is full (--max_members=" << options_.max_members
          << "): refused member '" << incoming.name << "' ("
          << counters_->members_refused << " refused so far)";
      return false;
    }
    Member& member = AddMember(entry, now);
    SetNews(member);
    if (!v2()) {
      MaybeWarmStart(member, entry);
      if (listener_ != nullptr) {
        listener_->OnEvidence(incoming.name, PhiCurve(), now);
      }
      DetectorOf(member).Heartbeat(now);
      MarkFresh(member);
    } else {
      urgent_ = true;
      MergeReports(member, entry.reports, now);
    }
    ++counters_->joins;
    ++counters_->arrivals;
    Emit(MemberEventType::kJoined, member.record(), now);
    RecordOpinion(member, sender, entry.phi, now);
    ++counters_->merges;
    return true;
  }

  Member& member = *known;
  bool made_news = false;  // this entry told us of a restart or a leave
  if (incoming.generation > member.generation) {
    PhiCurve before = CurveOf(member, now);
    ResetForGeneration(member, entry, now);
    if (!v2()) {
      MaybeWarmStart(member, entry);
      if (listener_ != nullptr) {
        listener_->OnEvidence(incoming.name, before, now);
      }
      DetectorOf(member).Heartbeat(now);
      MarkFresh(member);
    } else {
      urgent_ = true;
      MergeReports(member, entry.reports, now);
    }
    ++counters_->restarts;
    ++counters_->arrivals;
    Emit(MemberEventType::kRestarted, member.record(), now);
    if (incoming.status == MemberStatus::kLeft) {
      Emit(MemberEventType::kLeft, member.record(), now);
    }
    changed = true;
    made_news = true;
  } else if (incoming.generation < member.generation) {
    return false;
  } else if (v2()) {
    // Heartbeats reach monitors directly; gossip brings status and reports.
    if (!entry.compact) SetAddress(member, incoming.address);
    if (incoming.status == MemberStatus::kLeft &&
        member.status == MemberStatus::kAlive) {
      MarkLeft(member, now);
      urgent_ = true;  // v2 pushes a leave at once
      made_news = true;
      changed = true;
    }
    if (MergeReports(member, entry.reports, now)) {
      changed = true;
      made_news = true;
    }
    MaybeAnswer(member, entry.reports, sender, now);
  } else if (incoming.heartbeat > member.heartbeat) {
    if (member.failed) Revive(member, now);
    MaybeWarmStart(member, entry);
    if (listener_ != nullptr) {
      listener_->OnEvidence(incoming.name, CurveOf(member, now), now);
    }
    DetectorOf(member).Heartbeat(now);
    member.measured = true;  // a real interval now stands in the history
    MarkFresh(member);
    member.heartbeat = incoming.heartbeat;
    if (!entry.compact) SetAddress(member, incoming.address);
    ++counters_->arrivals;
    changed = true;
    if (incoming.status == MemberStatus::kLeft &&
        member.status == MemberStatus::kAlive) {
      MarkLeft(member, now);
      made_news = true;
    }
  } else {
    MaybeWarmStart(member, entry);
  }
  // Rumor mongering with feedback (Demers et al. 1987): a peer that tells
  // us this generation and status already knew our news, so we lose
  // interest: at most kSendsAfterFeedback * news_retransmit_mult more sends.
  // Without it, a cluster of N forming at once costs every node
  // N * NewsBudget() sends that crowd the heartbeats out of the packets for
  // a minute at N = 1,000.
  if (!made_news && member.news_sends_left > 0 &&
      incoming.generation == member.generation &&
      incoming.status == member.status &&
      (!v2() || KnowsOurReports(member, entry.reports))) {
    LoseInterest(member);
  }
  // Compact entries carry no phi: they say nothing of the sender's opinion.
  if (!entry.compact) RecordOpinion(member, sender, entry.phi, now);
  if (changed) ++counters_->merges;
  return changed;
}

}  // namespace phid
