// Membership: one node's table of every member it knows, with a phi
// detector per member, the merge rules for gossiped entries, opinions of
// other observers, and reaping.
//
// Merge rules for an entry about member P (MergeEntry):
//   * P is ourselves: ignored (a newer generation under our name is counted
//     as a name conflict).
//   * (P, generation) is tombstoned (removed recently): ignored.
//   * P unknown: added (kJoined); its detector is seeded from the entry's
//     statistics when present (warm start), and this is P's first arrival.
//   * newer generation: P restarted (kRestarted): history reset and seeded
//     again, first arrival.
//   * older generation: ignored.
//   * same generation, higher heartbeat: one arrival at `now`; the same
//     heartbeat arriving by another path is not newer and counts nothing.
//     A LEFT status is final for a generation (kLeft).
// The entry's phi is recorded as the sender's opinion of P, and an unknown
// P that arrives already LEFT is not added (we never saw it alive, and
// holding it would only keep a departed member circulating).
//
// Lifecycle of a member that stops without leaving (Reap):
//   ALIVE (suspected by subscribers at their own thresholds)
//   -> FAILED, kFailed, once silent for failed_after: v2, since its
//      monitors' quorum curve passed report_level; v1, since its last
//      heartbeat news. failed_at is that instant (silence + failed_after),
//      so every daemon, a late one too, dates it alike.
//   -> removed, kRemoved, failed_member_retention after failed_at.
// A LEFT member is removed left_member_retention after we learned it.
// A failed member is back, kReturned, on evidence newer than its failure:
// a direct heartbeat to us (v2), a monitor's recovery report whose last
// heartbeat is after failed_at (v2), a newer heartbeat counter (v1); a new
// generation is kRestarted as always. v2: a member's silence counts from
// its quorum curve's crossing, but never from before its return here nor
// the last heartbeat a monitor's recovery report cites: suspect reports
// older than those (vouches from the other side of a healed partition, a
// suspicion the ring has not yet withdrawn) do not fail it at once, after
// the recovery that revived it is spent. While failed, a member is off the
// monitor ring (its predecessors get a live K-th monitor instead of one
// that cannot vouch for them; its would-be successors still accept its
// heartbeats, which is how it returns), out of the members hash (so
// summaries agree between daemons that hold it and daemons that already
// removed it or never knew it), no gossip target, and never gossiped
// (news, repairs, full state, v1 digests): it is this daemon's record,
// not news; only its reports go to its monitors by position and to a peer
// that shows it lacks them (v2, reports.cc: one side of a partition must
// hold the whole other side failed). Failed and left members count against
// max_members; when the table is full, an unknown member evicts the one retired
// (failed or left) the longest ago, and is refused only if every member is
// alive. Forget removes a failed or left member at once, on this daemon only.
//
// The table's entries are Members (membership_member.h), which this class
// alone creates, changes and deletes; what a merge takes is a GossipEntry
// (gossip_entry.h). Not thread-safe; owned by a GossipNode.
#ifndef PHID_GOSSIP_MEMBERSHIP_H_
#define PHID_GOSSIP_MEMBERSHIP_H_

#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/btree_set.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "detector/base/clock.h"
#include "detector/phi_accrual_detector.h"
#include "detector/phi_curve.h"
#include "gossip/events.h"
#include "gossip/gossip_counters.h"
#include "gossip/gossip_entry.h"
#include "gossip/gossip_options.h"
#include "gossip/member.h"
#include "gossip/membership_member.h"
#include "gossip/monitor_ring.h"
#include "gossip/packet_codec.h"

