// WatchHub: every Watch subscriber of one daemon, and the schedule of what
// each must be told when.
//
// The PeerApi (peer_api.h) feeds the hub what the gossip node learned
// (OnMemberEvent, then OnMembersChanged with the views of members that had
// arrivals or events) and calls Fire(now) when NextDue() comes. The hub
// turns that into WatchResponse messages for each subscriber's WatchSink:
// a snapshot on Subscribe, transitions, periodic levels and idle heartbeats.
//
// Judgement is shared: subscribers with the same (threshold, recovery
// threshold) share one Subscription (a "judge" without name or tag filter),
// and filters apply when a judge's transition fans out. So an arrival costs
// O(distinct threshold pairs), not O(subscribers), and 10,000 watchers at a
// handful of thresholds cost little more than one.
//
// Crossings sit in a min-heap of (due, judge, member); an arrival that moves
// a crossing pushes a new entry and leaves the old one to be skipped when it
// surfaces (lazy invalidation: an entry is live only if the judge still has
// that member's crossing at that instant). Levels and idle heartbeats sit in
// a second heap of per-subscriber timers, invalidated the same way.
//
// Messages carry the process epoch and the wall time they were produced;
// the per-stream sequence number is stamped by the stream (WatchOutbox)
// because that is where level messages are coalesced.
//
// Pure logic: no clock (time comes in), no threads, no gRPC. Not
// thread-safe: the PeerApi guards it with the lock that guards the node.
#ifndef PHID_SERVER_WATCH_HUB_H_
#define PHID_SERVER_WATCH_HUB_H_

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <queue>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "detector/base/clock.h"
#include "detector/phi.h"
#include "gossip/events.h"
#include "gossip/member.h"
#include "proto/phi.pb.h"
#include "server/subscription.h"

namespace phid {

// Where a subscriber's messages go (a gRPC stream, or a test's capture).
class WatchSink {
 public:
  virtual ~WatchSink() = default;
  // Called on the hub's thread while the hub's owner holds its lock: must
  // not block and must not call back into the hub.
  virtual void Send(const phi::v1::WatchResponse& message) = 0;
};

class WatchHub {
 public:
  using SubscriberId = uint64_t;

  struct Options {
    // Identifies this process in every message (WatchResponse.epoch).
    uint64_t epoch = 0;
    // Wall time for WatchResponse.sent_unix_micros; null = leave it 0.
    std::function<int64_t()> unix_micros;
  };

  struct Counters {
    // Transition messages sent, by phi::v1::TransitionReason.
    std::array<uint64_t, phi::v1::TransitionReason_ARRAYSIZE> transitions{};
    uint64_t snapshots = 0;
    uint64_t levels = 0;
    uint64_t heartbeats = 0;
  };

  explicit WatchHub(Options options);
  WatchHub(const WatchHub&) = delete;
  WatchHub& operator=(const WatchHub&) = delete;

  // Adds a subscriber and sends it the snapshot at once.
  SubscriberId Subscribe(WatchSpec spec, std::shared_ptr<WatchSink> sink,
                         MonoTime now);
  // Stops sending to `id`. Unknown ids are ignored.
  void Unsubscribe(SubscriberId id);

  // Membership news; `event.at` is its time. Give events before the views
  // of the same round (a restart must reset judgement before the new
  // generation's first arrival is judged). OBSERVER_PAUSED goes to every
  // subscriber whatever its filter: the pause affected the judgement of all
  // members. After it, give the views of all members.
  void OnMemberEvent(const MemberEvent& event);
  // Fresh views of members (arrivals, re-evaluation), judged at `now`.
  void OnMembersChanged(const std::vector<MemberView>& views, MonoTime now);
  // Sends everything due at or before `now`: crossings, levels, heartbeats.
  void Fire(MonoTime now);
  // When Fire next has something to do; InfiniteDuration() if never.
  // May be early (an invalidated entry), never late.
  MonoTime NextDue() const;

  size_t subscribers() const { return subscribers_.size(); }
  size_t judges() const { return judges_.size(); }
  size_t scheduled_crossings() const { return crossings_.size(); }
  const Counters& counters() const { return counters_; }
  // The subscriber's judged state of `name` (UNSPECIFIED if unknown).
  phi::v1::PeerState StateFor(SubscriberId id, const std::string& name) const;

 private:
  struct Judge;
  struct Subscriber {
    SubscriberId id;
    WatchSpec spec;
    std::shared_ptr<WatchSink> sink;
    Judge* judge;
    MonoTime next_level = absl::InfiniteDuration();
    MonoTime last_sent;
    MonoTime idle_due;  // the live idle timer entry
  };
  struct Judge {
    Judge(uint64_t id, WatchSpec spec) : id(id), judgement(std::move(spec)) {}
    uint64_t id;
    Subscription judgement;
    std::map<SubscriberId, Subscriber*> subscribers;
  };
  struct Crossing {
    MonoTime due;
    uint64_t judge;
    std::string member;
    bool operator>(const Crossing& o) const {
      if (due != o.due) return due > o.due;
      if (judge != o.judge) return judge > o.judge;
      return member > o.member;
    }
  };
  enum class TimerKind { kLevel, kIdle };
  struct Timer {
    MonoTime due;
    SubscriberId subscriber;
    TimerKind kind;
    bool operator>(const Timer& o) const {
      if (due != o.due) return due > o.due;
      if (subscriber != o.subscriber) return subscriber > o.subscriber;
      return kind > o.kind;
    }
  };
  using JudgeKey = std::pair<double, double>;

  Judge& JudgeFor(const WatchSpec& spec, MonoTime now);
  void Judged(Judge& judge, const std::string& name,
              const Subscription::Update& update, MonoTime before,
              const MemberRecord& record, MonoTime now);
  // Tells subscribers whose selector matched a member's old record but not
  // its restarted one that it left their view (state REMOVED).
  void NotifyStoppedMatching(const MemberRecord& record, MonoTime now);
  void EmitTransition(Judge& judge, const MemberTransition& t,
                      const MemberRecord& record, MonoTime now);
  void Deliver(Subscriber& s, phi::v1::WatchResponse& message, MonoTime now);
  void SendLevels(Subscriber& s, MonoTime now);
  void FireTimer(const Timer& timer, MonoTime now);
  void MaybeCompact();

  Options options_;
  Counters counters_;
  std::string self_name_;
  uint64_t next_subscriber_ = 1;
  uint64_t next_judge_ = 1;
  std::map<std::string, MemberView> views_;  // by name: snapshots in order
  std::map<JudgeKey, std::unique_ptr<Judge>> judges_;
  absl::flat_hash_map<uint64_t, Judge*> judges_by_id_;
  std::map<SubscriberId, std::unique_ptr<Subscriber>> subscribers_;
  std::priority_queue<Crossing, std::vector<Crossing>, std::greater<Crossing>>
      crossings_;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> timers_;
  // phi of every view at one Fire's `now`, shared by all level messages.
  MonoTime levels_at_ = absl::InfiniteDuration();
  absl::flat_hash_map<std::string, double> level_phi_;
};

}  // namespace phid

#endif  // PHID_SERVER_WATCH_HUB_H_
