#include "server/watch_hub.h"

#include <algorithm>

#include "proto/duration.h"
#include "server/peer_message.h"

namespace phid {

namespace v1 = ::phi::v1;

WatchHub::WatchHub(Options options) : options_(std::move(options)) {}

WatchHub::Judge& WatchHub::JudgeFor(const WatchSpec& spec, MonoTime now) {
  JudgeKey key{spec.threshold, spec.recovery_threshold};
  auto it = judges_.find(key);
  if (it != judges_.end()) return *it->second;
  WatchSpec unfiltered;
  unfiltered.threshold = spec.threshold;
  unfiltered.recovery_threshold = spec.recovery_threshold;
  auto judge = std::make_unique<Judge>(next_judge_++, unfiltered);
  Judge& j = *judge;
  judges_by_id_[j.id] = &j;
  judges_.emplace(key, std::move(judge));
  // Judge what is already known, silently: the snapshot reports it.
  for (const auto& [name, view] : views_) {
    Subscription::Update update = j.judgement.OnView(view, now);
    if (update.crossing_due != absl::InfiniteDuration()) {
      crossings_.push(Crossing{update.crossing_due, j.id, name});
    }
  }
  return j;
}

WatchHub::SubscriberId WatchHub::Subscribe(WatchSpec spec,
                                           std::shared_ptr<WatchSink> sink,
                                           MonoTime now) {
  Judge& judge = JudgeFor(spec, now);
  auto owned = std::make_unique<Subscriber>();
  Subscriber& s = *owned;
  s.id = next_subscriber_++;
  s.spec = std::move(spec);
  s.sink = std::move(sink);
  s.judge = &judge;
  judge.subscribers[s.id] = &s;
  subscribers_[s.id] = std::move(owned);

  v1::WatchResponse message;
  v1::Snapshot* snapshot = message.mutable_snapshot();
  snapshot->set_self(self_name_);
  for (const auto& [name, view] : views_) {
    if (!s.spec.Matches(view.record)) continue;
    FillPeer(view, judge.judgement.StateOf(name), s.spec.threshold, now,
             snapshot->add_peers());
  }
  for (const std::string& name : s.spec.names) {
    if (views_.count(name) == 0) snapshot->add_unknown_names(name);
  }
  ++counters_.snapshots;
  Deliver(s, message, now);

  if (s.spec.level_interval > absl::ZeroDuration()) {
    s.next_level = now + s.spec.level_interval;
    timers_.push(Timer{s.next_level, s.id, TimerKind::kLevel});
  }
  s.idle_due = now + s.spec.idle_interval;
  timers_.push(Timer{s.idle_due, s.id, TimerKind::kIdle});
  return s.id;
}

void WatchHub::Unsubscribe(SubscriberId id) {
  auto it = subscribers_.find(id);
  if (it == subscribers_.end()) return;
  Judge* judge = it->second->judge;
  judge->subscribers.erase(id);
  subscribers_.erase(it);
  if (judge->subscribers.empty()) {
    // Its heap entries die lazily: their judge id no longer resolves.
    judges_by_id_.erase(judge->id);
    judges_.erase(JudgeKey{judge->judgement.spec().threshold,
                           judge->judgement.spec().recovery_threshold});
  }
}

void WatchHub::Deliver(Subscriber& s, v1::WatchResponse& message,
                       MonoTime now) {
  message.set_epoch(options_.epoch);
  if (options_.unix_micros)
    message.set_sent_unix_micros(options_.unix_micros());
  s.sink->Send(message);
  s.last_sent = now;
}

void WatchHub::EmitTransition(Judge& judge, const MemberTransition& t,
                              const MemberRecord& record, MonoTime now) {
  if (judge.subscribers.empty()) return;
  v1::WatchResponse message;
  v1::Transition* transition = message.mutable_transition();
  transition->set_previous_state(t.previous);
  transition->set_reason(t.reason);
  transition->set_phi(t.phi);
  double threshold = judge.judgement.spec().threshold;
  auto view = views_.find(t.name);
  if (view != views_.end() &&
      view->second.record.generation == record.generation &&
      t.state != v1::PEER_STATE_REMOVED) {
    FillPeer(view->second, t.state, threshold, now, transition->mutable_peer());
  } else {
    FillPeerFromRecord(record, t.state, threshold, transition->mutable_peer());
  }
  for (auto& [id, s] : judge.subscribers) {
    if (!s->spec.Matches(record)) continue;
    ++counters_.transitions[t.reason];
    Deliver(*s, message, now);
  }
}

void WatchHub::Judged(Judge& judge, const std::string& name,
                      const Subscription::Update& update, MonoTime before,
                      const MemberRecord& record, MonoTime now) {
  if (update.transition) EmitTransition(judge, *update.transition, record, now);
  if (update.crossing_due != absl::InfiniteDuration() &&
      update.crossing_due != before) {
    crossings_.push(Crossing{update.crossing_due, judge.id, name});
  }
}

void WatchHub::OnMemberEvent(const MemberEvent& event) {
  MonoTime now = event.at;
  if (event.type == MemberEventType::kObserverPaused) {
    v1::WatchResponse message;
    v1::Transition* transition = message.mutable_transition();
    transition->set_previous_state(v1::PEER_STATE_ALIVE);
    transition->set_reason(v1::TRANSITION_REASON_OBSERVER_PAUSED);
    ToProtoDuration(std::max(event.paused, absl::ZeroDuration()),
                    transition->mutable_paused());
    auto self = views_.find(event.record.name);
    if (self != views_.end()) {
      FillPeer(self->second, v1::PEER_STATE_ALIVE, 0, now,
               transition->mutable_peer());
    } else {
      FillPeerFromRecord(event.record, v1::PEER_STATE_ALIVE, 0,
                         transition->mutable_peer());
      transition->mutable_peer()->set_is_self(true);
    }
    for (auto& [id, s] : subscribers_) {
      transition->mutable_peer()->set_threshold(s->spec.threshold);
      ++counters_.transitions[v1::TRANSITION_REASON_OBSERVER_PAUSED];
      Deliver(*s, message, now);
    }
    return;
  }
  const std::string& name = event.record.name;
  if (event.type == MemberEventType::kRestarted) {
    NotifyStoppedMatching(event.record, now);
  }
  // The event's record is newer than the last view (e.g. status LEFT);
  // transitions must not report the member as it was.
  auto known = views_.find(name);
  if (known != views_.end() &&
      known->second.record.generation == event.record.generation) {
    known->second.record = event.record;
  }
  for (auto& [key, judge] : judges_) {
    MonoTime before = judge->judgement.CrossingDue(name);
    Judged(*judge, name, judge->judgement.OnMemberEvent(event), before,
           event.record, now);
  }
  if (event.type == MemberEventType::kRemoved) views_.erase(name);
}

void WatchHub::NotifyStoppedMatching(const MemberRecord& record, MonoTime now) {
  auto old = views_.find(record.name);
  if (old == views_.end()) return;
  const MemberRecord& before = old->second.record;
  for (auto& [id, s] : subscribers_) {
    if (!s->spec.Matches(before) || s->spec.Matches(record)) continue;
    // Restarted with tags this subscriber does not select: the member
    // leaves its view, or it would silently keep a stale entry.
    v1::WatchResponse message;
    v1::Transition* transition = message.mutable_transition();
    transition->set_previous_state(s->judge->judgement.StateOf(record.name));
    transition->set_reason(v1::TRANSITION_REASON_RESTARTED);
    FillPeerFromRecord(record, v1::PEER_STATE_REMOVED, s->spec.threshold,
                       transition->mutable_peer());
    ++counters_.transitions[v1::TRANSITION_REASON_RESTARTED];
    Deliver(*s, message, now);
  }
}

void WatchHub::OnMembersChanged(const std::vector<MemberView>& views,
                                MonoTime now) {
  levels_at_ = absl::InfiniteDuration();  // cached level phis are stale
  for (const MemberView& view : views) {
    const std::string& name = view.record.name;
    if (view.is_self) self_name_ = name;
    views_[name] = view;
    for (auto& [key, judge] : judges_) {
      MonoTime before = judge->judgement.CrossingDue(name);
      Judged(*judge, name, judge->judgement.OnView(view, now), before,
             view.record, now);
    }
  }
  MaybeCompact();
}

void WatchHub::MaybeCompact() {
  size_t live_bound = judges_.size() * views_.size();
  if (crossings_.size() <= 2 * live_bound + 1024) return;
  std::vector<Crossing> live;
  live.reserve(live_bound);
  while (!crossings_.empty()) {
    const Crossing& c = crossings_.top();
    auto j = judges_by_id_.find(c.judge);
    if (j != judges_by_id_.end() &&
        j->second->judgement.CrossingDue(c.member) == c.due) {
      live.push_back(c);
    }
    crossings_.pop();
  }
  crossings_ = decltype(crossings_)(std::greater<Crossing>(), std::move(live));
}

void WatchHub::Fire(MonoTime now) {
  while (!crossings_.empty() && crossings_.top().due <= now) {
    Crossing c = crossings_.top();
    crossings_.pop();
    auto j = judges_by_id_.find(c.judge);
    if (j == judges_by_id_.end()) continue;
    Judge& judge = *j->second;
    if (judge.judgement.CrossingDue(c.member) != c.due) continue;  // stale
    auto view = views_.find(c.member);
    if (view == views_.end()) continue;
    Judged(judge, c.member, judge.judgement.OnView(view->second, now), c.due,
           view->second.record, now);
  }
  while (!timers_.empty() && timers_.top().due <= now) {
    Timer timer = timers_.top();
    timers_.pop();
    FireTimer(timer, now);
  }
}

void WatchHub::FireTimer(const Timer& timer, MonoTime now) {
  auto it = subscribers_.find(timer.subscriber);
  if (it == subscribers_.end()) return;
  Subscriber& s = *it->second;
  if (timer.kind == TimerKind::kLevel) {
    if (timer.due != s.next_level) return;
    SendLevels(s, now);
    s.next_level += s.spec.level_interval;
    if (s.next_level <= now) s.next_level = now + s.spec.level_interval;
    timers_.push(Timer{s.next_level, s.id, TimerKind::kLevel});
    return;
  }
  if (timer.due != s.idle_due) return;
  MonoTime quiet_until = s.last_sent + s.spec.idle_interval;
  if (quiet_until <= now) {
    v1::WatchResponse message;
    message.mutable_heartbeat();
    ++counters_.heartbeats;
    Deliver(s, message, now);
    quiet_until = now + s.spec.idle_interval;
  }
  // Something else was sent meanwhile: look again when that goes quiet.
  s.idle_due = quiet_until;
  timers_.push(Timer{s.idle_due, s.id, TimerKind::kIdle});
}

void WatchHub::SendLevels(Subscriber& s, MonoTime now) {
  if (levels_at_ != now) {
    level_phi_.clear();
    levels_at_ = now;
  }
  v1::WatchResponse message;
  v1::Levels* levels = message.mutable_levels();
  for (const auto& [name, view] : views_) {
    if (!s.spec.Matches(view.record)) continue;
    auto [cached, is_new] = level_phi_.try_emplace(name, 0.0);
    if (is_new) cached->second = PhiOfView(view, now);
    v1::Level* level = levels->add_levels();
    level->set_name(name);
    level->set_phi(cached->second);
    level->set_state(s.judge->judgement.StateOf(name));
  }
  ++counters_.levels;
  Deliver(s, message, now);
}

MonoTime WatchHub::NextDue() const {
  MonoTime due = absl::InfiniteDuration();
  if (!crossings_.empty()) due = std::min(due, crossings_.top().due);
  if (!timers_.empty()) due = std::min(due, timers_.top().due);
  return due;
}

v1::PeerState WatchHub::StateFor(SubscriberId id,
                                 const std::string& name) const {
  auto it = subscribers_.find(id);
  if (it == subscribers_.end()) return v1::PEER_STATE_UNSPECIFIED;
  const Subscriber& s = *it->second;
  auto view = views_.find(name);
  if (view == views_.end() || !s.spec.Matches(view->second.record)) {
    return v1::PEER_STATE_UNSPECIFIED;
  }
  return s.judge->judgement.StateOf(name);
}

}  // namespace phid
