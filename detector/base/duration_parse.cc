#include "detector/base/duration_parse.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace phid {
namespace {

constexpr absl::string_view kExpected =
    "expected a non-negative number with a unit (ns, us, ms, s, m, h), "
    "e.g. 1400ms, 1.5s, 250us or 2m";

}  // namespace

absl::StatusOr<absl::Duration> ParseDurationArg(absl::string_view text) {
  const absl::string_view trimmed = absl::StripAsciiWhitespace(text);
  absl::Duration d;
  if (trimmed.empty() || !absl::ParseDuration(std::string(trimmed), &d)) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid duration \"", text, "\": ", kExpected));
  }
  if (d < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid duration \"", text, "\": must not be negative; ", kExpected));
  }
  if (d == absl::InfiniteDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid duration \"", text, "\": must be finite; ", kExpected));
  }
  return d;
}

}  // namespace phid
