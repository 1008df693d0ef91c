#include "server/keygen.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gossip/keyring.h"

namespace phid {
namespace {

absl::Status Errno(int error, const std::string& what) {
  return absl::ErrnoToStatus(error, what);
}

// Writes `text` to a new mode-0600 file beside `path`; returns its name.
absl::StatusOr<std::string> WriteTemporary(const std::string& path,
                                           const std::string& text) {
  std::string name = path + ".tmp.XXXXXX";
  std::vector<char> buffer(name.begin(), name.end());
  buffer.push_back('\0');
  const int fd = mkstemp(buffer.data());  // creates it 0600
  if (fd < 0) {
    return Errno(errno, absl::StrCat("cannot create a file beside ", path));
  }
  name = buffer.data();
  size_t written = 0;
  int error = 0;
  if (fchmod(fd, 0600) != 0) error = errno;
  while (error == 0 && written < text.size()) {
    const ssize_t n = write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno != EINTR) error = errno;
    if (n > 0) written += static_cast<size_t>(n);
  }
  if (error == 0 && fsync(fd) != 0) error = errno;
  if (close(fd) != 0 && error == 0) error = errno;
  if (error != 0) {
    unlink(name.c_str());
    return Errno(error, absl::StrCat("cannot write ", name));
  }
  return name;
}

}  // namespace

absl::StatusOr<std::string> WriteNewKeyFile(const std::string& path,
                                            bool overwrite) {
  if (!overwrite && access(path.c_str(), F_OK) == 0) {
    return absl::AlreadyExistsError(absl::StrCat(
        path,
        " exists; not overwriting it (--keygen_overwrite replaces it, "
        "and the keys in it are lost)"));
  }
  absl::StatusOr<std::string> key = Keyring::GenerateKey();
  if (!key.ok()) return key.status();
  absl::StatusOr<std::string> temporary =
      WriteTemporary(path, Keyring::KeyFileText(*key));
  if (!temporary.ok()) return temporary.status();
  // link() refuses an existing target atomically; rename() replaces it.
  const int result = overwrite ? rename(temporary->c_str(), path.c_str())
                               : link(temporary->c_str(), path.c_str());
  const int error = errno;
  if (!overwrite || result != 0) unlink(temporary->c_str());
  if (result != 0) {
    if (error == EEXIST) {
      return absl::AlreadyExistsError(absl::StrCat(
          path,
          " exists; not overwriting it (--keygen_overwrite replaces it)"));
    }
    return Errno(error, absl::StrCat("cannot create ", path));
  }
  return Keyring::KeyId(*key);
}

std::string KeygenNextSteps(const std::string& path, const std::string& id) {
  return absl::StrCat(
      "phid: wrote key ", id, " to ", path,
      " (mode 0600; copy it to other hosts only over a secure channel).\n"
      "A new cluster: start every phid with --keyring=",
      path,
      " (or a copy of it).\n"
      "A running cluster (README \"Rotating the keyring\"), with OLD the "
      "key file in use and KEYRING the file --keyring names: do each step "
      "on every host, reloading each phid after the write (systemctl reload "
      "phid, or kill -HUP its pid), before starting the next step.\n",
      "  1. cat OLD ", path, " > KEYRING   # the new key as secondary\n",
      "  2. cat ", path, " OLD > KEYRING   # once step 1 reached every host\n",
      "  3. cat ", path,
      " > KEYRING       # once phid_keyring_primary_info shows key_id=\"", id,
      "\" on every host\n");
}

}  // namespace phid
