// GossipNode: one daemon's gossip protocol, driven by ticks and packets.
//
// The owner calls Tick(now) at least every gossip_interval and OnPacket() for
// every datagram; the node sends through its Transport. Nothing here reads a
// clock, sleeps or starts a thread, so the same code runs in the daemon (on
// UdpTransport and RealClock), in unit tests and in the simulator (on
// InMemoryNetwork and SimulatedClock).
//
// Each Tick, once per gossip_interval:
//   1. Local-pause guard: a tick (or packet) later than expected by more
//      than pause_limit means we were paused; the pause is discounted for
//      every member and kObserverPaused is raised. OnPacket checks it too,
//      so datagrams the kernel buffered during the pause are not judged
//      against undiscounted silence.
//   2. Our heartbeat counter is bumped.
//   3. A digest goes to `fanout` random peers (see digest.h for what fits).
//   4. Push-pull: while we know nobody, our state goes to the seeds with
//      backoff (DNS seeds resolved again on every attempt); then every
//      push_pull_interval * log2(N) (jittered +-50 %) to a random peer.
//   5. Reaping.
//   6. Join check: Joined() may change; a node unjoined for long warns
//      (join_watch.h).
//
// Name conflicts: two daemons under one --name. Peers follow the newer
// generation, so the older one is ignored. A peer that hears the older
// one (a packet from the name at an older generation, from another
// address) sends it the newer's entry; the older one then logs an ERROR
// naming the newer's address, counts name_conflicts, turns unjoined, and
// sends its own entry to the newer one, which logs an ERROR naming the
// older's address and counts it too.
//
// Thread safety: none. The daemon guards a node with one mutex.
#ifndef PHID_GOSSIP_GOSSIP_NODE_H_
#define PHID_GOSSIP_GOSSIP_NODE_H_

#include <algorithm>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "detector/base/clock.h"
#include "gossip/admission.h"
#include "gossip/digest.h"
#include "gossip/drop_warnings.h"
#include "gossip/events.h"
#include "gossip/gossip_counters.h"
#include "gossip/gossip_options.h"
#include "gossip/join_watch.h"
#include "gossip/keyring.h"
#include "gossip/log_limiter.h"
#include "gossip/membership.h"
#include "gossip/packet_codec.h"
#include "gossip/probe_limiter.h"
#include "gossip/seed_resolver.h"
#include "gossip/summary_keys.h"
#include "gossip/transport.h"

namespace phid {

class GossipNode final : public PacketSink {
 public:
  // Validates `options`. `transport`, `keyring` (may be null), `listener`
  // (may be null) and `resolver` (may be null: DNS seeds then never
  // resolve) must outlive the node. `seed` drives peer selection.
  static absl::StatusOr<std::unique_ptr<GossipNode>> Create(
      const GossipOptions& options, Transport* transport,
      const Keyring* keyring, MembershipListener* listener, MonoTime now,
      uint64_t seed, SeedResolver* resolver = nullptr);
  GossipNode(const GossipNode&) = delete;
  GossipNode& operator=(const GossipNode&) = delete;

  void Tick(MonoTime now);
  void OnPacket(const std::string& from, absl::string_view payload,
                MonoTime now) override;

  // Starts leaving: our status becomes LEFT and is gossiped for
  // leave_propagation; LeaveDone() then turns true.
  void Leave(MonoTime now);
  bool LeaveDone(MonoTime now) const;

  // Keyring rotation (PacketCodec::ReplaceKeyring): from now on packets are
  // sealed with `keyring`'s primary and opened with any of its keys.
  // `keyring` must outlive the node (or the next call).
  void ReplaceKeyring(const Keyring* keyring) {
    codec_.ReplaceKeyring(keyring);
  }
  // Datagrams opened by a key other than our primary: while it grows, some
  // peer seals with a key we hold as secondary (so it cannot be removed).
  uint64_t secondary_key_opens() const { return codec_.secondary_key_opens(); }
  // An operator forgets a failed or left member on this node only (see
  // Membership::Forget for the status codes).
  absl::Status Forget(const std::string& name, MonoTime now);

  // When the next Tick is due.
  MonoTime NextTickDue() const { return std::min(next_round_, next_check_); }

