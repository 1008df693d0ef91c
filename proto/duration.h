// The one conversion between absl::Duration and google.protobuf.Duration,
// for the daemon (messages it sends, requests it checks) and the client
// (requests it builds, messages it prints). Thread-safe; pure.
#ifndef PHID_PROTO_DURATION_H_
#define PHID_PROTO_DURATION_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/duration.pb.h"

namespace phid {

// `d` as seconds and nanos of one sign (protobuf's rule).
void ToProtoDuration(absl::Duration d, google::protobuf::Duration* out);

// `d` as an absl::Duration, trusting it to be valid (a message phid itself
// or a daemon sent).
absl::Duration FromProtoDuration(const google::protobuf::Duration& d);

// `d` checked first, for input nobody vouches for: INVALID_ARGUMENT naming
// `field` for mixed signs or nanos outside (-1e9, 1e9).
absl::StatusOr<absl::Duration> ParseProtoDuration(
    const google::protobuf::Duration& d, absl::string_view field);

}  // namespace phid

#endif  // PHID_PROTO_DURATION_H_
