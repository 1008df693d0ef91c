#include "gossip/keyring.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "detector/base/file_read.h"
#include "glog/logging.h"

namespace phid {
namespace {

struct CipherContextFree {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, CipherContextFree>;

CipherContext NewContext() {
  CipherContext ctx(EVP_CIPHER_CTX_new());
  CHECK(ctx != nullptr) << "EVP_CIPHER_CTX_new failed (out of memory)";
  return ctx;
}

const unsigned char* Bytes(absl::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

unsigned char* Bytes(std::string& s) {
  return reinterpret_cast<unsigned char*>(&s[0]);
}

// Decrypts `ciphertext` with one key; false if the tag does not verify.
bool OpenWithKey(const std::string& key, absl::string_view nonce,
                 absl::string_view ciphertext, absl::string_view tag,
                 absl::string_view associated_data, std::string* plaintext) {
  CipherContext ctx = NewContext();
  int len = 0;
  plaintext->resize(ciphertext.size());
  if (EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr,
                         nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN,
                          static_cast<int>(nonce.size()), nullptr) != 1 ||
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, Bytes(key),
                         Bytes(nonce)) != 1) {
    return false;
  }
  if (!associated_data.empty() &&
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, Bytes(associated_data),
                        static_cast<int>(associated_data.size())) != 1) {
    return false;
  }
  int written = 0;
  if (!ciphertext.empty()) {
    if (EVP_DecryptUpdate(ctx.get(), Bytes(*plaintext), &len, Bytes(ciphertext),
                          static_cast<int>(ciphertext.size())) != 1) {
      return false;
    }
    written = len;
  }
  // The tag is an input here; OpenSSL's prototype is merely not const.
  std::string tag_copy(tag);
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG,
                          static_cast<int>(tag_copy.size()),
                          Bytes(tag_copy)) != 1) {
    return false;
  }
  unsigned char final_block[16];
  if (EVP_DecryptFinal_ex(ctx.get(), final_block, &len) != 1) return false;
  plaintext->resize(written);
  return true;
}

// A key line: 64 hex digits, or standard base64 of 32 bytes.
absl::StatusOr<std::string> DecodeKey(absl::string_view text) {
  if (text.size() == 2 * Keyring::kKeyBytes) {
    bool all_hex = true;
    for (char c : text) all_hex = all_hex && absl::ascii_isxdigit(c);
    if (all_hex) return absl::HexStringToBytes(text);
  }
  std::string key;
  if (!absl::Base64Unescape(text, &key)) {
    return absl::InvalidArgumentError(
        absl::StrCat("not 64 hex digits and not valid base64 (", text.size(),
                     " characters)"));
  }
  if (key.size() != Keyring::kKeyBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("base64 key decodes to ", key.size(), " bytes; want ",
                     Keyring::kKeyBytes, " (or give 64 hex digits)"));
  }
  return key;
}

}  // namespace

absl::StatusOr<Keyring> Keyring::FromKeys(std::vector<std::string> keys) {
  if (keys.empty()) {
    return absl::InvalidArgumentError("keyring has no keys");
  }
  for (size_t i = 0; i < keys.size(); ++i) {
    if (keys[i].size() != kKeyBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("key ", i, " is ", keys[i].size(), " bytes; want ",
                       kKeyBytes, " (AES-256)"));
    }
  }
  return Keyring(std::move(keys));
}

absl::StatusOr<Keyring> Keyring::Parse(absl::string_view text) {
  std::vector<std::string> keys;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || absl::StartsWith(line, "#")) continue;
    absl::StatusOr<std::string> key = DecodeKey(line);
    if (!key.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "keyring line ", line_number, ": ", key.status().message()));
    }
    keys.push_back(*std::move(key));
  }
  if (keys.empty()) {
    return absl::InvalidArgumentError(
        "keyring has no keys (only blank or comment lines)");
  }
  return FromKeys(std::move(keys));
}

absl::StatusOr<Keyring> Keyring::LoadFile(const std::string& path) {
  absl::StatusOr<std::string> contents = ReadFileToString(path);
  if (!contents.ok()) return contents.status();
  absl::StatusOr<Keyring> keyring = Parse(*contents);
  if (!keyring.ok()) {
    return absl::Status(keyring.status().code(),
                        absl::StrCat(path, ": ", keyring.status().message()));
  }
  return keyring;
}

