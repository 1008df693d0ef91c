// 100,000 damaged and random datagrams sent with a plain UDP socket at one
// daemon's gossip port: the daemon stays up, membership is unchanged
// everywhere, and its drop counters account for every datagram, reason by
// reason.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gossip/packet_codec.h"
#include "gtest/gtest.h"
#include "proto/phi.pb.h"
#include "tests/daemon_process.h"
#include "tests/garbage_packets.h"
#include "tests/loopback_cluster.h"
#include "tests/metrics_scrape.h"
#include "tests/watch_recorder.h"

namespace phid {
namespace e2e {
namespace {

namespace v1 = ::phi::v1;

constexpr int kSlot = 5;
constexpr int kDaemons = 3;
constexpr int kDatagrams = 100000;
constexpr uint64_t kSeed = 20251126;
// Flow control: every kCheckEvery datagrams, wait until the daemon's
// socket holds at most kMaxQueuedBytes. Its receive buffer
// (net.core.rmem_default, 208 KiB on Debian) then never fills, so loopback
// is lossless and the accounting exact. (The kernel counts each datagram's
// buffer, up to ~4.5 KiB for our largest.)
constexpr int kCheckEvery = 4;
constexpr int64_t kMaxQueuedBytes = 64 * 1024;

using DropCounts =
    std::array<uint64_t, static_cast<size_t>(DropReason::kCount)>;

sockaddr_in ParseIpv4(const std::string& address) {
  sockaddr_in out{};
  out.sin_family = AF_INET;
  size_t colon = address.rfind(':');
  int port = 0;
  EXPECT_TRUE(absl::SimpleAtoi(address.substr(colon + 1), &port));
  out.sin_port = htons(static_cast<uint16_t>(port));
  EXPECT_EQ(inet_pton(AF_INET, address.substr(0, colon).c_str(), &out.sin_addr),
            1);
  return out;
}

// The kernel's view of the UDP socket bound to `address`, from
// /proc/net/udp: bytes waiting in its receive queue, and datagrams dropped
// (e.g. because that queue was full).
struct UdpSocketState {
  bool found = false;
  int64_t queued_bytes = 0;
  int64_t drops = 0;
};

UdpSocketState ReadUdpSocketState(const std::string& address) {
  const sockaddr_in a = ParseIpv4(address);
  uint32_t raw;
  std::memcpy(&raw, &a.sin_addr, sizeof raw);
  const std::string local =
      absl::StrFormat("%08X:%04X", raw, ntohs(a.sin_port));
  std::ifstream in("/proc/net/udp");
  std::string line;
  UdpSocketState state;
  while (std::getline(in, line)) {
    std::vector<absl::string_view> fields =
        absl::StrSplit(line, ' ', absl::SkipEmpty());
    // sl local rem st tx_queue:rx_queue tr:when retrnsmt uid timeout inode
    // ref pointer drops
    if (fields.size() < 13 || fields[1] != local) continue;
    std::vector<absl::string_view> queues = absl::StrSplit(fields[4], ':');
    state.found = queues.size() == 2 &&
                  absl::SimpleHexAtoi(queues[1], &state.queued_bytes) &&
                  absl::SimpleAtoi(fields.back(), &state.drops);
    return state;
  }
  return state;
}

absl::StatusOr<DropCounts> ScrapeDrops(MetricsScraper& scraper) {
  absl::StatusOr<Metrics> m = scraper.Scrape();
  if (!m.ok()) return m.status();
  DropCounts counts{};
  for (size_t i = 1; i < counts.size(); ++i) {
    counts[i] = static_cast<uint64_t>(
        m->Get(DropsKey(DropReasonName(static_cast<DropReason>(i)))));
  }
  return counts;
}

uint64_t Total(const DropCounts& c) {
  uint64_t sum = 0;
  for (uint64_t v : c) sum += v;
  return sum;
}

// What a daemon knows that garbage must not change.
using MemberKey = std::tuple<std::string, uint64_t, std::string, int>;
std::set<MemberKey> Membership(const DaemonProcess& d) {
  std::set<MemberKey> out;
  absl::StatusOr<v1::ListPeersResponse> peers = ListPeersAt(d, 8);
  EXPECT_TRUE(peers.ok()) << d.name() << ": " << peers.status();
  if (!peers.ok()) return out;
  for (const v1::Peer& p : peers->peers()) {
    out.emplace(p.name(), p.generation(), p.address(), p.status());
    EXPECT_EQ(p.state(), v1::PEER_STATE_ALIVE)
        << d.name() << " sees " << p.ShortDebugString();
  }
  return out;
}

TEST(GarbageE2eTest,
     AHundredThousandDamagedDatagramsAreAllDroppedCountedAndHarmless) {
  std::vector<std::unique_ptr<DaemonProcess>> cluster;
  ASSERT_TRUE(StartLoopbackCluster(kSlot, kDaemons, {}, &cluster).ok());
  ASSERT_TRUE(WaitUntilAllSeeAll(Pointers(cluster), absl::Seconds(20)).ok());
  DaemonProcess& target = *cluster[0];
  std::vector<std::set<MemberKey>> membership_before;
  std::vector<std::string> names;
  for (const auto& d : cluster) {
    membership_before.push_back(Membership(*d));
    names.push_back(d->name());
  }
  // The others watch the target: the flood must not make it look dead.
  std::vector<std::unique_ptr<WatchRecorder>> watches;
  for (int i = 1; i < kDaemons; ++i) {
    auto watch = WatchRecorder::Start(cluster[i]->client(), WatchAt(8),
                                      cluster[i]->name());
    ASSERT_TRUE(watch.ok()) << watch.status();
    watches.push_back(*std::move(watch));
  }

  MetricsScraper scraper(target.config().metrics_address);
  absl::StatusOr<DropCounts> base = ScrapeDrops(scraper);
  ASSERT_TRUE(base.ok()) << base.status();
  const std::string& gossip_address = target.config().gossip_address;
  const UdpSocketState socket_before = ReadUdpSocketState(gossip_address);
  ASSERT_TRUE(socket_before.found)
      << "no /proc/net/udp entry for " << gossip_address;

  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in from = ParseIpv4(absl::StrCat(LoopbackIp(kSlot, 9), ":0"));
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from), 0);
  const sockaddr_in to = ParseIpv4(target.config().gossip_address);

