// A real UDP socket on loopback, filled past its receive buffer without
// reading: the kernel's drop count must show the overflow.
#include "server/socket_stats.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "gtest/gtest.h"

namespace phid {
namespace {

TEST(SocketStatsTest, CountsWhatTheKernelDropsWhenTheBufferIsFull) {
  int receiver = socket(AF_INET, SOCK_DGRAM, 0);
  int sender = socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(receiver, 0);
  ASSERT_GE(sender, 0);
  ASSERT_TRUE(SetReceiveBuffer(receiver, 4096).ok());
  absl::StatusOr<int64_t> granted = ReceiveBufferBytes(receiver);
  ASSERT_TRUE(granted.ok());
  // The kernel doubles the request and has a floor of its own.
  EXPECT_GE(*granted, 4096);
  EXPECT_LT(*granted, 64 * 1024);

  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(receiver, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(getsockname(receiver, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  absl::StatusOr<uint64_t> before = KernelReceiveDrops(receiver);
  ASSERT_TRUE(before.ok()) << before.status();
  EXPECT_EQ(*before, 0u);

  const std::string payload(1000, 'x');
  for (int i = 0; i < 200; ++i) {
    sendto(sender, payload.data(), payload.size(), 0,
           reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  }
  absl::StatusOr<uint64_t> after = KernelReceiveDrops(receiver);
  ASSERT_TRUE(after.ok());
  // 200 KB into a buffer of at most 64 KiB: most were dropped.
  EXPECT_GT(*after, 100u);
  close(sender);
  close(receiver);
}

}  // namespace
}  // namespace phid
