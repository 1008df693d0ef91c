// GossipNode's joining: push-pulls to the seeds until a full state arrives,
// seed resolution, the joined state and its warnings, name conflicts,
// stale senders, and the admission of unknown members from unverified
// datagrams. See gossip_node.h.
#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "glog/logging.h"
#include "gossip/address.h"
#include "gossip/gossip_node.h"

namespace phid {
namespace {

namespace wire = phi::gossip::v1;

}  // namespace

void GossipNode::MaybePushPull(MonoTime now) {
  bool alone = membership_->peers().empty();
  // v2: joining lasts until a seed's full state arrived, not merely until
  // we met someone (two seeds meeting each other know only each other).
  // Both: a node left alone joins again.
  bool joining = alone || (v2() && !synced_);
  if (joining && !options_.seeds.empty()) {
    if (now < next_join_attempt_) return;
    ResolveSeeds();
    for (const std::string& seed : seed_addresses_) {
      SendFullState(seed, wire::PACKET_KIND_PUSH_PULL, now);
    }
    if (!seed_addresses_.empty()) ++counters_.push_pulls;
    VLOG(1) << "joining through " << seed_addresses_.size()
            << " seed address(es); next try in "
            << absl::FormatDuration(join_backoff_);
    next_join_attempt_ = now + join_backoff_;
    join_backoff_ = std::min(join_backoff_ * 2, options_.join_retry_max);
    return;
  }
  // v2 repairs with summaries (gossip_node_v2.cc): full state only to join.
  if (alone || v2() || now < next_push_pull_) return;
  double log2n = std::max(1.0, std::log2(membership_->size()));
  next_push_pull_ = now + JitteredPushPullInterval(log2n);
  std::vector<std::string> peer = PickPeers(1);
  if (peer.empty()) return;
  ++counters_.push_pulls;
  SendFullState(peer[0], wire::PACKET_KIND_PUSH_PULL, now);
}

void GossipNode::Prejoin(const std::vector<const Member*>& members,
                         MonoTime now) {
  membership_->Bootstrap(members, now);
  synced_ = true;
}

void GossipNode::ResolveSeeds() {
  std::vector<std::string> addresses;
  std::vector<SeedLookup> lookups;
  bool all_resolved = true;
  for (const std::string& seed : options_.seeds) {
    SeedLookup lookup;
    lookup.seed = seed;
    if (ParseAddress(seed).ok()) {
      lookup.addresses = {seed};
    } else if (resolver_ == nullptr) {
      lookup.error = "DNS names need a resolver";
    } else {
      absl::StatusOr<std::vector<std::string>> found = resolver_->Resolve(seed);
      if (found.ok()) {
        lookup.addresses = *std::move(found);
      } else {
        lookup.error = std::string(found.status().message());
      }
    }
    all_resolved = all_resolved && lookup.error.empty();
    for (const std::string& address : lookup.addresses) {
      if (address != transport_->LocalAddress() &&
          std::find(addresses.begin(), addresses.end(), address) ==
              addresses.end()) {
        addresses.push_back(address);
      }
    }
    lookups.push_back(std::move(lookup));
  }
  // Sorted: a round-robin name answers in a new order every time.
  std::sort(addresses.begin(), addresses.end());
  if (addresses != seed_addresses_ || seed_lookups_.empty()) {
    LOG(INFO) << "joining through seed addresses ["
              << absl::StrJoin(addresses, ", ") << "]"
              << (all_resolved ? "" : " (some seeds did not resolve)");
  }
  seed_addresses_ = std::move(addresses);
  seed_lookups_ = std::move(lookups);
  // Every seed resolved, to nobody but ourselves: we start the cluster.
  standalone_ = all_resolved && seed_addresses_.empty();
  if (standalone_) synced_ = true;
}

bool GossipNode::Joined() const {
  if (in_conflict_) return false;
  if (standalone_) return true;
  return !membership_->peers().empty() && (!v2() || synced_);
}

void GossipNode::CheckJoin(MonoTime now) {
  in_conflict_ = now - conflict_seen_ < kConflictMemory;
  const bool joined = Joined();
  if (joined != was_joined_) {
    if (joined && standalone_) {
      LOG(INFO) << "no seed but this daemon: ready as the first member of "
                << "cluster '" << options_.cluster << "'";
    } else if (joined) {
      LOG(INFO) << "joined cluster '" << options_.cluster
                << "': " << membership_->peers().size() << " live peer(s)";
    } else if (!in_conflict_) {
      LOG(WARNING) << "no longer joined: no live peer left; joining again "
                   << "through the seeds";
    }
    was_joined_ = joined;
  }
  if (!leaving_ && !options_.seeds.empty() &&
      join_watch_.WarningDue(joined || in_conflict_, now)) {
    if (seed_lookups_.empty()) ResolveSeeds();
    LOG(WARNING) << JoinWarning(join_watch_.UnjoinedFor(now), seed_lookups_,
                                static_cast<int>(membership_->peers().size()),
                                counters_);
  }
}

bool GossipNode::NoticeAllowed(MonoTime now) {
  if (now < next_notice_) return false;
  next_notice_ = now + kConflictNoticeEvery;
  return true;
}

void GossipNode::OnNameConflict(const std::string& other, uint64_t generation,
                                MonoTime now) {
  const uint64_t ours = membership_->self().generation;
  if (generation > ours) conflict_seen_ = now;
  if (std::optional<uint64_t> suppressed = conflict_log_.Admit(now)) {
    LOG(ERROR) << "name conflict: the daemon at "
               << (other.empty() ? "an unknown address" : other)
               << " also runs with --name '" << options_.name
               << "' (generation " << generation << ", ours " << ours << "). "
               << (generation > ours
                       ? "The cluster follows it and ignores this daemon"
                       : "The cluster follows this daemon and ignores it")
               << " until one of them stops; give each daemon a unique "
               << "--name and restart the one that is wrong (" << *suppressed
               << " similar suppressed)";
  }
  // The newer one cannot hear of us otherwise: nobody gossips our
  // generation. Tell it, with our own entry.
  if (generation > ours && !other.empty() &&
      other != transport_->LocalAddress() && NoticeAllowed(now)) {
    std::vector<const Member*> self = {membership_->Find(options_.name)};
    SendEntries(other, v2() ? wire::PACKET_KIND_NEWS : wire::PACKET_KIND_GOSSIP,
                self, now);
  }
}

void GossipNode::CheckStaleSender(const std::string& from,
                                  const wire::Packet& packet, MonoTime now) {
  const Member* known = membership_->Find(packet.sender());
  if (known == nullptr || known->status != MemberStatus::kAlive ||
      packet.sender_generation() == 0 ||
      packet.sender_generation() >= known->generation ||
      known->address() == from || !NoticeAllowed(now)) {
    return;
  }
  // A restart's old generation does not gossip on; one that does is a
  // second daemon under the name, and the cluster ignores it. Small and
  // rate limited: a forged sender gets one entry a second at most.
  VLOG(1) << "a daemon at " << from << " gossips as '" << packet.sender()
          << "' generation " << packet.sender_generation() << ", which "
          << known->address() << " took over at generation "
          << known->generation << "; telling it";
  std::vector<const Member*> one = {known};
  SendEntries(from, v2() ? wire::PACKET_KIND_NEWS : wire::PACKET_KIND_GOSSIP,
              one, now);
}

void GossipNode::AdmitUnknown(const std::string& from, MonoTime now) {
  std::vector<GossipEntry>& entries = received_entries_;
  size_t kept = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    const GossipEntry& entry = entries[i];
    if (!entry.compact && entry.record.name != options_.name &&
        membership_->Find(entry.record.name) == nullptr) {
      Admission::Verdict verdict = admission_.Admit(from, now);
      if (verdict != Admission::Verdict::kAdmit) {
        uint64_t& refused = verdict == Admission::Verdict::kSourceRate
                                ? counters_.admissions_refused_source
                                : counters_.admissions_refused_global;
        ++refused;
        LOG_EVERY_N(WARNING, 10000)
            << "refused unknown member '" << entry.record.name << "' from "
            << from << " (" << refused << " refused so far by "
            << (verdict == Admission::Verdict::kSourceRate
                    ? "--admission_rate_per_source"
                    : "--admission_rate")
            << "): a flood of new members, or forged ones; a --keyring "
               "lifts the limit";
        continue;
      }
    }
    // Swapped, not moved: the entries keep their allocations for reuse.
    if (kept != i) std::swap(entries[kept], entries[i]);
    ++kept;
  }
  entries.resize(kept);
}

void GossipNode::Solicit(const std::string& to, MonoTime now) {
  if (solicited_.size() >= 64) {
    absl::erase_if(solicited_,
                   [now](const auto& entry) { return entry.second < now; });
  }
  solicited_[to] = now + kSolicitedFor;
}

bool GossipNode::Solicited(const std::string& from, MonoTime now) const {
  auto it = solicited_.find(from);
  return it != solicited_.end() && now <= it->second;
}

}  // namespace phid