namespace phid {

class Membership {
 public:
  // Orders members by name; also compares with a name.
  struct ByName {
    using is_transparent = void;
    bool operator()(const Member* a, const Member* b) const;
    bool operator()(const Member* a, absl::string_view b) const;
    bool operator()(absl::string_view a, const Member* b) const;
  };
  using MemberSet = absl::btree_set<Member*, ByName>;
  // Once a peer shows it has a piece of news, at most this many times
  // news_retransmit_mult sends of it are left (LoseInterest). Each node
  // then still pushes the news to ~15 peers: too few to leave anyone out at
  // N = 1,000 (with 3 sends, 10 members joining a warm 1,000-node cluster
  // had not reached everyone after 100 rounds; with 15, 9 rounds).
  static constexpr int kSendsAfterFeedback = 5;
  // Reports held per member at most (Member::Extra::reports).
  static constexpr size_t kMaxReports = 32;
  // `self` is our own record; `options` must outlive the membership.
  Membership(const GossipOptions& options, MemberRecord self, MonoTime now,
             GossipCounters* counters, MembershipListener* listener);
  Membership(const Membership&) = delete;
  Membership& operator=(const Membership&) = delete;
  ~Membership();

  // Applies one entry received from `sender` at `now`. Returns true if it
  // changed our state (arrival, join, restart, leave).
  bool MergeEntry(const std::string& sender, const GossipEntry& entry,
                  MonoTime now);
  // Applies every entry of one packet from `sender`, in order; the sender is
  // looked up once (or as soon as its own entry introduces it). Returns how
  // many entries changed our state.
  int MergeEntries(const std::string& sender,
                   const std::vector<GossipEntry>& entries, MonoTime now);

  // Testonly (the simulator's --prejoined): adds every member not yet
  // known, ourselves skipped, as ALIVE with the state a completed full-state
  // join leaves (ring and hash placement, a gossip target, no detector and
  // no reports under v2) but no news, no kJoined events and no counters:
  // the cluster is taken to have formed long ago. Members must be ALIVE
  // and distinct. Production code never calls it.
  // `members` are other tables' self_member() (read only, their info
  // handles shared): no interning, and the ring's reevaluations are queued
  // once for everyone instead of K + 1 times per member added.
  void Bootstrap(const std::vector<const Member*>& members, MonoTime now);

  // Our own heartbeat and status.
  void BumpSelf();
  void MarkSelfLeft();
  MemberRecord self() const { return self_->record(); }
  const Member& self_member() const { return *self_; }
  // The newest record of another daemon under our own name (a newer
  // generation: the cluster now follows it) seen since the last call.
  std::optional<MemberRecord> TakeNameConflict() {
    std::optional<MemberRecord> taken;
    taken.swap(name_conflict_);
    return taken;
  }

  // Marks members silent for failed_after as failed, removes failed and
  // left members past their retention, and expires tombstones and stale
  // opinions. Returns true when that completed a sweep of every member that
  // can change (tombstones expire then). Protocol 1: in slices, so that no
  // call stalls the loop: each examines at most kReapSlice members (a few
  // ms), resuming where the last stopped. Protocol 2: one call sweeps, and
  // examines only the members Reap can change: those with `extra` (reports,
  // a detector, a leave or a failure) and, while we report a monitor
  // suspect, the members it monitors. The others have no curve, so walking
  // them (N cache misses a node every 1-5 s, N^2 in the simulator) changed
  // nothing.
  static constexpr size_t kReapSlice = 500;
  bool Reap(MonoTime now);

  // An operator's forget: removes a failed or left member now (kRemoved),
  // on this node only, and tombstones its generation so gossip does not
  // bring it back. NOT_FOUND if unknown; FAILED_PRECONDITION naming its
  // state if it is ourselves or not failed nor left.
  absl::Status Forget(const std::string& name, MonoTime now);

  // The observer was paused for `paused`: shifts every member's last arrival
  // forward by it (never past `now`).
  void DiscountPause(absl::Duration paused, MonoTime now);

  // Other live observers whose fresh opinion of `name` is at least `level`.
  int SuspectedBy(const std::string& name, double level, MonoTime now) const;

