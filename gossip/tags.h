// Member tags: small human-assigned key/value facts ("role=db",
// "zone=eu-west-1a") gossiped with a member's record, and selectors that
// match them.
//
// Limits keep a member's record well inside one gossip packet (1,400 bytes)
// next to the name (<= 128), address (<= 64) and ~60 bytes of counters:
//   at most kMaxTags tags; keys 1..kMaxKeyBytes of [a-z0-9_.-/];
//   values 0..kMaxValueBytes of printable ASCII except ',' and '=';
//   all keys and values together at most kMaxTotalBytes.
#ifndef PHID_GOSSIP_TAGS_H_
#define PHID_GOSSIP_TAGS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gossip/member.h"

namespace phid {

inline constexpr size_t kMaxTags = 16;
inline constexpr size_t kMaxKeyBytes = 32;
inline constexpr size_t kMaxValueBytes = 64;
inline constexpr size_t kMaxTotalBytes = 512;

// OK, or INVALID_ARGUMENT naming the offending tag and the rule.
absl::Status ValidateTags(const Tags& tags);

// Parses "k=v,k2=v2" (empty text = no tags). Errors name the bad part.
absl::StatusOr<Tags> ParseTags(absl::string_view text);

// "k=v,k2=v2" in key order.
std::string FormatTags(const Tags& tags);

// A selector is a set of required key=value pairs: all must match.
// Same syntax as tags.
using TagSelector = Tags;
bool Matches(const TagSelector& selector, const Tags& tags);

// Also used by digest validation; true for 1..128 bytes of [A-Za-z0-9._:-].
bool IsValidMemberName(const std::string& name);

}  // namespace phid

#endif  // PHID_GOSSIP_TAGS_H_
