#include "gossip/udp_transport.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "detector/base/clock.h"
#include "detector/base/simulated_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace phid {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::StartsWith;

struct Received {
  std::string from;
  std::string payload;
  MonoTime now;
};

class RecordingSink final : public PacketSink {
 public:
  void OnPacket(const std::string& from, absl::string_view payload,
                MonoTime now) override {
    received.push_back({from, std::string(payload), now});
  }
  std::vector<Received> received;
};

std::unique_ptr<UdpTransport> MustBind(UdpOptions options) {
  absl::StatusOr<std::unique_ptr<UdpTransport>> transport =
      UdpTransport::Bind(options);
  EXPECT_TRUE(transport.ok()) << transport.status();
  return transport.ok() ? *std::move(transport) : nullptr;
}

std::unique_ptr<UdpTransport> MustBind(const std::string& address) {
  UdpOptions options;
  options.bind_address = address;
  return MustBind(options);
}

// Receives until `sink` holds `count` datagrams or 10 s pass (a failure).
void ReceiveUntil(UdpTransport& transport, const Clock& clock,
                  RecordingSink& sink, size_t count) {
  const MonoTime give_up = RealClock::Get().Now() + absl::Seconds(10);
  while (sink.received.size() < count && RealClock::Get().Now() < give_up) {
    transport.ReceiveOnce(absl::Milliseconds(100), clock, &sink);
  }
  EXPECT_GE(sink.received.size(), count) << "timed out";
}

TEST(UdpTransportTest, TwoTransportsExchangeDatagrams) {
  auto a = MustBind("127.0.0.1:0");
  auto b = MustBind("127.0.0.1:0");
  ASSERT_TRUE(a && b);
  EXPECT_THAT(a->LocalAddress(), StartsWith("127.0.0.1:"));
  EXPECT_NE(a->LocalAddress(), "127.0.0.1:0");  // the real ephemeral port
  EXPECT_NE(a->LocalAddress(), b->LocalAddress());

  SimulatedClock clock;
  a->Send(b->LocalAddress(), "ping");
  RecordingSink at_b;
  ReceiveUntil(*b, clock, at_b, 1);
  ASSERT_THAT(at_b.received, SizeIs(1));
  EXPECT_EQ(at_b.received[0].from, a->LocalAddress());
  EXPECT_EQ(at_b.received[0].payload, "ping");
  EXPECT_EQ(at_b.received[0].now, clock.Now());  // stamped by the given clock

  b->Send(at_b.received[0].from, "pong");
  RecordingSink at_a;
  ReceiveUntil(*a, clock, at_a, 1);
  ASSERT_THAT(at_a.received, SizeIs(1));
  EXPECT_EQ(at_a.received[0].payload, "pong");
  EXPECT_EQ(at_a.received[0].from, b->LocalAddress());

  EXPECT_EQ(a->datagrams_sent(), 1u);
  EXPECT_EQ(a->bytes_sent(), 4u);
  EXPECT_EQ(b->datagrams_received(), 1u);
  EXPECT_EQ(b->bytes_received(), 4u);
  EXPECT_EQ(a->send_errors(), 0u);
}

TEST(UdpTransportTest, BindsOtherLoopbackAddresses) {
  auto two = MustBind("127.0.0.2:0");
  auto one = MustBind("127.0.0.1:0");
  ASSERT_TRUE(two && one);
  EXPECT_THAT(two->LocalAddress(), StartsWith("127.0.0.2:"));
  two->Send(one->LocalAddress(), "from .2");
  RecordingSink sink;
  ReceiveUntil(*one, RealClock::Get(), sink, 1);
  ASSERT_THAT(sink.received, SizeIs(1));
  EXPECT_EQ(sink.received[0].from, two->LocalAddress());
}

TEST(UdpTransportTest, ExchangesDatagramsOverIpv6Loopback) {
  UdpOptions options;
  options.bind_address = "[::1]:0";
  absl::StatusOr<std::unique_ptr<UdpTransport>> a = UdpTransport::Bind(options);
  if (!a.ok()) GTEST_SKIP() << "no IPv6 loopback here: " << a.status();
  auto b = MustBind("[::1]:0");
  ASSERT_TRUE(b);
  EXPECT_THAT((*a)->LocalAddress(), StartsWith("[::1]:"));
  (*a)->Send(b->LocalAddress(), "v6");
  RecordingSink sink;
  ReceiveUntil(*b, RealClock::Get(), sink, 1);
  ASSERT_THAT(sink.received, SizeIs(1));
  EXPECT_EQ(sink.received[0].from, (*a)->LocalAddress());
}

TEST(UdpTransportTest, BindConflictSaysWhichAddressAndWhy) {
  auto first = MustBind("127.0.0.1:0");
  ASSERT_TRUE(first);
  UdpOptions options;
  options.bind_address = first->LocalAddress();
  absl::Status status = UdpTransport::Bind(options).status();
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(status.message(),
              HasSubstr(absl::StrCat("cannot bind ", first->LocalAddress(),
                                     ": Address already in use")));
}

TEST(UdpTransportTest, BindingAnAddressNotOnThisMachineSaysWhy) {
  UdpOptions options;
  options.bind_address = "192.0.2.1:0";  // TEST-NET-1, never local
  absl::Status status = UdpTransport::Bind(options).status();
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr("cannot bind 192.0.2.1:0: "));
}

TEST(UdpTransportTest, WildcardBindWithoutAdvertiseAddressIsRefused) {
  UdpOptions options;
  options.bind_address = "0.0.0.0:0";
  absl::Status status = UdpTransport::Bind(options).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("advertise_address"));
}