std::string Keyring::Seal(absl::string_view plaintext,
                          absl::string_view associated_data) const {
  std::string sealed(kNonceBytes + plaintext.size() + kTagBytes, '\0');
  unsigned char* nonce = Bytes(sealed);
  unsigned char* ciphertext = nonce + kNonceBytes;
  unsigned char* tag = ciphertext + plaintext.size();
  // A random 96-bit nonce per packet: safe for far more packets than a key
  // should ever seal (NIST SP 800-38D's 2^32 limit per key).
  CHECK_EQ(RAND_bytes(nonce, kNonceBytes), 1) << "RAND_bytes failed";

  CipherContext ctx = NewContext();
  int len = 0;
  CHECK_EQ(EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr,
                              nullptr),
           1);
  CHECK_EQ(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN,
                               static_cast<int>(kNonceBytes), nullptr),
           1);
  CHECK_EQ(
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, Bytes(keys_[0]), nonce),
      1);
  if (!associated_data.empty()) {
    CHECK_EQ(EVP_EncryptUpdate(ctx.get(), nullptr, &len, Bytes(associated_data),
                               static_cast<int>(associated_data.size())),
             1);
  }
  if (!plaintext.empty()) {
    CHECK_EQ(EVP_EncryptUpdate(ctx.get(), ciphertext, &len, Bytes(plaintext),
                               static_cast<int>(plaintext.size())),
             1);
    CHECK_EQ(static_cast<size_t>(len), plaintext.size());  // GCM is a stream
  }
  unsigned char final_block[16];
  CHECK_EQ(EVP_EncryptFinal_ex(ctx.get(), final_block, &len), 1);
  CHECK_EQ(len, 0);
  CHECK_EQ(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG,
                               static_cast<int>(kTagBytes), tag),
           1);
  return sealed;
}

absl::StatusOr<std::string> Keyring::GenerateKey() {
  std::string key(kKeyBytes, '\0');
  if (RAND_bytes(Bytes(key), static_cast<int>(key.size())) != 1) {
    return absl::InternalError(
        "OpenSSL's random generator failed (RAND_bytes): no key written");
  }
  return key;
}

std::string Keyring::KeyId(absl::string_view key) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(Bytes(key), key.size(), digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), 4));
}

std::string Keyring::KeyFileText(absl::string_view key) {
  return absl::StrCat(
      "# phid keyring: one key per line, the first encrypts (gossip/"
      "keyring.h).\n# key id ",
      KeyId(key), "\n", absl::BytesToHexString(key), "\n");
}

std::vector<std::string> Keyring::KeyIds() const {
  std::vector<std::string> ids;
  ids.reserve(keys_.size());
  for (const std::string& key : keys_) ids.push_back(KeyId(key));
  return ids;
}

std::string DescribeKeyringChange(const Keyring& before, const Keyring& after) {
  const std::vector<std::string> old_ids = before.KeyIds();
  const std::vector<std::string> new_ids = after.KeyIds();
  if (old_ids == new_ids) {
    return absl::StrCat("unchanged (", new_ids.size(), " keys, primary ",
                        new_ids[0], ")");
  }
  auto missing_from = [](const std::vector<std::string>& ids,
                         const std::vector<std::string>& in) {
    std::vector<std::string> out;
    for (const std::string& id : ids) {
      if (std::find(in.begin(), in.end(), id) == in.end()) out.push_back(id);
    }
    return out;
  };
  std::string text = absl::StrCat(
      "added [", absl::StrJoin(missing_from(new_ids, old_ids), ","),
      "], removed [", absl::StrJoin(missing_from(old_ids, new_ids), ","),
      "], ");
  if (old_ids[0] == new_ids[0]) {
    absl::StrAppend(&text, "primary ", new_ids[0], " (unchanged)");
  } else {
    absl::StrAppend(&text, "primary ", old_ids[0], " -> ", new_ids[0]);
  }
  absl::StrAppend(&text, "; now ", new_ids.size(), " keys [",
                  absl::StrJoin(new_ids, ","), "]");
  return text;
}

absl::StatusOr<std::string> Keyring::Open(absl::string_view sealed,
                                          absl::string_view associated_data,
                                          size_t* key_index) const {
  if (sealed.size() < kNonceBytes + kTagBytes) {
    return absl::PermissionDeniedError(
        absl::StrCat("sealed data is ", sealed.size(),
                     " bytes, shorter than a nonce and a tag"));
  }
  const absl::string_view nonce = sealed.substr(0, kNonceBytes);
  const absl::string_view ciphertext =
      sealed.substr(kNonceBytes, sealed.size() - kNonceBytes - kTagBytes);
  const absl::string_view tag = sealed.substr(sealed.size() - kTagBytes);
  std::string plaintext;
  for (size_t i = 0; i < keys_.size(); ++i) {
    if (OpenWithKey(keys_[i], nonce, ciphertext, tag, associated_data,
                    &plaintext)) {
      if (key_index != nullptr) *key_index = i;
      return plaintext;
    }
  }
  return absl::PermissionDeniedError(absl::StrCat(
      "no key of the ", keys_.size(), "-key keyring authenticates the data"));
}

}  // namespace phid
