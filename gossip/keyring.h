// Keyring: the shared AES-256 keys of a cluster, the first one primary.
//
// The primary key encrypts; any key in the ring decrypts, so keys rotate
// without downtime (add the new key everywhere, make it primary everywhere,
// then remove the old one). AES-256-GCM via OpenSSL's libcrypto.
//
// Keyring file: one key per line, 64 hex digits (32 bytes) or standard
// base64 of 32 bytes; blank lines and lines starting with '#' are ignored.
//
// Thread safety: immutable after construction; const methods are safe from
// any thread.
#ifndef PHID_GOSSIP_KEYRING_H_
#define PHID_GOSSIP_KEYRING_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace phid {

class Keyring {
 public:
  static constexpr size_t kKeyBytes = 32;
  static constexpr size_t kNonceBytes = 12;
  static constexpr size_t kTagBytes = 16;

  // Keys are raw 32-byte strings; at least one. INVALID_ARGUMENT otherwise.
  static absl::StatusOr<Keyring> FromKeys(std::vector<std::string> keys);
  // Parses keyring file text (format above); errors name the line.
  static absl::StatusOr<Keyring> Parse(absl::string_view text);
  static absl::StatusOr<Keyring> LoadFile(const std::string& path);

  // nonce | ciphertext | tag, under the primary key, with a random nonce.
  std::string Seal(absl::string_view plaintext,
                   absl::string_view associated_data) const;
  // Tries every key; NOT OK (PERMISSION_DENIED) if none authenticates.
  absl::StatusOr<std::string> Open(absl::string_view sealed,
                                   absl::string_view associated_data) const;

  size_t size() const { return keys_.size(); }

 private:
  explicit Keyring(std::vector<std::string> keys) : keys_(std::move(keys)) {}
  std::vector<std::string> keys_;
};

}  // namespace phid

#endif  // PHID_GOSSIP_KEYRING_H_
