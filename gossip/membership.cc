#include "gossip/membership.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"

namespace phid {

void Membership::SetInfo(Member& member, const MemberRecord& record) {
  if (member.info && member.info->name == record.name &&
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
  if (!v2()) DetectorOf(*self_);
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
  Member::Extra& extra = ExtraOf(member);
  if (extra.detector == nullptr) {
    extra.detector = std::make_unique<PhiAccrualDetector>(options_.detector);
  }
  return *extra.detector;
}

Member::Extra& Membership::ExtraOf(Member& member) {
  if (member.extra == nullptr) {
    member.extra = std::make_unique<Member::Extra>();
    if (&member != self_) with_extra_.insert(&member);
  }
  return *member.extra;
}

void Membership::Emit(MemberEventType type, const MemberRecord& record,
                      MonoTime now) {
  if (listener_ == nullptr) return;
  MemberEvent event{type, record, now};
  listener_->OnMemberEvent(event);
}

Member& Membership::AddMember(const GossipEntry& entry, MonoTime now) {
  return Insert(new Member(entry.record), now);
}

Member& Membership::Insert(Member* added, MonoTime now) {
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

void Membership::UpdatePeerSlot(Member& member) {
  bool target = &member != self_ && member.status == MemberStatus::kAlive &&
                !member.failed;
  if (target == (member.peer_slot != Member::kNoSlot)) return;
  if (!target) {
    RemovePeerSlot(member);
    return;
  }
  member.peer_slot = static_cast<uint32_t>(peers_.size());
  peers_.push_back(&member);
}

void Membership::RemovePeerSlot(Member& member) {
  if (member.peer_slot == Member::kNoSlot) return;
  // Swap-remove; the moved member learns its new slot.
  Member* last = const_cast<Member*>(peers_.back());
  peers_[member.peer_slot] = last;
  last->peer_slot = member.peer_slot;
  peers_.pop_back();
  member.peer_slot = Member::kNoSlot;
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
  if (member.extra != nullptr && member.extra->confer_slot != Member::kNoSlot) {
    // Swap-remove; the moved member learns its new slot.
    const uint32_t slot = member.extra->confer_slot;
    Member* last = confers_.back();
    confers_[slot] = last;
    last->extra->confer_slot = slot;
    confers_.pop_back();
    member.extra->confer_slot = Member::kNoSlot;
  }
  index_.erase(&member);
  with_extra_.erase(&member);
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

const Member* Membership::Find(absl::string_view name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : *it;
}

Member* Membership::FindMutable(absl::string_view name) {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : *it;
}

void Membership::SetAddress(Member& member, const std::string& address) {
  if (member.address() == address) return;
  member.info = InternMemberInfo(member.name(), address, member.tags());
}

}  // namespace phid
