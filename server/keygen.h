// phid keygen: writes a new random gossip key as a keyring file
// (gossip/keyring.h) that phid --keyring reads, and says what to do next.
//
// It lives in phid itself (`phid keygen FILE`, phid_main.cc): the key format
// belongs to gossip/keyring, which phictl (client/, proto only) must not
// link, and one binary means the key always matches the daemon installed
// beside it.
//
// Thread safety: plain functions.
#ifndef PHID_SERVER_KEYGEN_H_
#define PHID_SERVER_KEYGEN_H_

#include <string>

#include "absl/status/statusor.h"

namespace phid {

// Writes one new key from OpenSSL's CSPRNG to `path`, mode 0600, and returns
// its key id. The file appears whole or not at all (written beside it, then
// linked or renamed into place). An existing `path` is ALREADY_EXISTS
// unless `overwrite`; other failures name the path and the system error.
absl::StatusOr<std::string> WriteNewKeyFile(const std::string& path,
                                            bool overwrite);

// What to print after writing `path`: how to start a cluster with it, or
// rotate a running one to it.
std::string KeygenNextSteps(const std::string& path, const std::string& id);

}  // namespace phid

#endif  // PHID_SERVER_KEYGEN_H_
