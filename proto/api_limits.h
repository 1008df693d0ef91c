// The limits of the phi.v1 API, in one place: every check of a request and
// every document of one (proto/phi.proto, README.md, phictl's help) uses
// these names. Changing one changes what clients may send: say so in
// proto/phi.proto.
#ifndef PHID_PROTO_API_LIMITS_H_
#define PHID_PROTO_API_LIMITS_H_

#include <cstddef>

#include "absl/time/time.h"

namespace phid {

// Valid thresholds are (0, kMaxPhiThreshold]; 0 means the daemon's
// --default_threshold, which lies in the same range.
inline constexpr double kMaxPhiThreshold = 64;
// Every phi the API reports is clamped to this (finite, JSON friendly).
inline constexpr double kMaxReportedPhi = 1000;
// WatchRequest.level_interval: 0 (no levels) or at least this.
inline constexpr absl::Duration kMinLevelInterval = absl::Milliseconds(100);
// WatchRequest.idle_interval: 0 (kDefaultIdleInterval) or within
// [kMinIdleInterval, kMaxIdleInterval].
inline constexpr absl::Duration kMinIdleInterval = absl::Milliseconds(100);
inline constexpr absl::Duration kMaxIdleInterval = absl::Hours(1);
inline constexpr absl::Duration kDefaultIdleInterval = absl::Seconds(5);
// WatchRequest.names: at most this many (more is INVALID_ARGUMENT). A
// cluster larger than this is watched whole (names empty) or by tags.
inline constexpr size_t kMaxWatchNames = 1000;
// An error message quotes at most this many bytes of a value the client
// sent, then "…" (server/echo.h).
inline constexpr size_t kMaxEchoedBytes = 64;
// A status message is cut short after this many bytes, whatever it quotes.
inline constexpr size_t kMaxStatusMessageBytes = 1024;

// Largest request message the gRPC server reads (a WatchRequest with
// kMaxWatchNames names of 128 bytes is about 131 KB).
inline constexpr size_t kMaxRequestBytes = 1 << 20;
// The status page's JSON (server/status_page.h): /v1/peers pages of
// kDefaultPeersPageSize members unless `limit` asks for 1 to
// kMaxPeersPageSize; /v1/events keeps the last kTransitionLogCapacity
// transitions and returns kDefaultEventsPerResponse of them unless
// `limit` asks for 1 to kMaxEventsPerResponse.
inline constexpr size_t kDefaultPeersPageSize = 100;
inline constexpr size_t kMaxPeersPageSize = 1000;
inline constexpr size_t kTransitionLogCapacity = 1000;
inline constexpr size_t kDefaultEventsPerResponse = 100;
inline constexpr size_t kMaxEventsPerResponse = 500;
// The status page's filter (`q`): at most this many bytes.
inline constexpr size_t kMaxPeersFilterBytes = 256;

}  // namespace phid

#endif  // PHID_PROTO_API_LIMITS_H_
