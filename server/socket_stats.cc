#include "server/socket_stats.h"

#include <linux/sock_diag.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace phid {

absl::Status SetReceiveBuffer(int fd, int bytes) {
  if (bytes == 0) return absl::OkStatus();
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes) != 0) {
    return absl::InternalError(absl::StrCat("setsockopt(SO_RCVBUF, ", bytes,
                                            "): ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> ReceiveBufferBytes(int fd) {
  int bytes = 0;
  socklen_t len = sizeof bytes;
  if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, &len) != 0) {
    return absl::InternalError(
        absl::StrCat("getsockopt(SO_RCVBUF): ", std::strerror(errno)));
  }
  return bytes;
}

absl::StatusOr<uint64_t> KernelReceiveDrops(int fd) {
#ifdef SO_MEMINFO
  uint32_t info[SK_MEMINFO_VARS] = {};
  socklen_t len = sizeof info;
  if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, info, &len) != 0) {
    return absl::InternalError(
        absl::StrCat("getsockopt(SO_MEMINFO): ", std::strerror(errno)));
  }
  if (len < sizeof(uint32_t) * (SK_MEMINFO_DROPS + 1)) {
    return absl::UnimplementedError("SO_MEMINFO has no drop count here");
  }
  return info[SK_MEMINFO_DROPS];
#else
  (void)fd;
  return absl::UnimplementedError("no SO_MEMINFO on this system");
#endif
}

}  // namespace phid
