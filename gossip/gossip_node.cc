#include "gossip/gossip_node.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "gossip/address.h"

namespace phid {
namespace {

namespace wire = phi::gossip::v1;

// Fresh heartbeats taken per round (compact entries, ~25 bytes each).
constexpr size_t kFreshPerRound = 40;

}  // namespace

absl::StatusOr<std::unique_ptr<GossipNode>> GossipNode::Create(
    const GossipOptions& options, Transport* transport, const Keyring* keyring,
    MembershipListener* listener, MonoTime now, uint64_t seed) {
  absl::Status status = options.Validate();
  if (!status.ok()) return status;
  if (transport == nullptr) {
    return absl::InvalidArgumentError("transport must not be null");
  }
  return std::unique_ptr<GossipNode>(
      new GossipNode(options, transport, keyring, listener, now, seed));
}

GossipNode::GossipNode(const GossipOptions& options, Transport* transport,
                       const Keyring* keyring, MembershipListener* listener,
                       MonoTime now, uint64_t seed)
    : options_(options),
      transport_(transport),
      listener_(listener),
      codec_(options.cluster, keyring, options.protocol),
      keyed_(keyring != nullptr),
      admission_(options.admission_rate, options.admission_rate_per_source,
                 now),
      rng_(seed),
      last_awake_(now),
      next_round_(now),
      next_join_attempt_(now),
      join_backoff_(options.join_retry_initial),
      reply_window_start_(now) {
  next_push_pull_ = now + JitteredPushPullInterval(1);
  next_summary_ = now + options_.summary_interval;
  synced_ = std::all_of(
      options_.seeds.begin(), options_.seeds.end(),
      [&](const std::string& s) { return s == transport_->LocalAddress(); });
  for (int i = 0; i < 4; ++i) {
    uint64_t word = rng_();
    cookie_secret_.append(reinterpret_cast<const char*>(&word), sizeof word);
  }
  if (options_.generation == 0) {
    options_.generation =
        static_cast<uint64_t>(absl::ToUnixMicros(absl::Now()));
  }
  MemberRecord self;
  self.name = options_.name;
  self.address = transport_->LocalAddress();
  self.generation = options_.generation;
  self.heartbeat = 0;
  self.tags = options_.tags;
  membership_ = std::make_unique<Membership>(options_, std::move(self), now,
                                             &counters_, listener_);
}

void GossipNode::Tick(MonoTime now) {
  CheckPause(now);
  if (now < next_round_) {
    if (v2() && !(leaving_ && now >= leave_done_at_)) TickV2(now, false);
    return;
  }
  // Keep the schedule on a fixed grid; after a long stall, restart it.
  next_round_ += options_.gossip_interval;
  if (next_round_ <= now) next_round_ = now + options_.gossip_interval;

  if (leaving_ && now >= leave_done_at_) return;  // gone quiet
  if (v2()) {
    TickV2(now, true);
    MaybeReap(now);
    return;
  }
  membership_->BumpSelf();
  GossipRound(now);
  MaybePushPull(now);
  MaybeReap(now);
}

void GossipNode::MaybeReap(MonoTime now) {
  // Reaping scans every member (a cache miss each: at N = 1,000 it cost
  // as much as merging), so a sweep starts at a tenth of the shortest reap
  // limit, between 1 and 5 s: members go within 10 % of their limit (or
  // within N / Membership::kReapSlice rounds, if longer: a sweep goes on
  // one slice a round).
  if (!reaping_) {
    if (now < next_reap_) return;
    absl::Duration every =
        std::min(options_.dead_reap_after, options_.left_reap_after) / 10;
    next_reap_ = now + std::clamp(every, absl::Seconds(1), absl::Seconds(5));
  }
  reaping_ = !membership_->Reap(now);
}

void GossipNode::CheckPause(MonoTime now) {
  // A healthy owner ticks at least every gossip_interval; any silence beyond
  // that plus pause_limit was time we could not observe. Packets count as
  // signs of life too, and the first packet after a pause (the kernel
  // buffered it) must not be judged before the pause is discounted.
  absl::Duration late = now - last_awake_ - options_.gossip_interval;
  if (now > last_awake_) last_awake_ = now;
  if (late <= options_.pause_limit) return;
  ++counters_.pauses;
  LOG(WARNING) << "this daemon was paused or starved for about "
               << absl::FormatDuration(late)
               << "; discounting that silence for every peer";
  membership_->DiscountPause(late, now);
  if (listener_ != nullptr) {
    MemberEvent event{MemberEventType::kObserverPaused, membership_->self(),
                      now, late};
    listener_->OnMemberEvent(event);
  }
}

std::vector<std::string> GossipNode::PickPeers(int count) {
  const std::vector<const Membership::Member*>& peers = membership_->peers();
  std::vector<std::string> picked;
  size_t n = peers.size();
  if (n <= static_cast<size_t>(count)) {
    for (const Membership::Member* peer : peers) {
      picked.push_back(peer->record.address);
    }
    return picked;
  }
  // Floyd's algorithm: `count` distinct indices, uniformly.
  std::vector<size_t> chosen;
  for (size_t j = n - count; j < n; ++j) {
    std::uniform_int_distribution<size_t> pick(0, j);
    size_t t = pick(rng_);
    if (std::find(chosen.begin(), chosen.end(), t) != chosen.end()) t = j;
    chosen.push_back(t);
  }
  for (size_t index : chosen) picked.push_back(peers[index]->record.address);
  return picked;
}

void GossipNode::GossipRound(MonoTime now) {
  size_t budget = kMaxDatagramBytes - codec_.Overhead() - kHeaderReserve;
  // Fresh heartbeats fill part of each packet; the rest stays for the news
  // and the round-robin that keeps statistics and opinions flowing.
  digest_.BeginRound(*membership_, kFreshPerRound);
  for (const std::string& peer : PickPeers(options_.fanout)) {
    wire::Packet& packet = sending_;  // reused: keeps its allocations
    packet.Clear();
    packet.set_kind(wire::PACKET_KIND_GOSSIP);
    digest_.Fill(*membership_, now, budget, &packet);
    SendPacket(peer, &packet);
  }
}

void GossipNode::MaybePushPull(MonoTime now) {
  bool alone = membership_->size() <= 1;
  // v2: joining lasts until a seed's full state arrived, not merely until
  // we met someone (two seeds meeting each other know only each other).
  bool joining = v2() ? !synced_ : alone;
  if (joining && !options_.seeds.empty()) {
    if (now < next_join_attempt_) return;
    for (const std::string& seed : options_.seeds) {
      if (seed == transport_->LocalAddress()) continue;
      SendFullState(seed, wire::PACKET_KIND_PUSH_PULL, now);
    }
    ++counters_.push_pulls;
    VLOG(1) << "joining through " << options_.seeds.size()
            << " seed(s); next try in " << absl::FormatDuration(join_backoff_);
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

absl::Duration GossipNode::JitteredPushPullInterval(double scale) {
  // Uniform in [0.5, 1.5) x the interval: daemons started together (a
  // rollout, a simulation) would otherwise swap full state all at once.
  // At N = 1,000 that herd cost about ten seconds' worth of gossip CPU in
  // one second.
  std::uniform_int_distribution<int> permille(500, 1499);
  return options_.push_pull_interval * scale * (permille(rng_) / 1000.0);
}

void GossipNode::SendFullState(const std::string& to, wire::PacketKind kind,
                               MonoTime now, const std::string& cookie) {
  if (kind == wire::PACKET_KIND_PUSH_PULL) Solicit(to, now);
  std::vector<const Membership::Member*> all;
  all.reserve(membership_->size());
  for (const auto& [name, member] : membership_->members()) {
    all.push_back(&member);
  }
  SendEntries(to, kind, all, now, cookie);
}

void GossipNode::SendEntries(
    const std::string& to, wire::PacketKind kind,
    const std::vector<const Membership::Member*>& members, MonoTime now,
    const std::string& cookie) {
  size_t budget = kMaxDatagramBytes - codec_.Overhead() - kHeaderReserve;
  // Split the members across as many packets as needed.
  std::vector<wire::Packet> packets;
  wire::Packet current;
  size_t used = 0;
  for (const Membership::Member* member : members) {
    wire::DigestEntry entry;
    ToWire(*member, member->record.name == options_.name, now, &entry,
           /*compact=*/false, v2());
    size_t size = entry.ByteSizeLong() + 3;
    if (used + size > budget && current.entries_size() > 0) {
      packets.push_back(std::move(current));
      current = wire::Packet();
      used = 0;
    }
    used += size;
    *current.add_entries() = std::move(entry);
  }
  packets.push_back(std::move(current));
  for (size_t i = 0; i < packets.size(); ++i) {
    packets[i].set_kind(kind);
    packets[i].set_part(static_cast<uint32_t>(i));
    packets[i].set_parts(static_cast<uint32_t>(packets.size()));
    if (!cookie.empty()) packets[i].set_cookie(cookie);
    SendPacket(to, &packets[i]);
  }
}

void GossipNode::SendPacket(const std::string& to, wire::Packet* packet) {
  packet->set_sender(options_.name);
  packet->set_sender_generation(membership_->self().generation);
  absl::StatusOr<std::string> bytes = codec_.EncodeInPlace(packet);
  if (!bytes.ok()) {
    LOG_EVERY_N(ERROR, 100)
        << "not sending a packet to " << to << ": " << bytes.status();
    return;
  }
  ++counters_.packets_out;
  counters_.bytes_out += bytes->size();
  transport_->Send(to, *bytes);
}

bool GossipNode::ValidateReceived(const std::string& from) {
  const wire::Packet& packet = received_;
  if (packet.sender() == options_.name) {
    // Our own name from elsewhere: a misconfigured twin, or a loop.
    Drop(DropReason::kInvalidContent);
    return false;
  }
  // Validate everything first: an invalid packet changes nothing.
  std::string error;
  std::vector<GossipEntry>& entries = received_entries_;
  entries.resize(packet.entries_size());
  for (int i = 0; i < packet.entries_size(); ++i) {
    if (!FromWire(packet.entries(i), &entries[i], &error)) {
      Drop(DropReason::kInvalidContent);
      VLOG(2) << "dropped a packet from " << from << ": " << error;
      return false;
    }
    if (entries[i].compact) continue;
    if (absl::Status s = CheckAnnouncedAddress(entries[i].record.address, from);
        !s.ok()) {
      Drop(DropReason::kBadAddress);
      VLOG(2) << "dropped a packet from " << from << ": " << s.message();
      return false;
    }
  }
  return true;
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

void GossipNode::Drop(DropReason reason) {
  ++counters_.drops[static_cast<size_t>(reason)];
}

void GossipNode::OnPacket(const std::string& from, absl::string_view payload,
                          MonoTime now) {
  CheckPause(now);
  ++counters_.packets_in;
  counters_.bytes_in += payload.size();
  if (leaving_ && now >= leave_done_at_) return;
  if (v2()) {
    OnPacketV2(from, payload, now);
    return;
  }
  // Parsing into the same Packet and entries every time reuses their
  // allocations: at 30 packets a second per peer this is the hot path.
  std::string error;
  DropReason drop = codec_.DecodeInto(payload, &received_, &error);
  if (drop != DropReason::kNone) {
    Drop(drop);
    VLOG(2) << "dropped a datagram from " << from << ": "
            << DropReasonName(drop) << " " << error;
    return;
  }
  const wire::Packet& packet = received_;
  if (!ValidateReceived(from)) return;
  if (!keyed_ && !(packet.kind() == wire::PACKET_KIND_PUSH_PULL_REPLY &&
                   Solicited(from, now))) {
    AdmitUnknown(from, now);
  }
  membership_->MergeEntries(packet.sender(), received_entries_, now);
  if (packet.kind() == wire::PACKET_KIND_PUSH_PULL && packet.part() == 0) {
    if (ReplyAllowed(now)) {
      // Reply to the address the sender announces for itself when known:
      // that is where it listens.
      std::string reply_to = from;
      if (const Membership::Member* sender =
              membership_->Find(packet.sender())) {
        reply_to = sender->record.address;
      }
      SendFullState(reply_to, wire::PACKET_KIND_PUSH_PULL_REPLY, now);
    }
  }
}

void GossipNode::Leave(MonoTime now) {
  if (leaving_) return;
  leaving_ = true;
  leave_done_at_ = now + options_.leave_propagation;
  membership_->MarkSelfLeft();
  membership_->BumpSelf();
  LOG(INFO) << "leaving the cluster: announcing for "
            << absl::FormatDuration(options_.leave_propagation);
  // Tell a few peers at once rather than waiting for the next round.
  if (v2()) {
    SendNews(now);
  } else {
    GossipRound(now);
  }
}

bool GossipNode::LeaveDone(MonoTime now) const {
  return leaving_ && now >= leave_done_at_;
}

std::vector<MemberView> GossipNode::Snapshot(MonoTime now,
                                             double suspect_level) const {
  std::vector<MemberView> views;
  views.reserve(membership_->size());
  for (const auto& [name, member] : membership_->members()) {
    views.push_back(membership_->View(member, now, suspect_level));
  }
  return views;
}

}  // namespace phid
