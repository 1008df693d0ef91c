#include "server/keyring_file.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "glog/logging.h"

namespace phid {

absl::StatusOr<std::unique_ptr<Keyring>> LoadKeyringFile(
    const std::string& path) {
  absl::StatusOr<Keyring> ring = Keyring::LoadFile(path);
  if (!ring.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("keyring: ", ring.status().message()));
  }
  auto keyring = std::make_unique<Keyring>(*std::move(ring));
  LOG(INFO) << "keyring " << path << ": " << keyring->size() << " keys ["
            << absl::StrJoin(keyring->KeyIds(), ",") << "], primary "
            << keyring->primary_id();
  return keyring;
}

void ReloadKeyringFile(const std::string& path, PeerApi* peers) {
  if (path.empty()) {
    LOG(WARNING) << "keyring reload requested (SIGHUP), but phid runs "
                    "without --keyring: nothing to reload (turning "
                    "encryption on needs --keyring on every daemon and a "
                    "restart)";
    return;
  }
  absl::StatusOr<Keyring> loaded = Keyring::LoadFile(path);
  if (!loaded.ok()) {
    const std::string kept = peers->KeepKeyring();
    LOG(ERROR) << "keyring reload failed; still using the keyring loaded "
                  "before ("
               << kept << "): " << loaded.status().message()
               << ". Fix the file (one key per line, 64 hex digits or "
                  "base64 of 32 bytes; phid keygen writes one) and send "
                  "SIGHUP again (systemctl reload phid)";
    return;
  }
  const std::string change =
      peers->ReplaceKeyring(std::make_unique<Keyring>(*std::move(loaded)));
  LOG(INFO) << "keyring reloaded from " << path << ": " << change;
}

}  // namespace phid
