#include "gossip/fault_injecting_transport.h"

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "detector/base/simulated_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace phid {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// The inner transport: records what reached it, and when.
class RecordingTransport final : public Transport {
 public:
  explicit RecordingTransport(const Clock& clock) : clock_(clock) {}
  void Send(const std::string& to, absl::string_view payload) override {
    sent.push_back(std::string(payload));
    sent_to.push_back(to);
    sent_at.push_back(clock_.Now());
  }
  std::string LocalAddress() const override { return "127.0.0.1:7946"; }
  std::vector<std::string> sent, sent_to;
  std::vector<MonoTime> sent_at;

 private:
  const Clock& clock_;
};

std::unique_ptr<FaultInjectingTransport> MustCreate(
    const TransportFaults& faults, Transport* inner, const Clock& clock,
    std::function<void()> wake = nullptr) {
  absl::StatusOr<std::unique_ptr<FaultInjectingTransport>> t =
      FaultInjectingTransport::Create(faults, inner, clock, std::move(wake));
  EXPECT_TRUE(t.ok()) << t.status();
  return t.ok() ? *std::move(t) : nullptr;
}

TEST(TransportFaultsTest, ValidateNamesTheBadField) {
  struct Case {
    double drop;
    absl::Duration delay;
    std::string want;
  };
  const absl::Duration zero = absl::ZeroDuration();
  const std::vector<Case> cases = {
      {-0.1, zero, "TransportFaults.drop_probability"},
      {1.5, zero, "TransportFaults.drop_probability"},
      {std::nan(""), zero, "TransportFaults.drop_probability"},
      {0, absl::Milliseconds(-1), "TransportFaults.added_delay"},
      {0, absl::InfiniteDuration(), "TransportFaults.added_delay"},
  };
  for (const Case& c : cases) {
    TransportFaults faults;
    faults.drop_probability = c.drop;
    faults.added_delay = c.delay;
    absl::Status status = faults.Validate();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.want;
    EXPECT_THAT(status.message(), HasSubstr(c.want));
  }
  TransportFaults good;
  EXPECT_FALSE(good.any());
  good.drop_probability = 1;
  good.added_delay = absl::Milliseconds(5);
  EXPECT_TRUE(good.Validate().ok());
  EXPECT_TRUE(good.any());
}

TEST(FaultInjectingTransportTest, WithoutFaultsEverythingPassesAtOnce) {
  SimulatedClock clock;
  RecordingTransport inner(clock);
  auto t = MustCreate(TransportFaults(), &inner, clock);
  ASSERT_TRUE(t);
  t->Send("127.0.0.2:7946", "a");
  t->Send("127.0.0.3:7946", "b");
  EXPECT_THAT(inner.sent, ElementsAre("a", "b"));
  EXPECT_THAT(inner.sent_to, ElementsAre("127.0.0.2:7946", "127.0.0.3:7946"));
  EXPECT_EQ(t->LocalAddress(), inner.LocalAddress());
  EXPECT_EQ(t->injected_drops(), 0u);
}

TEST(FaultInjectingTransportTest, DropProbabilityOneSendsNothing) {
  SimulatedClock clock;
  RecordingTransport inner(clock);
  TransportFaults faults;
  faults.drop_probability = 1;
  auto lossy = MustCreate(faults, &inner, clock);
  ASSERT_TRUE(lossy);
  for (int i = 0; i < 100; ++i) lossy->Send("127.0.0.2:7946", "x");
  EXPECT_EQ(lossy->injected_drops(), 100u);
  EXPECT_THAT(inner.sent, IsEmpty());
}

TEST(FaultInjectingTransportTest, DropProbabilityHalfDropsAboutHalf) {
  SimulatedClock clock;
  RecordingTransport inner(clock);
  TransportFaults faults;
  faults.drop_probability = 0.5;
  faults.seed = 7;
  auto lossy = MustCreate(faults, &inner, clock);
  ASSERT_TRUE(lossy);
  for (int i = 0; i < 1000; ++i) lossy->Send("127.0.0.2:7946", "x");
  EXPECT_EQ(lossy->injected_drops() + inner.sent.size(), 1000u);
  EXPECT_GE(lossy->injected_drops(), 430u);
  EXPECT_LE(lossy->injected_drops(), 570u);
}

