// GossipNode, protocol v2: direct heartbeats to monitors, news and reports
// pushed on receipt, and summary-based anti-entropy. See gossip_node.h for
// the round, membership.h and reports.cc for what is judged.
//
// Each round (gossip_interval):
//   1. our heartbeat datagram (21 bytes) to each of our K monitors;
//   2. pending news (joins, leaves, restarts, reports at quorum) to `fanout`
//      random peers, within each item's retransmit budget;
//   3. while alone: full-state push-pull to the seeds (the join);
//   4. every summary_interval (jittered): a summary to one random peer.
// Between rounds: our subjects' report-level crossings are judged at the
// instant they are due (NextTickDue), and anything a packet changed
// (a report at quorum, a recovery, a join) is pushed before we return.
#include <algorithm>
#include <cmath>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "gossip/gossip_node.h"
#include "gossip/summary_keys.h"
#include "openssl/evp.h"
#include "openssl/hmac.h"

namespace phid {
namespace {

namespace wire = phi::gossip::v1;

constexpr size_t kMaxNewsPerPacket = 32;
constexpr absl::Duration kHeartbeatGrace = absl::Milliseconds(500);

}  // namespace

void GossipNode::TickV2(MonoTime now, bool round_due) {
  if (round_due) {
    membership_->BumpSelf();
    // Our monitors learn of us from the news of our join (pushed at once,
    // O(log N) hops); heartbeats sent before that would be dropped as
    // coming from an unknown member, so they start a moment later.
    if (joined_at_ == absl::InfiniteDuration() && membership_->size() > 1) {
      joined_at_ = now;
    }
    if (now >= joined_at_ + kHeartbeatGrace) SendHeartbeats();
    SendNews(now);
    MaybePushPull(now);
    MaybeReconnect(now);
    if (membership_->size() > 1 && now >= next_summary_) {
      next_summary_ =
          now +
          options_.summary_interval *
              (std::uniform_int_distribution<int>(500, 1499)(rng_) / 1000.0);
      SendSummary(now);
    }
  }
  // Every round re-judges our subjects, so a subject the ring just gave us
  // starts its clock without waiting for an older crossing instant.
  if (round_due) next_check_ = now;
  AfterChange(now);
}

void GossipNode::AfterChange(MonoTime now) {
  membership_->FlushReevaluations(now);
  if (now >= next_check_ || next_check_ == absl::InfiniteDuration()) {
    next_check_ = membership_->CheckSubjects(now);
  }
  SendConfers(now);
  if (membership_->TakeUrgent()) SendNews(now);
}

void GossipNode::SendHeartbeats() {
  const Member* self = membership_->Find(options_.name);
  HeartbeatDatagram heartbeat{self->id, static_cast<uint32_t>(self->heartbeat)};
  std::string bytes = codec_.EncodeHeartbeat(heartbeat);
  for (const Member* monitor : membership_->MonitorsOf(*self)) {
    ++counters_.packets_out;
    ++counters_.heartbeats_sent;
    counters_.bytes_out += bytes.size();
    transport_->Send(monitor->address(), bytes);
  }
}

void GossipNode::SendHeartbeatTo(const std::string& address) {
  const Member* self = membership_->Find(options_.name);
  HeartbeatDatagram heartbeat{self->id, static_cast<uint32_t>(self->heartbeat)};
  std::string bytes = codec_.EncodeHeartbeat(heartbeat);
  ++counters_.packets_out;
  ++counters_.heartbeats_sent;
  counters_.bytes_out += bytes.size();
  transport_->Send(address, bytes);
}

void GossipNode::MaybeReconnect(MonoTime now) {
  if (now < next_reconnect_) return;
  next_reconnect_ =
      now + options_.reconnect_interval *
                (std::uniform_int_distribution<int>(500, 1499)(rng_) / 1000.0);
  const Member* target = membership_->RandomFailed(rng_);
  if (target == nullptr) return;
  ++counters_.reconnects;
  VLOG(1) << "reconnect: probing failed member " << target->name() << " at "
          << target->address();
  SendHeartbeatTo(target->address());
}

void GossipNode::MaybeAnswerProbe(const Member& member, MonoTime now) {
  // One side of a failure: it holds us failed while we hold it alive (it
  // failed us on reports, or the link to it was cut one way), so nothing of
  // ours reaches it but an answer. A heartbeat from a non-neighbour is also
  // what a ring change sends for a moment (the sender's view of its
  // monitors is ahead of or behind ours): one answer then is a harmless
  // arrival at a member that monitors it nowhere. Rate limited per member,
  // and only known members get one, at the address we hold: a forged
  // heartbeat cannot make us a reflector.
  if (!probe_answers_.Allow(member.id, now)) return;
  ++counters_.probe_answers;
  VLOG(1) << "answering a direct heartbeat from " << member.name()
          << ", which we do not monitor nor are monitored by (a probe?)";
  SendHeartbeatTo(member.address());
}

void GossipNode::SendNews(MonoTime now) {
  std::vector<const Member*> news = membership_->NewsToSend(kMaxNewsPerPacket);
  if (news.empty()) return;
  size_t budget = kMaxDatagramBytes - codec_.Overhead() - kHeaderReserve;
  wire::Packet& packet = sending_;
  packet.Clear();
  packet.set_kind(wire::PACKET_KIND_NEWS);
  std::vector<const Member*> sent;
  size_t used = 0;
  for (const Member* member : news) {
    wire::DigestEntry* entry = packet.add_entries();
    ToWire(*member, member == membership_->Find(options_.name), now, entry,
           /*compact=*/false, /*v2=*/true);
    size_t size = EntryWireSize(*entry);
    if (used + size > budget && !sent.empty()) {
      packet.mutable_entries()->RemoveLast();
      break;
    }
    used += size;
    sent.push_back(member);
  }
  std::vector<std::string> peers = PickPeers(options_.fanout);
  for (const std::string& peer : peers) {
    SendPacket(peer, &packet);
    for (const Member* member : sent) membership_->NewsSent(member);
  }
}

void GossipNode::SendConfers(MonoTime now) {
  for (const Member* subject : membership_->TakeConfers()) {
    std::vector<const Member*> one = {subject};
    for (const Member* monitor : membership_->MonitorsOf(*subject)) {
      if (monitor->name() == options_.name) continue;
      SendEntries(monitor->address(), wire::PACKET_KIND_NEWS, one, now);
    }
  }
}

void GossipNode::SendAnswers(MonoTime now) {
  for (const auto& [subject, to] : membership_->TakeAnswers()) {
    SendEntries(to->address(), wire::PACKET_KIND_NEWS, {subject}, now);
  }
}

void GossipNode::SendSummary(MonoTime now) {
  std::vector<std::string> peer = PickPeers(1);
  if (peer.empty()) return;
  wire::Packet& packet = sending_;
  packet.Clear();
  packet.set_kind(wire::PACKET_KIND_SUMMARY);
  wire::Summary* summary = packet.mutable_summary();
  summary->set_members_hash(membership_->MembersHash());
  summary->set_members(static_cast<uint32_t>(membership_->size()));
  ListReportKeys(summary_cursor_.Next(membership_->SummaryKeys(now)), summary);
  ++counters_.summaries;
  Solicit(peer[0], now);  // its repair may bring members we lack
  SendPacket(peer[0], &packet);
}

std::string GossipNode::CookieFor(const std::string& address, MonoTime now,
                                  int buckets_ago) const {
  // HMAC-SHA256(secret, address | 10 s time bucket), first 8 bytes: valid
  // for 10-20 s, unforgeable without the secret, which never leaves us.
  int64_t bucket = absl::ToInt64Seconds(now) / 10 - buckets_ago;
  std::string message = absl::StrCat(address, "|", bucket);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), cookie_secret_.data(),
       static_cast<int>(cookie_secret_.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
       digest, &length);
  return std::string(reinterpret_cast<const char*>(digest), 8);
}