  GarbagePackets garbage("phid", target.name(), names, kSeed);
  const PacketCodec codec("phid", nullptr, /*wire_version=*/2);
  DropCounts expected{};
  std::map<std::string, int> kinds;
  int still_valid = 0;  // damaged, yet valid: not sent
  uint64_t sent = 0;
  uint64_t counted = 0;  // drops the daemon counted since `base`
  int socket_reads = 0;
  int waits = 0;
  const absl::Time start = absl::Now();
  while (sent < static_cast<uint64_t>(kDatagrams)) {
    GarbagePackets::Datagram d = garbage.Next();
    const DropReason reason = ExpectedDrop(codec, target.name(), d.bytes);
    if (reason == DropReason::kNone) {
      ++still_valid;
      continue;
    }
    if (sent % kCheckEvery == 0) {
      const absl::Time deadline = absl::Now() + absl::Seconds(10);
      while (true) {
        const UdpSocketState state = ReadUdpSocketState(gossip_address);
        ++socket_reads;
        ASSERT_TRUE(state.found);
        if (state.queued_bytes <= kMaxQueuedBytes) break;
        ASSERT_LT(absl::Now(), deadline)
            << "the daemon stopped reading its socket: sent " << sent
            << ", running=" << target.running();
        ++waits;
        absl::SleepFor(absl::Microseconds(200));
      }
    }
    ssize_t n = sendto(fd, d.bytes.data(), d.bytes.size(), 0,
                       reinterpret_cast<const sockaddr*>(&to), sizeof to);
    ASSERT_EQ(n, static_cast<ssize_t>(d.bytes.size())) << std::strerror(errno);
    ++sent;
    ++expected[static_cast<size_t>(reason)];
    ++kinds[d.kind];
  }
  close(fd);
  // Everything sent is counted (not fatal: the table below tells more).
  DropCounts final_counts{};
  EXPECT_TRUE(PollUntilOk(
                  [&]() -> absl::Status {
                    absl::StatusOr<DropCounts> now = ScrapeDrops(scraper);
                    if (!now.ok()) return now.status();
                    final_counts = *now;
                    counted = Total(*now) - Total(*base);
                    return counted >= sent ? absl::OkStatus()
                                           : absl::UnavailableError("not yet");
                  },
                  absl::Seconds(10))
                  .ok())
      << "sent " << sent << ", the daemon counted " << counted;
  const absl::Duration took = absl::Now() - start;
  const int64_t kernel_drops =
      ReadUdpSocketState(gossip_address).drops - socket_before.drops;

  std::cout << absl::StrFormat(
      "\n[garbage] %d datagrams sent to %s in %s (%.0f/s; flow control read "
      "the socket queue %d times and waited %d times; seed %d); %d damaged "
      "ones were still valid and not sent\n",
      sent, target.name(), Millis(took), sent / absl::ToDoubleSeconds(took),
      socket_reads, waits, kSeed, still_valid);
  for (const auto& [kind, count] : kinds) {
    std::cout << absl::StrFormat("[garbage]   made %-20s %6d\n", kind, count);
  }
  std::cout << absl::StrFormat("[garbage]   %-18s %8s %8s\n", "drop reason",
                               "expected", "counted");
  for (size_t i = 1; i < expected.size(); ++i) {
    const uint64_t got = final_counts[i] - (*base)[i];
    std::cout << absl::StrFormat("[garbage]   %-18s %8d %8d\n",
                                 DropReasonName(static_cast<DropReason>(i)),
                                 expected[i], got);
    EXPECT_EQ(got, expected[i])
        << "drops for " << DropReasonName(static_cast<DropReason>(i));
  }
  std::cout << "[garbage]   kernel drops on the daemon's socket: "
            << kernel_drops << std::endl;
  // Lossless, so the accounting is exact.
  EXPECT_EQ(kernel_drops, 0);
  EXPECT_EQ(counted, sent);

  // The daemon is up and nothing changed.
  EXPECT_TRUE(target.running());
  for (size_t i = 0; i < cluster.size(); ++i) {
    EXPECT_EQ(Membership(*cluster[i]), membership_before[i])
        << cluster[i]->name() << "'s membership changed";
  }
  for (const auto& watch : watches) {
    EXPECT_TRUE(watch->Transitions().empty()) << watch->DescribeTransitions();
  }
}

}  // namespace
}  // namespace e2e
}  // namespace phid