TEST(FaultInjectingTransportTest, SameSeedDropsTheSameDatagrams) {
  auto pattern = [](uint64_t seed) {
    SimulatedClock clock;
    RecordingTransport inner(clock);
    TransportFaults faults;
    faults.drop_probability = 0.5;
    faults.seed = seed;
    auto lossy = MustCreate(faults, &inner, clock);
    std::string dropped;
    for (int i = 0; i < 64; ++i) {
      const uint64_t before = lossy->injected_drops();
      lossy->Send("127.0.0.2:7946", "x");
      dropped.push_back(lossy->injected_drops() > before ? 'd' : '.');
    }
    return dropped;
  };
  EXPECT_EQ(pattern(3), pattern(3));
  EXPECT_NE(pattern(3), pattern(4));
}

TEST(FaultInjectingTransportTest, AddedDelayHoldsDatagramsBackExactlyThatLong) {
  SimulatedClock clock;
  RecordingTransport inner(clock);
  TransportFaults faults;
  faults.added_delay = absl::Milliseconds(50);
  auto slow = MustCreate(faults, &inner, clock);
  ASSERT_TRUE(slow);

  const MonoTime sent_at = clock.Now();
  slow->Send("127.0.0.2:7946", "first");
  clock.Advance(absl::Milliseconds(10));
  slow->Send("127.0.0.2:7946", "second");
  EXPECT_THAT(inner.sent, IsEmpty());  // queued, not sent
  EXPECT_EQ(slow->delayed_now(), 2u);

  // Not yet due: nothing goes, and the first one's due time comes back.
  EXPECT_EQ(slow->SendDue(clock.Now()), sent_at + absl::Milliseconds(50));
  EXPECT_THAT(inner.sent, IsEmpty());

  clock.AdvanceTo(sent_at + absl::Milliseconds(50));
  EXPECT_EQ(slow->SendDue(clock.Now()), sent_at + absl::Milliseconds(60));
  EXPECT_THAT(inner.sent, ElementsAre("first"));
  EXPECT_EQ(inner.sent_at[0] - sent_at, absl::Milliseconds(50));

  clock.Advance(absl::Seconds(1));
  EXPECT_EQ(slow->SendDue(clock.Now()), absl::InfiniteDuration());
  EXPECT_THAT(inner.sent, ElementsAre("first", "second"));
  EXPECT_EQ(slow->delayed_now(), 0u);
}

// The daemon's receive loop may be waiting for datagrams past a new delayed
// datagram's due time; it is woken for the first one queued.
TEST(FaultInjectingTransportTest, TheOwnerIsWokenWhenTheQueueStartsFilling) {
  SimulatedClock clock;
  RecordingTransport inner(clock);
  TransportFaults faults;
  faults.added_delay = absl::Milliseconds(20);
  int wakes = 0;
  auto slow = MustCreate(faults, &inner, clock, [&] { ++wakes; });
  ASSERT_TRUE(slow);
  slow->Send("127.0.0.2:7946", "a");
  EXPECT_EQ(wakes, 1);
  slow->Send("127.0.0.2:7946", "b");  // due after "a": no need to wake
  EXPECT_EQ(wakes, 1);
  clock.Advance(absl::Milliseconds(20));
  slow->SendDue(clock.Now());
  EXPECT_THAT(inner.sent, ElementsAre("a", "b"));
  slow->Send("127.0.0.2:7946", "c");
  EXPECT_EQ(wakes, 2);
}

TEST(FaultInjectingTransportTest, DroppedDatagramsAreNeverDelayed) {
  SimulatedClock clock;
  RecordingTransport inner(clock);
  TransportFaults faults;
  faults.drop_probability = 1;
  faults.added_delay = absl::Milliseconds(20);
  auto t = MustCreate(faults, &inner, clock);
  ASSERT_TRUE(t);
  t->Send("127.0.0.2:7946", "x");
  EXPECT_EQ(t->delayed_now(), 0u);
  EXPECT_EQ(t->SendDue(clock.Now() + absl::Seconds(1)),
            absl::InfiniteDuration());
  EXPECT_THAT(inner.sent, IsEmpty());
}

TEST(FaultInjectingTransportTest, CreateRefusesBadFaultsAndANullInner) {
  SimulatedClock clock;
  RecordingTransport inner(clock);
  TransportFaults bad;
  bad.drop_probability = 2;
  EXPECT_EQ(FaultInjectingTransport::Create(bad, &inner, clock).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FaultInjectingTransport::Create(TransportFaults(), nullptr, clock)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace phid