bool GossipNode::ReplyAllowed(MonoTime now) {
  if (now - reply_window_start_ >= absl::Seconds(1)) {
    reply_window_start_ = now;
    replies_in_window_ = 0;
  }
  if (replies_in_window_ >= kMaxRepliesPerSecond) return false;
  ++replies_in_window_;
  return true;
}

void GossipNode::OnSummary(const wire::Packet& packet, MonoTime now) {
  // Only known members get an answer, at the address they announced: a
  // forged source address cannot turn us into a reflector.
  const Member* sender = membership_->Find(packet.sender());
  if (sender == nullptr || sender->status != MemberStatus::kAlive ||
      !ReplyAllowed(now)) {
    return;
  }
  const wire::Summary& in = packet.summary();
  absl::flat_hash_set<const Member*> send;
  std::vector<const Member*> order;
  auto add = [&](const Member* m) {
    // Failed members are ours only (membership.h): never repaired.
    if (m != nullptr && !m->failed && send.insert(m).second) {
      order.push_back(m);
    }
  };
  bool we_lack = false;
  // Nobody holds reports on itself (membership.h): reports on us, or on
  // the sender, are nothing either side lacks. Counted as lacking, every
  // summary between a subject and a peer listing its reports (for a minute
  // after a recovery) cost a reply and a repair that changed nothing.
  const uint64_t self_id = membership_->self_member().id;
  absl::flat_hash_map<std::pair<uint64_t, uint64_t>, uint64_t> theirs;
  for (const wire::ReportKey& k : in.reports()) {
    if (k.subject() == self_id) continue;
    theirs[{k.subject(), k.monitor()}] = k.seq();
    uint64_t mine = membership_->ReportSeq(k.subject(), k.monitor());
    if (mine > k.seq()) add(membership_->FindById(k.subject()));
    if (mine < k.seq()) we_lack = true;
  }
  // A key the summary did not list is one the sender lacks only inside
  // the run it covered (summary_keys.h).
  const SummaryCoverage coverage(in);
  const std::vector<Membership::ReportKeyValue> ours =
      membership_->SummaryKeys(now);
  for (const auto& key : ours) {
    if (key.subject == sender->id) continue;
    if (!coverage.Covers({key.subject, key.monitor})) continue;
    auto it = theirs.find({key.subject, key.monitor});
    if (it == theirs.end() || it->second < key.seq) {
      add(membership_->FindById(key.subject));
    }
  }
  const bool members_differ = in.members_hash() != membership_->MembersHash();
  // A peer that knows exactly whom we know: our join is complete, however
  // it came about (a seed's full state, or news and repairs).
  if (!members_differ) synced_ = true;
  if (members_differ && in.buckets_size() == Membership::kBuckets) {
    std::vector<uint64_t> mine = membership_->BucketHashes();
    for (const Member* member : membership_->members()) {
      int b = Membership::BucketOf(member->id);
      if (mine[b] != in.buckets(b)) add(member);
    }
  }
  if (!order.empty()) {
    counters_.repairs += order.size();
    SendEntries(sender->address(), wire::PACKET_KIND_REPAIR, order, now);
  }
  if ((we_lack || members_differ) && in.round() < 2) {
    wire::Packet& reply = sending_;
    reply.Clear();
    reply.set_kind(wire::PACKET_KIND_SUMMARY);
    wire::Summary* summary = reply.mutable_summary();
    summary->set_members_hash(membership_->MembersHash());
    summary->set_members(static_cast<uint32_t>(membership_->size()));
    summary->set_round(in.round() + 1);
    // Over the run the summary covered: what we lack lies there.
    ListReportKeys(RunFrom(ours, coverage.first()), summary);
    if (members_differ) {
      for (uint64_t h : membership_->BucketHashes()) summary->add_buckets(h);
    }
    Solicit(sender->address(), now);
    SendPacket(sender->address(), &reply);
  }
}

