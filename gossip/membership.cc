#include "gossip/membership.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"

namespace phid {

Membership::Member::Member(const MemberRecord& record)
    : generation(record.generation),
      heartbeat(record.heartbeat),
      status(record.status),
      warm_started(false),
      measured(false),
      fresh(false),
      at_quorum(false),
      failed(false) {
  SetInfo(*this, record);
}

MemberRecord Membership::Member::record() const {
  MemberRecord r;
  r.name = name();
  r.address = address();
  r.generation = generation;
  r.heartbeat = heartbeat;
  r.status = status;
  r.tags = tags();
  return r;
}

const std::vector<Membership::Member::Report>& Membership::Member::reports()
    const {
  static const auto* const kNone = new std::vector<Report>();
  return extra ? extra->reports : *kNone;
}

Membership::Member::Extra& Membership::Member::MutableExtra() {
  if (extra == nullptr) extra = std::make_unique<Extra>();
  return *extra;
}

PhiAccrualDetector& Membership::Member::MutableDetector(
    const DetectorOptions& options) {
  if (detector_ == nullptr) {
    detector_ = std::make_unique<PhiAccrualDetector>(options);
  }
  return *detector_;
}

void Membership::SetInfo(Member& member, const MemberRecord& record) {
  if (member.info != nullptr && member.info->name == record.name &&
      member.info->address == record.address &&
      member.info->tags == record.tags) {
    return;
  }
  member.info = InternMemberInfo(record.name, record.address, record.tags);
}

bool Membership::ByName::operator()(const Member* a, const Member* b) const {
  return a->name() < b->name();
}
bool Membership::ByName::operator()(const Member* a,
                                    absl::string_view b) const {
  return absl::string_view(a->name()) < b;
}
bool Membership::ByName::operator()(absl::string_view a,
                                    const Member* b) const {
  return a < absl::string_view(b->name());
}

size_t Membership::NameHashEq::operator()(const Member* m) const {
  return absl::Hash<absl::string_view>()(m->name());
}
size_t Membership::NameHashEq::operator()(absl::string_view name) const {
  return absl::Hash<absl::string_view>()(name);
}
bool Membership::NameHashEq::operator()(const Member* a,
                                        const Member* b) const {
  return a->name() == b->name();
}
bool Membership::NameHashEq::operator()(const Member* a,
                                        absl::string_view b) const {
  return a->name() == b;
}

size_t Membership::IdHashEq::operator()(const Member* m) const {
  return absl::Hash<uint64_t>()(m->id);
}
size_t Membership::IdHashEq::operator()(uint64_t id) const {
  return absl::Hash<uint64_t>()(id);
}
bool Membership::IdHashEq::operator()(const Member* a, const Member* b) const {
  return a->id == b->id;
}
bool Membership::IdHashEq::operator()(const Member* a, uint64_t b) const {
  return a->id == b;
}

Membership::Membership(const GossipOptions& options, MemberRecord self,
                       MonoTime now, GossipCounters* counters,
                       MembershipListener* listener)
    : options_(options),
      counters_(counters),
      listener_(listener),
      ring_(options.monitors) {
  self_ = new Member(self);
  members_.insert(self_);
  index_.insert(self_);
  if (!v2()) self_->MutableDetector(options_.detector);
  self_->joined_at = now;
  self_->id = MemberId(self_->name(), self_->generation);
  Place(*self_);
}

Membership::~Membership() {
  for (Member* member : members_) delete member;
}

void Membership::Erase(Member* member) {
  members_.erase(member);
  delete member;
}

PhiAccrualDetector& Membership::DetectorOf(Member& member) {
  return member.MutableDetector(options_.detector);
}

void Membership::Emit(MemberEventType type, const MemberRecord& record,
                      MonoTime now) {
  if (listener_ == nullptr) return;
  MemberEvent event{type, record, now};
  listener_->OnMemberEvent(event);
}

Membership::Member& Membership::AddMember(const GossipEntry& entry,
                                          MonoTime now) {
  Member* added = new Member(entry.record);
  bool inserted = members_.insert(added).second;
  index_.insert(added);
  DCHECK(inserted);
  Member& member = *added;
  // Protocol 1 measures every member; protocol 2 only where it monitors.
  if (!v2()) DetectorOf(member);
  member.joined_at = now;
  member.id = MemberId(member.name(), member.generation);
  Place(member);
  UpdatePeerSlot(member);
  return member;
}

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
  reported_.erase(&member);
  own_suspects_.erase(&member);
  Place(member);
  UpdatePeerSlot(member);
  if (v2()) {
    member.DropDetector();
  } else {
    member.MutableDetector(options_.detector) =
        PhiAccrualDetector(options_.detector);
  }
  member.warm_started = false;
  member.measured = false;
  ClearOpinions(member);
  // left_at only means something for a member that left.
  if (member.status == MemberStatus::kLeft || member.extra != nullptr) {
    member.MutableExtra().left_at = now;
  }
  UpdateRetired(member);
  SetNews(member);
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
      Unplace(member);
      member.status = MemberStatus::kLeft;
      Place(member);
      member.MutableExtra().left_at = now;
      UpdateRetired(member);
      UpdatePeerSlot(member);
      SetNews(member);
      urgent_ = true;
      made_news = true;
      changed = true;
      ++counters_->leaves;
      Emit(MemberEventType::kLeft, member.record(), now);
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
      Unplace(member);
      member.status = MemberStatus::kLeft;
      Place(member);
      member.MutableExtra().left_at = now;
      UpdateRetired(member);
      UpdatePeerSlot(member);
      SetNews(member);
      made_news = true;
      ++counters_->leaves;
      Emit(MemberEventType::kLeft, member.record(), now);
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

void Membership::RecordOpinion(Member& member, Member* observer, double phi,
                               MonoTime now) {
  // Unknown senders (not yet introduced) are no evidence either.
  if (observer == nullptr || observer == &member || observer == self_) return;
  if (phi >= options_.opinion_floor) {
    member.MutableExtra().opinions[observer] = Member::Opinion{phi, now};
    observer->MutableExtra().opinion_of.insert(&member);
  } else if (member.extra != nullptr && !member.extra->opinions.empty() &&
             member.extra->opinions.erase(observer) > 0) {
    observer->MutableExtra().opinion_of.erase(&member);
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

void Membership::UpdatePeerSlot(Member& member) {
  bool target = &member != self_ && member.status == MemberStatus::kAlive &&
                !member.failed;
  if (target == (member.peer_slot != kNoSlot)) return;
  if (!target) {
    RemovePeerSlot(member);
    return;
  }
  member.peer_slot = static_cast<uint32_t>(peers_.size());
  peers_.push_back(&member);
}

void Membership::RemovePeerSlot(Member& member) {
  if (member.peer_slot == kNoSlot) return;
  // Swap-remove; the moved member learns its new slot.
  Member* last = const_cast<Member*>(peers_.back());
  peers_[member.peer_slot] = last;
  last->peer_slot = member.peer_slot;
  peers_.pop_back();
  member.peer_slot = kNoSlot;
}

void Membership::Unlink(Member& member) {
  SetNewsLeft(member, 0);
  if (member.extra != nullptr && member.extra->retired_key) {
    retired_.erase({*member.extra->retired_key, &member});
  }
  UnmarkFresh(member);
  RemovePeerSlot(member);
  ClearOpinions(member);
  if (member.extra != nullptr) {
    for (Member* subject : member.extra->opinion_of) {
      subject->extra->opinions.erase(&member);
    }
    member.extra->opinion_of.clear();
  }
  Unplace(member);
  reported_.erase(&member);
  own_suspects_.erase(&member);
  reevaluate_.erase(&member);
  if (member.extra != nullptr && member.extra->confer_slot != kNoSlot) {
    // Swap-remove; the moved member learns its new slot.
    const uint32_t slot = member.extra->confer_slot;
    Member* last = confers_.back();
    confers_[slot] = last;
    last->extra->confer_slot = slot;
    confers_.pop_back();
    member.extra->confer_slot = kNoSlot;
  }
  index_.erase(&member);
}

void Membership::BumpSelf() { ++self_->heartbeat; }

void Membership::MarkSelfLeft() {
  Unplace(*self_);
  self_->status = MemberStatus::kLeft;
  Place(*self_);
  UpdatePeerSlot(*self_);
  SetNews(*self_);
}

void Membership::DiscountPause(absl::Duration paused, MonoTime now) {
  for (Member* member : members_) {
    if (member == self_ || !member->has_arrival()) continue;
    PhiAccrualDetector& detector = DetectorOf(*member);
    absl::Duration shift = std::min(paused, now - detector.last_arrival());
    if (shift > absl::ZeroDuration()) detector.DiscountPause(shift);
    // Opinions gathered before the pause are as old as the pause made them.
    ClearOpinions(*member);
  }
}

const Membership::Member* Membership::Find(absl::string_view name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : *it;
}

Membership::Member* Membership::FindMutable(absl::string_view name) {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : *it;
}

void Membership::SetAddress(Member& member, const std::string& address) {
  if (member.address() == address) return;
  member.info = InternMemberInfo(member.name(), address, member.tags());
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
  view.last_arrival = std::max(member.joined_at, member.evidence_at);
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