  const Member* Find(absl::string_view name) const;
  // Every member including self, ordered by name.
  const MemberSet& members() const { return members_; }
  // Members we gossip to: alive, not ourselves. Unordered (stable until the
  // membership changes); for picking random targets in O(1).
  const std::vector<const Member*>& peers() const { return peers_; }
  int size() const { return static_cast<int>(members_.size()); }
  // Up to `max` members whose news (join/restart/leave) is still being
  // piggybacked, those with the most sends left first.
  std::vector<const Member*> NewsToSend(size_t max) const;
  // One more send of `member`'s news (a pointer from NewsToSend or Find).
  void NewsSent(const Member* member);

  MemberView View(const Member& member, MonoTime now, double level) const;

  // How many times a piece of news is piggybacked at the current size.
  int NewsBudget() const;

  // Takes up to `max` members whose newer heartbeat we have not passed on
  // yet, newest first. The pointers stay valid until the next merge or reap.
  std::vector<const Member*> TakeFresh(size_t max);

  // ---- Protocol v2 (reports.cc) ----
  // A direct heartbeat: kNone if it was an arrival, else why it changed
  // nothing (unknown id, not newer). *returned (if not null) says whether
  // it brought a FAILED member back.
  DropReason OnHeartbeat(uint64_t sender, uint32_t counter, MonoTime now,
                         bool* returned = nullptr);
  // A FAILED member (not LEFT, not ourselves) chosen uniformly with `rng`,
  // or null if there is none: the target of a reconnect probe.
  const Member* RandomFailed(std::mt19937_64& rng) const;
  const Member* FindById(uint64_t id) const;
  // Whether `member` is one of our subjects or one of our monitors (on our
  // ring): we exchange direct heartbeats with it every round anyway.
  bool IsRingNeighbour(const Member& member) const;
  // The members that monitor `subject` (ring successors), nearest first.
  std::vector<const Member*> MonitorsOf(const Member& subject) const;
  // Judges our subjects at `now`: one whose phi reached the report level
  // gets our suspect report. Returns when to call again (a crossing
  // instant, or InfiniteDuration()).
  MonoTime CheckSubjects(MonoTime now);
  // Members whose reports changed but are not at quorum: their entries go
  // to their other monitors only. Cleared by the call.
  std::vector<const Member*> TakeConfers();
  // (subject, peer): a peer sent us an entry on a member we hold FAILED
  // without the reports we hold on it; our entry goes back to that peer.
  // Cleared by the call.
  std::vector<std::pair<const Member*, const Member*>> TakeAnswers();
  // News worth pushing at once (a new report, join, leave): cleared.
  bool TakeUrgent();
  // Tells the listener of members whose curve the ring's changes moved.
  void FlushReevaluations(MonoTime now);
  // What every subscriber and the simulator judge `member` by: our own
  // detector (v1; v2 for our subjects) and its monitors' suspect reports.
  PhiCurve CurveOf(const Member& member, MonoTime now) const;
  // Whether CurveOf(member) can hold any curve: false (exactly) for a
  // member with no reports and no detector here (stand-ins alone make no
  // curve). Lets Reap and the simulator skip CurveOf for the many members
  // nothing is known against.
  bool HasCurve(const Member& member) const {
    return member.extra != nullptr || member.detector() != nullptr;
  }
  // Anti-entropy: XOR over members of a hash of (id, status), whole and in
  // kBuckets buckets by the top bits of the id.
  static constexpr int kBuckets = 64;
  static int BucketOf(uint64_t id) { return static_cast<int>(id >> 58); }
  uint64_t MembersHash() const { return members_hash_; }
  std::vector<uint64_t> BucketHashes() const;
  // Reports worth listing in a summary: those of members at quorum, and
  // of members whose quorum ended less than a minute ago. Reports below
  // quorum stay among the member's monitors.
  struct ReportKeyValue {
    uint64_t subject, monitor, seq;
  };
  std::vector<ReportKeyValue> SummaryKeys(MonoTime now) const;
  // The newest seq we hold from `monitor` on `subject`; 0 if none.
  uint64_t ReportSeq(uint64_t subject, uint64_t monitor) const;