void GossipNode::OnPacketV2(const std::string& from, absl::string_view payload,
                            MonoTime now) {
  std::string error;
  HeartbeatDatagram heartbeat;
  bool is_heartbeat = false;
  DropReason drop =
      codec_.DecodeV2(payload, &received_, &heartbeat, &is_heartbeat, &error);
  if (drop == DropReason::kNone && is_heartbeat) {
    bool returned = false;
    drop = membership_->OnHeartbeat(heartbeat.sender, heartbeat.counter, now,
                                    &returned);
    if (drop == DropReason::kNone) {
      const Member* member = membership_->FindById(heartbeat.sender);
      if (returned) {
        // It may be a reconnect probe from across a healed partition, where
        // we are failed too: answer, at the address we hold for it (never
        // at an unverified source), so it takes us back as well.
        LOG(INFO) << "failed member " << member->name()
                  << " is back (a direct heartbeat); answering it";
        SendHeartbeatTo(member->address());
      } else if (!membership_->IsRingNeighbour(*member)) {
        MaybeAnswerProbe(*member, now);
      }
      AfterChange(now);
      return;
    }
  }
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
  // Our cookie proves the sender receives at `from`; an answer to our
  // request comes from where we sent it. Anything else is unverified
  // (without a keyring) and brings unknown members at a limited rate.
  const bool cookie_ok = packet.kind() == wire::PACKET_KIND_PUSH_PULL &&
                         !packet.cookie().empty() &&
                         (packet.cookie() == CookieFor(from, now, 0) ||
                          packet.cookie() == CookieFor(from, now, 1));
  const bool answer = (packet.kind() == wire::PACKET_KIND_PUSH_PULL_REPLY ||
                       packet.kind() == wire::PACKET_KIND_REPAIR) &&
                      Solicited(from, now);
  if (!keyed_ && !cookie_ok && !answer) AdmitUnknown(from, now);
  membership_->MergeEntries(packet.sender(), received_entries_, now);
  SendAnswers(now);
  if (std::optional<MemberRecord> twin = membership_->TakeNameConflict()) {
    OnNameConflict(twin->address, twin->generation, now);
  }
  switch (packet.kind()) {
    case wire::PACKET_KIND_PUSH_PULL:
      if (packet.part() != 0) break;
      // Only push-pulls join (v2 repairs by summaries), and a joiner can
      // always answer the challenge: every full state waits for a cookie.
      // Full states are rate limited; challenges, no larger than what
      // asked for them, are not.
      if (cookie_ok) {
        if (ReplyAllowed(now)) {
          SendFullState(from, wire::PACKET_KIND_PUSH_PULL_REPLY, now);
        }
      } else {
        // A small answer to an address nobody has proven: no reflection.
        wire::Packet& challenge = sending_;
        challenge.Clear();
        challenge.set_kind(wire::PACKET_KIND_CHALLENGE);
        challenge.set_cookie(CookieFor(from, now, 0));
        ++counters_.challenges;
        SendPacket(from, &challenge);
      }
      break;
    case wire::PACKET_KIND_CHALLENGE:
      // Answered only while joining, and only for a seed: a forged
      // challenge cannot make us send our state anywhere else.
      if (!synced_ && std::find(seed_addresses_.begin(), seed_addresses_.end(),
                                from) != seed_addresses_.end()) {
        SendFullState(from, wire::PACKET_KIND_PUSH_PULL, now, packet.cookie());
      }
      break;
    case wire::PACKET_KIND_PUSH_PULL_REPLY:
      synced_ = true;
      break;
    case wire::PACKET_KIND_SUMMARY:
      OnSummary(packet, now);
      break;
    default:
      break;
  }
  AfterChange(now);
}

}  // namespace phid
