// Socket statistics the kernel keeps and the transport does not: the
// receive buffer size and the count of datagrams the kernel dropped because
// that buffer was full (or for a failed checksum). The daemon reads them at
// scrape time, from the metrics thread; they are plain system calls on a
// socket the caller owns.
//
// Thread safety: every function may be called from any thread.
#ifndef PHID_SERVER_SOCKET_STATS_H_
#define PHID_SERVER_SOCKET_STATS_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace phid {

// Sets SO_RCVBUF to `bytes` (0 = leave the system default). The kernel
// doubles the value for its bookkeeping and caps it at net.core.rmem_max;
// ReceiveBufferBytes says what it granted. INTERNAL on a setsockopt error.
absl::Status SetReceiveBuffer(int fd, int bytes);

// SO_RCVBUF as the kernel reports it (the doubled value).
absl::StatusOr<int64_t> ReceiveBufferBytes(int fd);

// Datagrams the kernel dropped for this socket since it was created: the
// SK_MEMINFO_DROPS entry of SO_MEMINFO (Linux 4.6+), the same number as
// the "drops" column of /proc/net/udp. UNIMPLEMENTED where unavailable.
absl::StatusOr<uint64_t> KernelReceiveDrops(int fd);

}  // namespace phid

#endif  // PHID_SERVER_SOCKET_STATS_H_