TEST(UdpTransportTest, WildcardBindAdvertisesTheGivenAddressWithTheBoundPort) {
  UdpOptions options;
  options.bind_address = "0.0.0.0:0";
  options.advertise_address = "127.0.0.1:0";
  auto wildcard = MustBind(options);
  ASSERT_TRUE(wildcard);
  EXPECT_THAT(wildcard->BoundAddress(), StartsWith("0.0.0.0:"));
  const std::string port =
      wildcard->BoundAddress().substr(wildcard->BoundAddress().find(':') + 1);
  EXPECT_EQ(wildcard->LocalAddress(), absl::StrCat("127.0.0.1:", port));

  auto peer = MustBind("127.0.0.1:0");
  ASSERT_TRUE(peer);
  peer->Send(wildcard->LocalAddress(), "reachable");
  RecordingSink sink;
  ReceiveUntil(*wildcard, RealClock::Get(), sink, 1);
  EXPECT_THAT(sink.received, SizeIs(1));
}

TEST(UdpOptionsTest, ValidateNamesTheBadField) {
  struct Case {
    std::string bind, advertise;
    std::string want;
  };
  const std::vector<Case> cases = {
      {"", "", "UdpOptions.bind_address is required"},
      {"localhost:7946", "", "UdpOptions.bind_address: bad address"},
      {"127.0.0.1:0", "nope", "UdpOptions.advertise_address: bad"},
      {"127.0.0.1:0", "0.0.0.0:1", "UdpOptions.advertise_address"},
  };
  for (const Case& c : cases) {
    UdpOptions options;
    options.bind_address = c.bind;
    options.advertise_address = c.advertise;
    absl::Status status = options.Validate();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.want;
    EXPECT_THAT(status.message(), HasSubstr(c.want));
  }
  UdpOptions good;
  good.bind_address = "127.0.0.1:7946";
  EXPECT_TRUE(good.Validate().ok());
}

TEST(UdpTransportTest, OversizePayloadIsRefusedAndCounted) {
  auto a = MustBind("127.0.0.1:0");
  auto b = MustBind("127.0.0.1:0");
  ASSERT_TRUE(a && b);
  a->Send(b->LocalAddress(), std::string(kMaxDatagramBytes + 1, 'x'));
  EXPECT_EQ(a->oversize_refused(), 1u);
  EXPECT_EQ(a->datagrams_sent(), 0u);
  a->Send(b->LocalAddress(), std::string(kMaxDatagramBytes, 'x'));
  EXPECT_EQ(a->datagrams_sent(), 1u);
}

TEST(UdpTransportTest, UnparsableDestinationIsASendError) {
  auto a = MustBind("127.0.0.1:0");
  ASSERT_TRUE(a);
  a->Send("not an address", "x");
  EXPECT_EQ(a->send_errors(), 1u);
  EXPECT_EQ(a->datagrams_sent(), 0u);
}

TEST(UdpTransportTest, OversizeIncomingDatagramIsHandedOnWhole) {
  auto b = MustBind("127.0.0.1:0");
  ASSERT_TRUE(b);
  // Another program's datagram, bigger than phid ever sends.
  const int raw = socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(raw, 0);
  sockaddr_in to = {};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  uint32_t port = 0;
  ASSERT_TRUE(absl::SimpleAtoi(
      b->LocalAddress().substr(b->LocalAddress().find(':') + 1), &port));
  to.sin_port = htons(static_cast<uint16_t>(port));
  const std::string big(9000, 'b');
  ASSERT_EQ(sendto(raw, big.data(), big.size(), 0,
                   reinterpret_cast<const sockaddr*>(&to), sizeof(to)),
            static_cast<ssize_t>(big.size()));
  close(raw);

  RecordingSink sink;
  ReceiveUntil(*b, RealClock::Get(), sink, 1);
  ASSERT_THAT(sink.received, SizeIs(1));
  EXPECT_EQ(sink.received[0].payload.size(), big.size());
}

TEST(UdpTransportTest, WakeInterruptsALongWait) {
  auto a = MustBind("127.0.0.1:0");
  ASSERT_TRUE(a);
  const MonoTime start = RealClock::Get().Now();
  std::atomic<int> result{-1};
  RecordingSink sink;
  std::thread receiver([&] {
    result = a->ReceiveOnce(absl::Seconds(60), RealClock::Get(), &sink);
  });
  a->Wake();
  receiver.join();
  EXPECT_EQ(result.load(), 0);
  EXPECT_LT(RealClock::Get().Now() - start, absl::Seconds(30));
}

TEST(UdpTransportTest, WakeBeforeReceiveMakesTheNextReceiveReturnAtOnce) {
  auto a = MustBind("127.0.0.1:0");
  ASSERT_TRUE(a);
  a->Wake();
  RecordingSink sink;
  const MonoTime start = RealClock::Get().Now();
  EXPECT_EQ(a->ReceiveOnce(absl::Seconds(60), RealClock::Get(), &sink), 0);
  EXPECT_LT(RealClock::Get().Now() - start, absl::Seconds(30));
}

TEST(UdpTransportTest, SendsFromOtherThreadsWhileReceivingAllArrive) {
  auto receiver = MustBind("127.0.0.1:0");
  auto sender = MustBind("127.0.0.1:0");
  ASSERT_TRUE(receiver && sender);
  RecordingSink sink;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        sender->Send(receiver->LocalAddress(), absl::StrCat(t, ":", i));
      }
    });
  }
  ReceiveUntil(*receiver, RealClock::Get(), sink, 200);
  for (std::thread& thread : threads) thread.join();
  EXPECT_THAT(sink.received, SizeIs(200));
  EXPECT_EQ(sender->datagrams_sent(), 200u);
}

}  // namespace
}  // namespace phid
