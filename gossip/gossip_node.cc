#include "gossip/gossip_node.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
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
    MembershipListener* listener, MonoTime now, uint64_t seed,
    SeedResolver* resolver) {
  absl::Status status = options.Validate();
  if (!status.ok()) return status;
  if (transport == nullptr) {
    return absl::InvalidArgumentError("transport must not be null");
  }
  if (options.generation == 0) {
    return absl::InvalidArgumentError(
        "generation must be > 0 (the daemon sets it from the wall clock)");
  }
  return std::unique_ptr<GossipNode>(new GossipNode(
      options, transport, keyring, listener, now, seed, resolver));
}

GossipNode::GossipNode(const GossipOptions& options, Transport* transport,
                       const Keyring* keyring, MembershipListener* listener,
                       MonoTime now, uint64_t seed, SeedResolver* resolver)
    : options_(options),
      transport_(transport),
      listener_(listener),
      codec_(options.cluster, keyring, options.protocol),
      drop_warnings_(options.cluster, options.protocol, keyring != nullptr),
      keyed_(keyring != nullptr),
      admission_(options.admission_rate, options.admission_rate_per_source,
                 now),
      rng_(seed),
      last_awake_(now),
      next_round_(now),
      next_join_attempt_(now),
      probe_answers_(options.reconnect_interval, kMaxProbeAnswers),
      join_backoff_(options.join_retry_initial),
      resolver_(resolver),
      join_watch_(now),
      reply_window_start_(now) {
  next_push_pull_ = now + JitteredPushPullInterval(1);
  next_summary_ = now + options_.summary_interval;
  next_reconnect_ = now + options_.reconnect_interval;
  synced_ = std::all_of(
      options_.seeds.begin(), options_.seeds.end(),
      [&](const std::string& s) { return s == transport_->LocalAddress(); });
  standalone_ = synced_;
  for (int i = 0; i < 4; ++i) {
    uint64_t word = rng_();
    cookie_secret_.append(reinterpret_cast<const char*>(&word), sizeof word);
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
  CheckJoin(now);
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
  // as much as merging), so a sweep starts every ReapInterval() and goes on
  // one slice (Membership::kReapSlice members) a round until it has seen
  // every member: no round stalls the loop.
  if (!reaping_) {
    if (now < next_reap_) return;
    next_reap_ = now + ReapInterval();
  }
  reaping_ = !membership_->Reap(now);
}

absl::Duration GossipNode::ReapInterval() const {
  // A tenth of the shortest limit, between 1 and 5 s: members fail and go
  // within 10 % of their limit.
  absl::Duration shortest =
      std::min({options_.failed_after, options_.failed_member_retention,
                options_.left_member_retention});
  return std::clamp(shortest / 10, absl::Seconds(1), absl::Seconds(5));
}

absl::Status GossipNode::Forget(const std::string& name, MonoTime now) {
  return membership_->Forget(name, now);
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
  const std::vector<const Member*>& peers = membership_->peers();
  std::vector<std::string> picked;
  size_t n = peers.size();
  if (n <= static_cast<size_t>(count)) {
    for (const Member* peer : peers) {
      picked.push_back(peer->address());
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
  for (size_t index : chosen) picked.push_back(peers[index]->address());
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
  std::vector<const Member*> all;
  all.reserve(membership_->size());
  for (const Member* member : membership_->members()) {
    if (!member->failed) all.push_back(member);  // ours only: membership.h
  }
  SendEntries(to, kind, all, now, cookie);
}

void GossipNode::SendEntries(const std::string& to, wire::PacketKind kind,
                             const std::vector<const Member*>& members,
                             MonoTime now, const std::string& cookie) {
  size_t budget = kMaxDatagramBytes - codec_.Overhead() - kHeaderReserve;
  // Split the members across as many packets as needed.
  std::vector<wire::Packet> packets;
  wire::Packet current;
  size_t used = 0;
  for (const Member* member : members) {
    wire::DigestEntry entry;
    ToWire(*member, member->name() == options_.name, now, &entry,
           /*compact=*/false, v2());
    size_t size = EntryWireSize(entry);
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
  packet->set_sender_generation(membership_->self_member().generation);
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

bool GossipNode::ValidateReceived(const std::string& from, MonoTime now) {
  const wire::Packet& packet = received_;
  if (packet.sender() == options_.name) {
    // Our own name from elsewhere: a twin under our --name, or a loop.
    Drop(DropReason::kInvalidContent);
    if (from != transport_->LocalAddress() &&
        packet.sender_generation() != membership_->self().generation) {
      ++counters_.name_conflicts;
      OnNameConflict(from, packet.sender_generation(), now);
    }
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
    drop_warnings_.Note(drop, from, now);
    VLOG(2) << "dropped a datagram from " << from << ": "
            << DropReasonName(drop) << " " << error;
    return;
  }
  const wire::Packet& packet = received_;
  if (!ValidateReceived(from, now)) return;
  CheckStaleSender(from, packet, now);
  if (!keyed_ && !(packet.kind() == wire::PACKET_KIND_PUSH_PULL_REPLY &&
                   Solicited(from, now))) {
    AdmitUnknown(from, now);
  }
  membership_->MergeEntries(packet.sender(), received_entries_, now);
  if (std::optional<MemberRecord> twin = membership_->TakeNameConflict()) {
    OnNameConflict(twin->address, twin->generation, now);
  }
  if (packet.kind() == wire::PACKET_KIND_PUSH_PULL && packet.part() == 0) {
    if (ReplyAllowed(now)) {
      // Reply to the address the sender announces for itself when known:
      // that is where it listens.
      std::string reply_to = from;
      if (const Member* sender = membership_->Find(packet.sender())) {
        reply_to = sender->address();
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
  for (const Member* member : membership_->members()) {
    views.push_back(membership_->View(*member, now, suspect_level));
  }
  return views;
}

}  // namespace phid
