// Request parsing for the phi.v1 API: a WatchRequest becomes a validated
// WatchSpec, and the fields ListPeers and GetPeer share (threshold, member
// name, tag selector) are checked by the same functions in every RPC.
//
// Every error is INVALID_ARGUMENT and names the request field and its valid
// range (api_limits.h); a value the client sent is quoted with Echo
// (echo.h): cut short, control characters escaped. Pure; thread-safe.
#ifndef PHID_SERVER_WATCH_REQUEST_H_
#define PHID_SERVER_WATCH_REQUEST_H_

#include <set>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gossip/member.h"
#include "gossip/tags.h"
#include "proto/api_limits.h"
#include "proto/phi.pb.h"

namespace phid {

// A validated WatchRequest.
struct WatchSpec {
  // Suspect at phi >= threshold. (0, kMaxPhiThreshold].
  double threshold = 8;
  // Recover when phi < recovery_threshold on an arrival. (0, threshold].
  double recovery_threshold = 8;
  // Only these member names (at most kMaxWatchNames); empty = all.
  std::set<std::string> names;
  // Only members whose tags match every pair; empty = all.
  TagSelector tag_selector;
  // Zero = no level messages; otherwise >= kMinLevelInterval.
  absl::Duration level_interval = absl::ZeroDuration();
  // A heartbeat after this much silence; [kMinIdleInterval, kMaxIdleInterval].
  absl::Duration idle_interval = kDefaultIdleInterval;

  // Whether this spec watches the member.
  bool Matches(const MemberRecord& record) const;
};

// A request's threshold: 0 means `default_threshold`; otherwise it must be in
// (0, kMaxPhiThreshold]. INVALID_ARGUMENT names `field` and the range.
absl::StatusOr<double> ResolveThreshold(double requested,
                                        double default_threshold,
                                        absl::string_view field);

// The one rule for a member name in a request (GetPeer's name, Watch's
// names): what gossip accepts as a name (IsValidMemberName: 1 to 128 bytes
// of [A-Za-z0-9._:-]). INVALID_ARGUMENT naming `field`, e.g. "names[2]".
absl::Status ValidateMemberName(absl::string_view name,
                                absl::string_view field);

// "k=v,k2=v2" (ListPeers' and Watch's tag_selector); empty = all.
absl::StatusOr<TagSelector> ParseTagSelector(absl::string_view text);

// Validates every field of `request`. INVALID_ARGUMENT whose message names
// the field and its valid range, e.g.
// "phi_threshold must be in (0, 64], got 70".
absl::StatusOr<WatchSpec> ParseWatchRequest(
    const phi::v1::WatchRequest& request, double default_threshold);

}  // namespace phid

#endif  // PHID_SERVER_WATCH_REQUEST_H_
