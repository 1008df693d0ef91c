// The status page: a read-only web view of one daemon, served on its metrics
// HTTP port next to /metrics.
//
//   GET /            the page (server/status_page.html, compiled into the
//                    binary; no external resources). It polls the two JSON
//                    endpoints below about once a second.
//   GET /v1/peers    one page of members, as ListPeers returns them.
//   GET /v1/events   the latest transitions at the default threshold.
//
// The JSON uses the gRPC API's messages, printed by protobuf's JSON printer
// with the .proto field names (phi_threshold, not phiThreshold), every
// scalar printed even when zero, enums by name, 64-bit integers and
// Durations as strings ("1795664793790606", "0.528s"):
//
//   /v1/peers?offset=0&limit=100&q=TEXT&state=suspect&sort=phi
//             &phi_threshold=8&tag_selector=k=v
//     {"total": 5,            members this daemon knows, itself included
//      "counts": {"alive": 4, "suspect": 1, "failed": 0, "left": 0},
//                                                          over all of them
//      "matched": 1,          members that pass q, state and tag_selector
//      "offset": 0, "limit": 100,
//      "self": "node-1", "threshold": 8,                  as ListPeersResponse
//      "peers": [phi.v1.Peer, ...]}   matched[offset, offset + limit)
//   offset: >= 0 (default 0); limit: 1..kMaxPeersPageSize (default
//   kDefaultPeersPageSize); q: case-insensitive substring of the name, the
//   gossip address or a "key=value" tag, at most kMaxPeersFilterBytes;
//   state: alive, suspect, failed or left; sort: name (default) or phi
//   (highest first, then name); phi_threshold and tag_selector:
//   ListPeersRequest's fields, same rules.
//
//   /v1/events?after=SEQUENCE&limit=100
//     {"epoch": "...", "last_sequence": "42",
//      "events": [phi.v1.WatchResponse with a transition, ...]}
//   The transitions whose sequence is above `after` (default 0), oldest
//   first; only the newest `limit` (1..kMaxEventsPerResponse, default
//   kDefaultEventsPerResponse)
//   if there are more. The daemon keeps the last kTransitionLogCapacity.
//   Sequences count from 1 per process; a new epoch is a restarted daemon.
//
// Bad parameters get 400 and {"error": "..."} naming the parameter.
//
// Thread safety: the functions are pure. TransitionLog is thread-safe: the
// daemon's loop sends to it under its lock, the HTTP threads read it.
#ifndef PHID_SERVER_STATUS_PAGE_H_
#define PHID_SERVER_STATUS_PAGE_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "proto/api_limits.h"
#include "proto/phi.pb.h"
#include "server/watch_hub.h"

namespace httplib {
class Server;
}  // namespace httplib

namespace phid {

// The page itself, from status_page.html (genrule :status_page_html).
extern const char kStatusPageHtml[];

// A validated /v1/peers query.
struct PeersQuery {
  enum class Sort { kName, kPhi };
  size_t offset = 0;
  size_t limit = kDefaultPeersPageSize;
  // Lower-cased; empty = all.
  std::string text;
  // UNSPECIFIED = any state.
  phi::v1::PeerState state = phi::v1::PEER_STATE_UNSPECIFIED;
  Sort sort = Sort::kName;
  // Passed to ListPeers as is; it validates them.
  phi::v1::ListPeersRequest list;
};

// INVALID_ARGUMENT naming the parameter for a bad value. Unknown parameters
// are ignored (the page may add a cache buster).
absl::StatusOr<PeersQuery> ParsePeersQuery(
    const std::multimap<std::string, std::string>& params);

// The /v1/peers JSON of `all` (a whole ListPeersResponse) under `query`.
std::string RenderPeersJson(const phi::v1::ListPeersResponse& all,
                            const PeersQuery& query);

// The last `capacity` transitions sent to it, numbered from 1. Subscribed
// to the daemon's WatchHub at the default threshold; ignores the other
// messages (snapshot, heartbeats).
class TransitionLog final : public WatchSink {
 public:
  explicit TransitionLog(size_t capacity = kTransitionLogCapacity);
  TransitionLog(const TransitionLog&) = delete;
  TransitionLog& operator=(const TransitionLog&) = delete;

  void Send(const phi::v1::WatchResponse& message) override;

  // The /v1/events JSON: transitions with a sequence above `after`, at most
  // the newest `limit`.
  std::string RenderJson(uint64_t after, size_t limit) const;

 private:
  const size_t capacity_;
  mutable absl::Mutex mu_;
  uint64_t epoch_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t last_sequence_ ABSL_GUARDED_BY(mu_) = 0;
  std::deque<phi::v1::WatchResponse> events_ ABSL_GUARDED_BY(mu_);
};

// What the routes read. Both must outlive the server.
struct StatusPageSources {
  // The daemon's ListPeers, as the gRPC API calls it.
  std::function<absl::StatusOr<phi::v1::ListPeersResponse>(
      const phi::v1::ListPeersRequest&)>
      list_peers;
  const TransitionLog* log = nullptr;
};

// Adds GET /, /v1/peers and /v1/events to `server`.
void AddStatusPageRoutes(StatusPageSources sources, httplib::Server* server);

}  // namespace phid

#endif  // PHID_SERVER_STATUS_PAGE_H_
