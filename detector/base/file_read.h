// ReadFileToString: the one whole-file reader for the files an operator names
// on a command line (TLS certificates and keys, keyrings, interval files).
//
// Errors carry the errno code (NOT_FOUND, PERMISSION_DENIED, ...) and a
// message "cannot read PATH: <reason>", so a caller only prefixes the flag
// that named the file. Files larger than `max_bytes` are refused
// (OUT_OF_RANGE) rather than read into memory. Thread-safe.
#ifndef PHID_DETECTOR_BASE_FILE_READ_H_
#define PHID_DETECTOR_BASE_FILE_READ_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"

namespace phid {

// Files phid reads are small; 64 MiB is far past any of them.
inline constexpr size_t kMaxReadFileBytes = size_t{64} << 20;

absl::StatusOr<std::string> ReadFileToString(
    const std::string& path, size_t max_bytes = kMaxReadFileBytes);

}  // namespace phid

#endif  // PHID_DETECTOR_BASE_FILE_READ_H_
