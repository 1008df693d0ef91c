// Keyring: the shared AES-256 keys of a cluster, the first one primary.
//
// The primary key encrypts; any key in the ring decrypts, so keys rotate
// without downtime (add the new key everywhere, make it primary everywhere,
// then remove the old one). AES-256-GCM via OpenSSL's libcrypto.
//
// Keyring file: one key per line, 64 hex digits (32 bytes) or standard
// base64 of 32 bytes; blank lines and lines starting with '#' are ignored.
// `phid keygen FILE` writes one (KeyFileText); a running phid re-reads its
// file on SIGHUP (server/daemon.h), so a rotation needs no restart.
//
// A key id names a key in logs and metrics without revealing it: the first
// 4 bytes of SHA-256(key) in hex. Key bytes are never logged.
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

  // A new random key from OpenSSL's CSPRNG (RAND_bytes); INTERNAL if it
  // cannot be seeded.
  static absl::StatusOr<std::string> GenerateKey();
  // "3f2a9c1b": 8 hex digits of SHA-256(key).
  static std::string KeyId(absl::string_view key);
  // A keyring file holding `key` alone, in hex, with a comment naming its id.
  static std::string KeyFileText(absl::string_view key);

  // nonce | ciphertext | tag, under the primary key, with a random nonce.
  std::string Seal(absl::string_view plaintext,
                   absl::string_view associated_data) const;
  // Tries every key; NOT OK (PERMISSION_DENIED) if none authenticates.
  // On success, *key_index (if not null) is the index of the key that
  // opened it: 0 for the primary.
  absl::StatusOr<std::string> Open(absl::string_view sealed,
                                   absl::string_view associated_data,
                                   size_t* key_index = nullptr) const;

  size_t size() const { return keys_.size(); }
  // The keys' ids, primary first.
  std::vector<std::string> KeyIds() const;
  std::string primary_id() const { return KeyId(keys_[0]); }

 private:
  explicit Keyring(std::vector<std::string> keys) : keys_(std::move(keys)) {}
  std::vector<std::string> keys_;
};

// What changed from `before` to `after`, by key id, for the log: "added
// [a1b2c3d4], removed [], primary 0f1e2d3c -> a1b2c3d4", or "unchanged".
std::string DescribeKeyringChange(const Keyring& before, const Keyring& after);

}  // namespace phid

#endif  // PHID_GOSSIP_KEYRING_H_
