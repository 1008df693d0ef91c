// WatchOutbox: the messages waiting to be written to one Watch stream.
//
// gRPC allows one write in flight per stream; whatever the hub sends
// meanwhile waits here. Transitions, snapshots and heartbeats are never
// dropped or reordered; a Levels message supersedes a Levels message still
// waiting (latest wins, and it moves to the back so it never overtakes a
// transition it already reflects). The sequence number is stamped when a
// message leaves, so it rises by exactly one per message the client sees.
//
// A stream that does not keep up shows it in two ways the owner acts on:
// Push() refuses once `max_queued` messages wait, and WriteAge() tells how
// long the write in flight has been outstanding.
//
// Pure and not thread-safe: WatchReactor guards it with its mutex.
#ifndef PHID_SERVER_WATCH_OUTBOX_H_
#define PHID_SERVER_WATCH_OUTBOX_H_

#include <cstddef>
#include <cstdint>
#include <deque>

#include "absl/time/time.h"
#include "detector/base/clock.h"
#include "proto/phi.pb.h"

namespace phid {

class WatchOutbox {
 public:
  // Messages that may wait (superseded levels not counted). Must be >= 1.
  explicit WatchOutbox(size_t max_queued);
  WatchOutbox(const WatchOutbox&) = delete;
  WatchOutbox& operator=(const WatchOutbox&) = delete;

  // Queues `message`. False if max_queued messages already wait: the
  // subscriber is too slow (nothing is queued then).
  bool Push(const phi::v1::WatchResponse& message);

  // If no write is in flight and a message waits: moves it in flight,
  // stamps its sequence and returns it (valid until WriteDone). Else null.
  const phi::v1::WatchResponse* StartWrite(MonoTime now);
  // The write in flight completed.
  void WriteDone();

  bool write_in_flight() const { return in_flight_; }
  // How long the write in flight has been outstanding; zero if none.
  absl::Duration WriteAge(MonoTime now) const;
  // Messages waiting (not counting the one in flight).
  size_t queued() const { return queue_.size() - superseded_; }
  // Levels messages replaced by newer ones before they were written.
  uint64_t coalesced() const { return coalesced_; }
  uint64_t last_sequence() const { return sequence_; }

 private:
  size_t max_queued_;
  std::deque<phi::v1::WatchResponse> queue_;
  phi::v1::WatchResponse* waiting_levels_ = nullptr;  // in queue_, or null
  size_t superseded_ = 0;  // cleared entries left in queue_
  uint64_t coalesced_ = 0;
  uint64_t sequence_ = 0;
  bool in_flight_ = false;
  MonoTime write_started_;
  phi::v1::WatchResponse writing_;
};

}  // namespace phid

#endif  // PHID_SERVER_WATCH_OUTBOX_H_
