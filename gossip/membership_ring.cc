// Membership, protocol v2: where a member stands, on the monitor ring and in
// the members hash and bucket hashes the summaries compare. A failed member
// is on neither (membership.h); a ring change tells the listener of every
// member whose monitors it moved. See reports.cc for what is judged.
#include <algorithm>
#include <utility>
#include <vector>

#include "glog/logging.h"
#include "gossip/membership.h"

namespace phid {
namespace {

uint64_t Mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

uint64_t Membership::HashOf(const Member& member) const {
  return Mix(member.id ^
             (member.status == MemberStatus::kLeft ? 0x5bd1e995 : 0));
}

void Membership::NotifyEvidence(Member& member, const PhiCurve& before,
                                MonoTime now) {
  member.evidence_at = std::max(member.evidence_at.get(), now);
  if (listener_ != nullptr) {
    listener_->OnEvidence(member.name(), before, now);
  }
}

void Membership::RingChanged(uint64_t id) {
  if (bootstrapping_) return;  // Bootstrap queues everyone at the end
  // The members before `id` on the ring have a new monitor set, and `id`
  // itself may have gained or lost us as a monitor: their curves change
  // without any evidence arriving, so the listener must hear of them.
  for (uint64_t s : ring_.SubjectsOf(id)) {
    auto it = by_id_.find(s);
    if (it != by_id_.end() && *it != self_) reevaluate_.insert(*it);
  }
  auto it = by_id_.find(id);
  if (it != by_id_.end() && *it != self_) reevaluate_.insert(*it);
}

void Membership::FlushReevaluations(MonoTime now) {
  if (reevaluate_.empty()) return;
  std::vector<Member*> members(reevaluate_.begin(), reevaluate_.end());
  reevaluate_.clear();
  // By id, not by address: runs must not depend on where members live.
  std::sort(members.begin(), members.end(),
            [](const Member* a, const Member* b) { return a->id < b->id; });
  for (Member* m : members) {
    NotifyEvidence(*m, PhiCurve(), now);
    UpdateQuorum(*m, now, false);
  }
}

void Membership::Place(Member& member) {
  // An id held by another member (a 64-bit collision) goes to this one.
  auto held = by_id_.find(member.id);
  if (held != by_id_.end()) by_id_.erase(held);
  by_id_.insert(&member);
  // A failed member is on neither the ring nor the hash (membership.h).
  if (member.failed) return;
  if (member.status == MemberStatus::kAlive && v2()) {
    ring_.Add(member.id);
    RingChanged(member.id);
  } else if (member.status == MemberStatus::kAlive) {
    ring_.Add(member.id);
  }
  bucket_hashes_[BucketOf(member.id)] ^= HashOf(member);
  members_hash_ ^= HashOf(member);
}

void Membership::Unplace(Member& member) {
  auto it = by_id_.find(member.id);
  if (it == by_id_.end() || *it != &member) return;
  by_id_.erase(it);
  if (v2() && ring_.Contains(member.id)) RingChanged(member.id);
  reevaluate_.erase(&member);
  if (member.failed) return;  // Place left it out of the ring and the hash
  ring_.Remove(member.id);
  bucket_hashes_[BucketOf(member.id)] ^= HashOf(member);
  members_hash_ ^= HashOf(member);
}

std::vector<uint64_t> Membership::BucketHashes() const {
  return std::vector<uint64_t>(bucket_hashes_.begin(), bucket_hashes_.end());
}

const Member* Membership::FindById(uint64_t id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : *it;
}

std::vector<const Member*> Membership::MonitorsOf(const Member& subject) const {
  std::vector<const Member*> monitors;
  for (uint64_t id : ring_.MonitorsOf(subject.id)) {
    if (const Member* m = FindById(id)) monitors.push_back(m);
  }
  return monitors;
}

int Membership::QuorumFor(size_t monitors) const {
  return std::max(1, std::min(options_.quorum, static_cast<int>(monitors)));
}

}  // namespace phid