  // Every member (self included) judged at `now`; `suspect_level` is the phi
  // above which an observer's opinion counts as a suspicion.
  std::vector<MemberView> Snapshot(MonoTime now, double suspect_level) const;
  const Membership& membership() const { return *membership_; }
  // Testonly (the simulator's --prejoined, protocol 2): starts us as if our
  // join had completed long ago: every member becomes ALIVE here
  // (Membership::Bootstrap) and we count as synced, so no push-pull to the
  // seeds. Heartbeats start after the usual grace. Call before the first
  // Tick; production code never calls it.
  // `members`: the other nodes' membership().self_member(), read only.
  void Prejoin(const std::vector<const Member*>& members, MonoTime now);
  // Whether we have joined the cluster (what readiness reports): we know a
  // live peer (v2: and hold a seed's full state, or a peer showed the same
  // membership), or we are its first member (no seed but our own address,
  // as last resolved). False while another daemon holds our name.
  bool Joined() const;
  // The seed addresses the last join attempt resolved, our own excluded.
  const std::vector<std::string>& seed_addresses() const {
    return seed_addresses_;
  }
  const GossipCounters& counters() const { return counters_; }
  const GossipOptions& options() const { return options_; }
  const std::string& name() const { return options_.name; }
  uint64_t generation() const { return membership_->self().generation; }

 private:
  // Full-state replies allowed per second (anti-amplification).
  static constexpr int kMaxRepliesPerSecond = 20;
  // How long an answer to our push-pull or summary is expected.
  static constexpr absl::Duration kSolicitedFor = absl::Seconds(5);
  // Bytes kept free in every packet for the header fields.
  static constexpr size_t kHeaderReserve = 100;
  // Members answered within one reconnect_interval at most.
  static constexpr size_t kMaxProbeAnswers = 256;

  // Name conflicts: ERROR lines at most this often; evidence this recent
  // keeps us unjoined; notices sent at most this often.
  static constexpr absl::Duration kConflictLogPeriod = absl::Seconds(10);
  static constexpr absl::Duration kConflictMemory = absl::Seconds(60);
  static constexpr absl::Duration kConflictNoticeEvery = absl::Seconds(1);

  GossipNode(const GossipOptions& options, Transport* transport,
             const Keyring* keyring, MembershipListener* listener, MonoTime now,
             uint64_t seed, SeedResolver* resolver);

  // Resolves options_.seeds into seed_addresses_ and seed_lookups_.
  void ResolveSeeds();
  void CheckJoin(MonoTime now);
  // Another daemon at `other` runs under our name with `generation`.
  void OnNameConflict(const std::string& other, uint64_t generation,
                      MonoTime now);
  // `packet` from `from` comes from a member's older generation at another
  // address (a daemon whose name a newer one took): tells it.
  void CheckStaleSender(const std::string& from,
                        const phi::gossip::v1::Packet& packet, MonoTime now);
  bool NoticeAllowed(MonoTime now);

  void GossipRound(MonoTime now);
  void MaybePushPull(MonoTime now);
  // Starts a reaping sweep when due, or goes on with the current one.
  void MaybeReap(MonoTime now);
  // push_pull_interval * scale, jittered uniformly by +-50 %.
  absl::Duration JitteredPushPullInterval(double scale);
  void SendFullState(const std::string& to, phi::gossip::v1::PacketKind kind,
                     MonoTime now, const std::string& cookie = "");
  // Stamps the sender on `packet`, encodes and sends it.
  void SendPacket(const std::string& to, phi::gossip::v1::Packet* packet);
  std::vector<std::string> PickPeers(int count);
  void CheckPause(MonoTime now);
  // How often Reap runs.
  absl::Duration ReapInterval() const;
  void Drop(DropReason reason);
  // Checks received_ (not from ourselves, every entry valid) into
  // received_entries_; false, counted, if the packet must be dropped.
  bool ValidateReceived(const std::string& from, MonoTime now);
  // Removes from received_entries_ the unknown members Admission refuses
  // (counted): for datagrams nobody verified.
  void AdmitUnknown(const std::string& from, MonoTime now);
  // We asked `to` for a full state or a repair: its answer (within
  // kSolicitedFor) is verified enough to bring members unlimited.
  void Solicit(const std::string& to, MonoTime now);
  bool Solicited(const std::string& from, MonoTime now) const;
  // Sends `members`' full entries to `to`, in as many packets as needed.
  void SendEntries(const std::string& to, phi::gossip::v1::PacketKind kind,
                   const std::vector<const Member*>& members, MonoTime now,
                   const std::string& cookie = "");

