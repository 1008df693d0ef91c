#include "client/watch_state.h"

namespace phid {

WatchState::Result WatchState::Apply(const phi::v1::WatchResponse& message) {
  Result result;
  result.new_epoch = has_epoch_ && message.epoch() != epoch_;

  if (message.has_snapshot()) {
    has_epoch_ = true;
    has_snapshot_ = true;
    epoch_ = message.epoch();
    last_sequence_ = message.sequence();
    self_ = message.snapshot().self();
    peers_.clear();
    for (const phi::v1::Peer& peer : message.snapshot().peers()) {
      peers_[peer.name()] = peer;
    }
    result.outcome = Outcome::kSnapshot;
    return result;
  }

  if (result.new_epoch) {
    // The daemon restarted and this stream skipped its snapshot: what we hold
    // describes a process that no longer exists.
    const uint64_t epoch = message.epoch();
    Reset();
    has_epoch_ = true;
    epoch_ = epoch;
  }
  if (!has_snapshot_) {
    result.outcome = Outcome::kAwaitingSnapshot;
    return result;
  }
  if (message.sequence() == last_sequence_) {
    result.outcome = Outcome::kDuplicate;
    return result;
  }
  if (message.sequence() < last_sequence_) {
    result.outcome = Outcome::kOutOfOrder;
    return result;
  }
  result.outcome = message.sequence() == last_sequence_ + 1
                       ? Outcome::kApplied
                       : Outcome::kAppliedAfterGap;
  last_sequence_ = message.sequence();

  switch (message.event_case()) {
    case phi::v1::WatchResponse::kTransition:
      ApplyTransition(message.transition());
      break;
    case phi::v1::WatchResponse::kLevels:
      ApplyLevels(message.levels());
      break;
    case phi::v1::WatchResponse::kHeartbeat:
    case phi::v1::WatchResponse::kSnapshot:
    case phi::v1::WatchResponse::EVENT_NOT_SET:
      break;
  }
  return result;
}

void WatchState::Reset() { *this = WatchState(); }

void WatchState::ApplyTransition(const phi::v1::Transition& transition) {
  const phi::v1::Peer& peer = transition.peer();
  if (peer.state() == phi::v1::PEER_STATE_REMOVED) {
    peers_.erase(peer.name());
  } else {
    peers_[peer.name()] = peer;
  }
}

void WatchState::ApplyLevels(const phi::v1::Levels& levels) {
  for (const phi::v1::Level& level : levels.levels()) {
    auto it = peers_.find(level.name());
    // A level for a member we have not seen join is ignored: the transition
    // that introduces it carries the whole Peer.
    if (it == peers_.end()) continue;
    it->second.set_phi(level.phi());
    if (level.state() != phi::v1::PEER_STATE_UNSPECIFIED) {
      it->second.set_state(level.state());
    }
  }
}

const char* OutcomeName(WatchState::Outcome outcome) {
  switch (outcome) {
    case WatchState::Outcome::kSnapshot:
      return "SNAPSHOT";
    case WatchState::Outcome::kApplied:
      return "APPLIED";
    case WatchState::Outcome::kAppliedAfterGap:
      return "APPLIED_AFTER_GAP";
    case WatchState::Outcome::kDuplicate:
      return "DUPLICATE";
    case WatchState::Outcome::kOutOfOrder:
      return "OUT_OF_ORDER";
    case WatchState::Outcome::kAwaitingSnapshot:
      return "AWAITING_SNAPSHOT";
  }
  return "?";
}

}  // namespace phid