 private:
  // Members with news, bucketed by sends left: an O(1) move per send, where
  // an ordered set cost a third of a join storm's CPU.
  struct NewsBucket {
    Member* head = nullptr;
    Member* tail = nullptr;
  };

  // `known` is the entry's member if already looked up (else null).
  bool Merge(const GossipEntry& entry, Member* known, Member* sender,
             MonoTime now);
  Member& AddMember(const GossipEntry& entry, MonoTime now);
  // AddMember's indexing and placement of a new member (takes ownership).
  Member& Insert(Member* added, MonoTime now);
  Member* FindMutable(absl::string_view name);
  // Deletes `member` (Unlink it first).
  void Erase(Member* member);
  // Our detector of `member` (created on first use).
  PhiAccrualDetector& DetectorOf(Member& member);
  // `member`'s extra (created on first use, and listed in with_extra_).
  Member::Extra& ExtraOf(Member& member);
  // Reap's two walks (see Reap).
  bool ReapSlice(MonoTime now);
  bool ReapChangeable(MonoTime now);
  // Reap's judgement of one member: adds it to `expired` if it is due for
  // removal; marks it failed if it is due for that.
  void ReapOne(Member& member, MonoTime now, std::vector<Member*>* expired);
  void ExpireTombstones(MonoTime now);
  // Points `member` at the shared info for `record`'s name, address, tags.
  static void SetInfo(Member& member, const MemberRecord& record);
  // A new gossip address for `member` (same name and tags).
  static void SetAddress(Member& member, const std::string& address);
  void ResetForGeneration(Member& member, const GossipEntry& entry,
                          MonoTime now);
  void Emit(MemberEventType type, const MemberRecord& record, MonoTime now);
  void RecordOpinion(Member& member, Member* observer, double phi,
                     MonoTime now);
  int CountSuspectedBy(const Member& member, double level, MonoTime now) const;
  void MaybeWarmStart(Member& member, const GossipEntry& entry);
  void SetNews(Member& member);
  // A peer already knew `member`'s news: fewer sends are left.
  void LoseInterest(Member& member);
  // Moves `member` to the bucket for `left` sends (0: no news).
  void SetNewsLeft(Member& member, int left);
  // Drops every opinion of `member` (kept in step with opinion_of).
  void ClearOpinions(Member& member);
  void MarkFresh(Member& member);
  // Takes `member` off the fresh list (O(1)), if it is there.
  void UnmarkFresh(Member& member);
  // Keeps peers_ in step with the member's status.
  void UpdatePeerSlot(Member& member);
  // Takes `member` out of peers_ (swap-remove), if it is there.
  void RemovePeerSlot(Member& member);
  // Drops every reference to `member` before it is erased.
  void Unlink(Member& member);
  // Tombstones, unlinks and erases `member`, then tells the listener.
  void Remove(Member& member, MonoTime now);
  // When the silence that fails `member` began (v2: its quorum curve's
  // report-level crossing, but not before its return nor a recovery
  // report's last heartbeat; v1: its last arrival).
  MonoTime SilentSince(const Member& member, MonoTime now) const;
  void MarkFailed(Member& member, MonoTime failed_at, MonoTime now);
  // A failed member showed life: back on the ring and in the hash.
  void Revive(Member& member, MonoTime now);
  // An alive member's entry says it left: off the ring, retired, news.
  void MarkLeft(Member& member, MonoTime now);
  // Keeps retired_ in step with `member` (after any change of its status,
  // failed flag, left_at or failed_at).
  void UpdateRetired(Member& member);
  // Removes the member retired the longest ago; false if there is none.
  bool EvictOldestRetired(MonoTime now);

