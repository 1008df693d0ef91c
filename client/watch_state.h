// WatchState: the current view of the members, rebuilt from a Watch stream.
//
// A Watch stream (see proto/phi.proto) starts with a Snapshot and then sends
// Transitions, Levels and idle heartbeats. Feed every WatchResponse to
// Apply() in the order received, across reconnections, and peers() is the
// daemon's view as judged against this subscriber's threshold:
//   * a Snapshot replaces the whole view (every new stream starts with one,
//     so a reconnection re-establishes the state by itself);
//   * a Transition upserts its peer, or erases it when the state is REMOVED;
//   * Levels update phi and state of members already in the view.
// Sequence numbers count the messages of one stream, so a message whose
// sequence is not after the last one is a duplicate or out of order and is
// ignored. A new epoch means the daemon restarted: without a snapshot from
// that epoch the view is stale, so it is cleared until the snapshot arrives.
//
// Pure logic, no gRPC calls: unit-tested without a server. Not thread-safe;
// use from the thread that reads the stream.
#ifndef PHID_CLIENT_WATCH_STATE_H_
#define PHID_CLIENT_WATCH_STATE_H_

#include <cstdint>
#include <map>
#include <string>

#include "proto/phi.pb.h"

namespace phid {

class WatchState {
 public:
  // What Apply() did with a message.
  enum class Outcome {
    kSnapshot,          // the view was replaced
    kApplied,           // a transition, levels or heartbeat, in order
    kAppliedAfterGap,   // applied, but messages before it were skipped
    kDuplicate,         // sequence equal to the last one; ignored
    kOutOfOrder,        // sequence before the last one; ignored
    kAwaitingSnapshot,  // no snapshot of this epoch yet; ignored
  };

  struct Result {
    Outcome outcome;
    // The message came from another epoch than the previous message: the
    // daemon restarted (false for the very first message).
    bool new_epoch = false;
  };

  WatchState() = default;
  WatchState(const WatchState&) = default;
  WatchState& operator=(const WatchState&) = default;

  Result Apply(const phi::v1::WatchResponse& message);

  // Forgets everything, as if newly constructed.
  void Reset();

  // True once a snapshot of the current epoch was applied.
  bool has_snapshot() const { return has_snapshot_; }
  // Members by name, as of the last applied message.
  const std::map<std::string, phi::v1::Peer>& peers() const { return peers_; }
  // The daemon's own member name, from the last snapshot.
  const std::string& self() const { return self_; }
  uint64_t epoch() const { return epoch_; }
  uint64_t last_sequence() const { return last_sequence_; }

 private:
  void ApplyTransition(const phi::v1::Transition& transition);
  void ApplyLevels(const phi::v1::Levels& levels);

  bool has_epoch_ = false;
  bool has_snapshot_ = false;
  uint64_t epoch_ = 0;
  uint64_t last_sequence_ = 0;
  std::string self_;
  std::map<std::string, phi::v1::Peer> peers_;
};

// "SNAPSHOT", "DUPLICATE", ... for logs and test failures.
const char* OutcomeName(WatchState::Outcome outcome);

}  // namespace phid

#endif  // PHID_CLIENT_WATCH_STATE_H_
