// The --keyring file: loaded once at start, and re-read on SIGHUP
// (Daemon::RequestKeyringReload) to rotate keys without a restart.
//
// ReloadKeyringFile reads and parses the file on the caller's thread (the
// daemon's loop), outside the PeerApi's lock, which is taken only for the
// swap; it logs what changed by key id. A file that does not load keeps the
// keyring in use, is logged with what to do, and counted
// (phid_keyring_reloads_total{result="failed"}).
#ifndef PHID_SERVER_KEYRING_FILE_H_
#define PHID_SERVER_KEYRING_FILE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "gossip/keyring.h"
#include "server/peer_api.h"

namespace phid {

// Loads `path` and logs its keys by id; errors start "keyring: ".
absl::StatusOr<std::unique_ptr<Keyring>> LoadKeyringFile(
    const std::string& path);

// Re-reads `path` ("" = no --keyring: logs that there is nothing to
// reload) and hands the keyring to `peers`, or keeps the one in use.
void ReloadKeyringFile(const std::string& path, PeerApi* peers);

}  // namespace phid

#endif  // PHID_SERVER_KEYRING_FILE_H_