  // v2 (reports.cc).
  bool v2() const { return options_.protocol == 2; }
  void NotifyEvidence(Member& member, const PhiCurve& before, MonoTime now);
  // Queues for FlushReevaluations the members whose monitors (or whose
  // monitoring by us) a ring change at `id` moves.
  void RingChanged(uint64_t id);
  // Keeps the ring, the id index and the members hash in step with
  // `member` (call before and after a change of id or status).
  void Unplace(Member& member);
  void Place(Member& member);
  uint64_t HashOf(const Member& member) const;
  // Applies gossiped reports; returns true if any was newer.
  bool MergeReports(Member& member, const std::vector<ReportEntry>& reports,
                    MonoTime now);
  // Adds or replaces the report of `monitor` (newest seq wins).
  bool StoreReport(Member& member, const Member::Report& report);
  // Our own report on a subject changed: confer or spread it.
  void ReportChanged(Member& member, bool suspect, MonoTime now);
  // Our suspicion of `member` still stands below quorum: the same verdict
  // under a new seq, listed for TakeConfers (it renews its lease at the
  // other monitors, membership_lapse.cc).
  void RenewReport(Member& member, MonoTime now);
  // Leases on others' suspect reports (membership_lapse.cc): a suspect
  // report stored at `now` lapses ReportLease() later unless its monitor
  // renewed it or `member` is at quorum here.
  void LeaseReport(const Member& member, const Member::Report& report,
                   MonoTime now);
  // Withdraws every suspect report whose lease ran out by `now`.
  void LapseReports(MonoTime now);
  absl::Duration ReportLease() const { return 3 * options_.summary_interval; }
  // Lists `member` for TakeConfers (once; a no-op while listed).
  void ListConfer(Member& member, MonoTime now);
  // We hold `member` FAILED: if we are one of its monitors by ring position
  // (MonitorsOf its id, off the ring as it is), our suspect report on it
  // (made now if we have none) goes to its other monitors (reports.cc).
  void Vouch(Member& member, MonoTime now);
  // Vouch's report alone; false (and nothing made) unless we hold `member`
  // failed and are one of its monitors by position.
  bool MakeVouch(Member& member, MonoTime now);
  // `sender` sent us `member`'s entry with `reports`: answered if we hold
  // `member` failed and know reports `sender` did not show (TakeAnswers).
  void MaybeAnswer(Member& member, const std::vector<ReportEntry>& reports,
                   const Member* sender, MonoTime now);
  // Recomputes at_quorum; a report change at or into quorum is news.
  void UpdateQuorum(Member& member, MonoTime now, bool reports_changed);
  int QuorumFor(size_t monitors) const;
  bool IsOurSubject(const Member& member) const;
  // A monitor that cannot vouch for its subjects: one we once heard and now
  // report suspect ourselves, or one at quorum here. It counts as agreeing
  // in its subjects' quorums (CurveOf, UpdateQuorum), but only alongside at
  // least one monitor that measured the silence: stand-ins alone accuse
  // nobody (a healthy member two of whose monitors crashed is still heard
  // by the third), while a member that crashed with some of its monitors
  // is still detected, and an isolated node still suspects its subjects.
  bool IsSilentMonitor(uint64_t monitor) const;
  // P's monitors whose own measurement puts it at or above `level` (v2's
  // suspected_by).
  int SuspectingMonitors(const Member& member, double level,
                         MonoTime now) const;
  // Whether `incoming` shows reports at least as new as all of ours.
  bool KnowsOurReports(const Member& member,
                       const std::vector<ReportEntry>& incoming) const;

