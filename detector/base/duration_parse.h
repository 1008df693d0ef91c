// ParseDurationArg: reads a non-negative duration typed by a person, on a
// command line or in a config file.
//
// The syntax is absl::ParseDuration's: a decimal number with a unit ("ns",
// "us", "ms", "s", "m", "h"), possibly several ("1m30s"), or a bare "0".
// Unlike absl::ParseDuration, negative and infinite durations are refused and
// the error names the expected format, so tools can print it as is.
// Thread-safe.
#ifndef PHID_DETECTOR_BASE_DURATION_PARSE_H_
#define PHID_DETECTOR_BASE_DURATION_PARSE_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace phid {

// "1400ms", "1.5s", "250us", "2m" -> the duration. INVALID_ARGUMENT for
// anything else, including "-5ms", "inf" and a number without a unit.
absl::StatusOr<absl::Duration> ParseDurationArg(absl::string_view text);

}  // namespace phid

#endif  // PHID_DETECTOR_BASE_DURATION_PARSE_H_