  // Protocol v2 (gossip_node_v2.cc).
  bool v2() const { return options_.protocol == 2; }
  void TickV2(MonoTime now, bool round_due);
  void OnPacketV2(const std::string& from, absl::string_view payload,
                  MonoTime now);
  void SendHeartbeats();
  // Our heartbeat datagram to one address (a monitor, a reconnect probe, the
  // answer to a probe).
  void SendHeartbeatTo(const std::string& address);
  // Every reconnect_interval: a heartbeat to one random failed member.
  void MaybeReconnect(MonoTime now);
  // `member` (known, alive here) sent us a direct heartbeat though it is
  // neither our subject nor our monitor: a reconnect probe from a daemon
  // that holds us failed. Answered with our heartbeat at the address we
  // hold for it, at most once per member per reconnect_interval.
  void MaybeAnswerProbe(const Member& member, MonoTime now);
  // Judges our subjects, then sends what that and the last packet changed:
  // confers to co-monitors, urgent news to `fanout` peers.
  void AfterChange(MonoTime now);
  // Pending news to `fanout` random peers (one packet each).
  void SendNews(MonoTime now);
  void SendConfers(MonoTime now);
  // Our entries on members we hold FAILED to the peers that showed they
  // lack our reports on them (Membership::TakeAnswers).
  void SendAnswers(MonoTime now);
  void SendSummary(MonoTime now);
  void OnSummary(const phi::gossip::v1::Packet& packet, MonoTime now);
  bool ReplyAllowed(MonoTime now);
  // The cookie a push-pull from `address` must carry to get our full state.
  std::string CookieFor(const std::string& address, MonoTime now,
                        int buckets_ago) const;

  GossipOptions options_;
  Transport* transport_;
  MembershipListener* listener_;
  PacketCodec codec_;
  DropWarnings drop_warnings_;
  GossipCounters counters_;
  const bool keyed_;  // every datagram we accept is authenticated
  Admission admission_;
  // Address -> until when its answer to our request is expected (a few:
  // seeds while joining, the peers of recent summaries).
  absl::flat_hash_map<std::string, MonoTime> solicited_;
  std::unique_ptr<Membership> membership_;
  DigestBuilder digest_;
  std::mt19937_64 rng_;

  MonoTime last_awake_;  // last Tick or packet
  MonoTime next_reap_;
  bool reaping_ = false;  // a sweep is under way (Membership::Reap)
  MonoTime next_round_;
  MonoTime next_push_pull_;
  MonoTime next_join_attempt_;
  MonoTime next_check_ = absl::InfiniteDuration();  // v2: CheckSubjects
  MonoTime next_summary_;                           // v2
  MonoTime next_reconnect_;                         // v2
  // v2: the members whose probes we answered (MaybeAnswerProbe).
  ProbeLimiter probe_answers_;
  std::string cookie_secret_;                      // v2: 32 random bytes
  MonoTime joined_at_ = absl::InfiniteDuration();  // v2: first met a peer
  // v2: a seed's full state arrived, or a summary showed our membership
  // equal to a peer's (or we have no seeds).
  bool synced_ = false;
  // v2: where our next summary's report keys start (they rotate).
  SummaryKeyCursor summary_cursor_;
  absl::Duration join_backoff_;
  bool leaving_ = false;
  MonoTime leave_done_at_;
  // Joining.
  SeedResolver* resolver_;
  std::vector<std::string> seed_addresses_;  // resolved, our own excluded
  std::vector<SeedLookup> seed_lookups_;
  // No seed but ourselves (as last resolved): the cluster's first member.
  bool standalone_ = false;
  bool was_joined_ = false;
  JoinWatch join_watch_;
  // Name conflicts.
  LogLimiter conflict_log_{kConflictLogPeriod};
  MonoTime conflict_seen_ = -absl::InfiniteDuration();
  bool in_conflict_ = false;
  MonoTime next_notice_ = -absl::InfiniteDuration();
  // Push-pull replies are rate limited so forged requests cannot turn us
  // into an amplifier.
  MonoTime reply_window_start_;
  int replies_in_window_ = 0;
  // Scratch reused by every round and every received packet.
  phi::gossip::v1::Packet sending_;
  phi::gossip::v1::Packet received_;
  std::vector<GossipEntry> received_entries_;
};

}  // namespace phid

#endif  // PHID_GOSSIP_GOSSIP_NODE_H_
