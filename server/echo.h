// Echo: a value a client sent, made safe to quote in an error message.
//
// Error messages go back to the client (grpc-message is an HTTP/2 header:
// a long one breaks the client's metadata limit) and into terminals and
// logs. So a quoted value is cut short after kMaxEchoedBytes (api_limits.h)
// with "…", and control characters (C0, DEL, C1), backslash, the quote and
// bytes that are not UTF-8 are escaped (\n, \t, \", \\, \x1b, \u009b). The
// result is valid UTF-8. Pure; thread-safe.
#ifndef PHID_SERVER_ECHO_H_
#define PHID_SERVER_ECHO_H_

#include <string>

#include "absl/strings/string_view.h"

namespace phid {

// `value` in double quotes, escaped and cut short as above, e.g.
// Echo("a\x1b[2J") == "\"a\\x1b[2J\"".
std::string Echo(absl::string_view value);

// A whole message (which may quote values other code did not Echo) made
// safe the same way, cut short after `max_bytes`; its quotes and
// backslashes are left as they are.
std::string SanitizeMessage(absl::string_view message, size_t max_bytes);

// Whether `text` is valid UTF-8 (no overlong forms, surrogates or code
// points past U+10FFFF), as protobuf requires of a string field.
bool IsValidUtf8(absl::string_view text);

}  // namespace phid

#endif  // PHID_SERVER_ECHO_H_