  const GossipOptions& options_;
  GossipCounters* counters_;
  MembershipListener* listener_;
  // Hash and equality of members by name (NameIndex) or by id (IdIndex),
  // each also against the bare key: one pointer a member per index.
  struct NameHashEq {
    using is_transparent = void;
    size_t operator()(const Member* m) const;
    size_t operator()(absl::string_view name) const;
    bool operator()(const Member* a, const Member* b) const;
    bool operator()(const Member* a, absl::string_view b) const;
  };
  struct IdHashEq {
    using is_transparent = void;
    size_t operator()(const Member* m) const;
    size_t operator()(uint64_t id) const;
    bool operator()(const Member* a, const Member* b) const;
    bool operator()(const Member* a, uint64_t b) const;
  };
  using NameIndex = absl::flat_hash_set<Member*, NameHashEq, NameHashEq>;
  using IdIndex = absl::flat_hash_set<Member*, IdHashEq, IdHashEq>;

  // Owns the members (deleted by Erase and the destructor); ordered:
  // digests and full states walk it.
  MemberSet members_;
  // The same members by name, for O(1) lookups on the hot merge path.
  NameIndex index_;
  Member* self_;
  std::vector<const Member*> peers_;
  // news_[k]: members with k sends left, oldest first; news_[0] unused.
  std::vector<NewsBucket> news_;
  // Members with fresh heartbeats, oldest at the head (intrusive list
  // through Extra::fresh_prev/fresh_next); at most kMaxFresh.
  static constexpr size_t kMaxFresh = 1024;
  Member* fresh_head_ = nullptr;
  Member* fresh_tail_ = nullptr;
  size_t fresh_count_ = 0;
  std::vector<Member*> lookups_;  // MergeEntries' scratch space
  std::string reap_cursor_;       // where the next Reap resumes ("": the start)
  // name -> (generation removed, when)
  absl::flat_hash_map<std::string, std::pair<uint64_t, MonoTime>> tombstones_;
  // Members but self whose `extra` exists (v2: what Reap examines).
  absl::flat_hash_set<Member*> with_extra_;
  // Failed and left members by when they retired (failed_at or left_at),
  // oldest first: what a full table evicts.
  std::set<std::pair<MonoTime, Member*>> retired_;
  // Bumped by every removal: MergeEntries' looked-up pointers are stale
  // once it moves.
  uint64_t removals_ = 0;

  // v2.
  MonitorRing ring_;
  IdIndex by_id_;
  uint64_t members_hash_ = 0;
  std::array<uint64_t, kBuckets> bucket_hashes_{};
  // Members holding reports (what SummaryKeys walks).
  absl::flat_hash_set<const Member*> reported_;
  uint64_t report_seq_ = 0;       // our own report counter (this generation)
  std::vector<Member*> confers_;  // see Extra::confer_slot
  // (subject id, peer id) for TakeAnswers: by id, so that a member evicted
  // before they are taken leaves nothing dangling.
  std::vector<std::pair<uint64_t, uint64_t>> answers_;
  // Members we report suspect ourselves.
  absl::flat_hash_set<Member*> own_suspects_;
  // Others' suspect reports by when their lease runs out, soonest first
  // (every lease is ReportLease() long, so arrival order is due order). By
  // id and seq: a report replaced, or a member reaped, leaves a lease that
  // matches nothing. At most kMaxLeases (the oldest is then dropped: its
  // report stands as before leases, until a recovery replaces it).
  struct Lease {
    MonoTime due;
    uint64_t subject, monitor, seq;
  };
  static constexpr size_t kMaxLeases = 1 << 16;
  std::deque<Lease> leases_;
  absl::flat_hash_set<Member*> reevaluate_;
  // v2: our subjects at the last CheckSubjects (a newly given one whose
  // detector only holds an old assignment's arrivals starts afresh).
  std::vector<uint64_t> subjects_;
  bool urgent_ = false;
  bool bootstrapping_ = false;  // Bootstrap: RingChanged queues nothing
  std::optional<MemberRecord> name_conflict_;
};

}  // namespace phid

#endif  // PHID_GOSSIP_MEMBERSHIP_H_
