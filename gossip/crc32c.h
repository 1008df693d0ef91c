// CRC-32C (Castagnoli), the checksum of plaintext protocol v2 datagrams.
//
// It detects corruption (bit flips, truncation), not forgery: anyone who can
// send us a datagram can compute it. Only the keyring authenticates.
// Thread-safe.
#ifndef PHID_GOSSIP_CRC32C_H_
#define PHID_GOSSIP_CRC32C_H_

#include <cstdint>

#include "absl/strings/string_view.h"

namespace phid {

// Extends `crc` (0 to start) with `data`.
uint32_t Crc32c(absl::string_view data, uint32_t crc = 0);

}  // namespace phid

#endif  // PHID_GOSSIP_CRC32C_H_
