// Text for people and scripts: what phictl prints.
//
//   FormatPeersTable  an aligned table of members, one row each;
//   FormatPeer        one member in detail, a "key: value" line per field;
//   FormatWatchEvent  one line per Watch message;
//   ToJsonLine        any message as one line of JSON (proto3 JSON mapping,
//                     lowerCamel names, zero values included; 64-bit
//                     integers are strings, as in every proto3 JSON).
//
// Durations print short ("850ms", "1.2s", "3m05s"); absent values print "-".
// Pure functions: thread-safe, no I/O, no clock (times come from the
// messages), so the output is unit-tested byte for byte.
#ifndef PHID_CLIENT_FORMAT_H_
#define PHID_CLIENT_FORMAT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/message.h"
#include "proto/phi.pb.h"

namespace phid {

// Columns NAME STATE PHI TTT LAST_HB MEAN STDDEV SUSPECTED_BY GEN ADDRESS
// TAGS; the daemon's own row has a '*' after its name. Rows sorted by name.
// TTT is the time until phi reaches the threshold; LAST_HB the age of the
// newest heartbeat; MEAN and STDDEV the heartbeat interval ("-" before any
// sample). Tags as "k=v,k2=v2", sorted. Ends with a newline.
std::string FormatPeersTable(const phi::v1::ListPeersResponse& response);

// Every field of one member, aligned "key: value" lines.
std::string FormatPeer(const phi::v1::Peer& peer);

// One line, no newline, prefixed with the daemon's send time in `zone`:
//   12:00:01.250 snapshot: 3 members, 2 alive, 1 suspect (b) [self a, epoch 7]
//   12:00:02.000 b ALIVE -> SUSPECT phi=8.40 threshold=8 (crossed threshold)
//   12:00:03.000 levels: a 0.10, b 9.20 SUSPECT
//   12:00:04.000 idle heartbeat
std::string FormatWatchEvent(const phi::v1::WatchResponse& message,
                             absl::TimeZone zone);

// "-" if unset, else e.g. "0s", "850ms", "1.2s", "3m05s", "2h10m".
std::string FormatShortDuration(absl::Duration duration);
std::string FormatProtoDuration(const google::protobuf::Duration& duration,
                                bool present);

// PEER_STATE_SUSPECT -> "SUSPECT".
std::string PeerStateName(phi::v1::PeerState state);

// How many members are in each state; the suspects by name.
struct PeerStateCounts {
  int alive = 0;
  int left = 0;
  int failed = 0;
  int other = 0;
  std::vector<std::string> suspects;
};
PeerStateCounts CountStates(
    const google::protobuf::RepeatedPtrField<phi::v1::Peer>& peers);

// One JSON object on one line (no newline). INTERNAL if the message cannot
// be printed (it always can for phi.v1 messages).
absl::StatusOr<std::string> ToJsonLine(
    const google::protobuf::Message& message);

}  // namespace phid

#endif  // PHID_CLIENT_FORMAT_H_
