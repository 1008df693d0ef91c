#include "gossip/in_memory_network.h"

#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "detector/base/clock.h"
#include "detector/base/simulated_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace phid {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

struct Received {
  std::string from;
  std::string payload;
  MonoTime now;
  bool operator==(const Received& other) const {
    return std::tie(from, payload, now) ==
           std::tie(other.from, other.payload, other.now);
  }
};

class RecordingSink final : public PacketSink {
 public:
  void OnPacket(const std::string& from, absl::string_view payload,
                MonoTime now) override {
    received.push_back({from, std::string(payload), now});
  }
  std::vector<std::string> Payloads() const {
    std::vector<std::string> payloads;
    for (const Received& r : received) payloads.push_back(r.payload);
    return payloads;
  }
  std::vector<Received> received;
};

// Delivers everything pending, moving the clock along as a simulator does.
void RunUntilIdle(SimulatedClock& clock, InMemoryNetwork& network) {
  while (network.NextDeliveryTime() != absl::InfiniteDuration()) {
    clock.AdvanceTo(std::max(clock.Now(), network.NextDeliveryTime()));
    network.DeliverUntil(clock.Now());
  }
}

class InMemoryNetworkTest : public ::testing::Test {
 protected:
  InMemoryNetworkTest()
      : network_(clock_, /*seed=*/7),
        a_(network_.Attach("a", &sink_a_)),
        b_(network_.Attach("b", &sink_b_)),
        c_(network_.Attach("c", &sink_c_)) {}

  SimulatedClock clock_;
  InMemoryNetwork network_;
  RecordingSink sink_a_, sink_b_, sink_c_;
  Transport* a_;
  Transport* b_;
  Transport* c_;
};

TEST_F(InMemoryNetworkTest, TransportReportsItsAttachedAddress) {
  EXPECT_EQ(a_->LocalAddress(), "a");
  EXPECT_EQ(b_->LocalAddress(), "b");
}

TEST_F(InMemoryNetworkTest, DatagramArrivesAfterTheBaseDelayStampedWithIt) {
  const MonoTime sent_at = clock_.Now();
  a_->Send("b", "hello");
  EXPECT_EQ(network_.NextDeliveryTime(), sent_at + absl::Milliseconds(1));

  network_.DeliverUntil(sent_at + absl::Microseconds(999));
  EXPECT_THAT(sink_b_.received, IsEmpty());

  network_.DeliverUntil(sent_at + absl::Milliseconds(1));
  EXPECT_THAT(
      sink_b_.received,
      ElementsAre(Received{"a", "hello", sent_at + absl::Milliseconds(1)}));
  EXPECT_EQ(network_.NextDeliveryTime(), absl::InfiniteDuration());
  EXPECT_EQ(network_.delivered(), 1u);
}

TEST_F(InMemoryNetworkTest, SimultaneousDatagramsArriveInSendOrder) {
  for (int i = 0; i < 5; ++i) a_->Send("b", absl::StrCat(i));
  RunUntilIdle(clock_, network_);
  EXPECT_THAT(sink_b_.Payloads(), ElementsAre("0", "1", "2", "3", "4"));
}

TEST_F(InMemoryNetworkTest, LossDropsAboutTheConfiguredFraction) {
  LinkFaults faults;
  faults.loss = 0.1;
  network_.SetDefaultFaults(faults);
  constexpr int kSends = 10000;
  for (int i = 0; i < kSends; ++i) a_->Send("b", "x");
  RunUntilIdle(clock_, network_);

  EXPECT_EQ(network_.sent(), static_cast<uint64_t>(kSends));
  EXPECT_GE(network_.dropped(), 800u);
  EXPECT_LE(network_.dropped(), 1200u);
  EXPECT_EQ(network_.delivered() + network_.dropped(),
            static_cast<uint64_t>(kSends));
  EXPECT_EQ(sink_b_.received.size(), network_.delivered());
}

TEST_F(InMemoryNetworkTest, DelayAndJitterStayWithinTheirBounds) {
  LinkFaults faults;
  faults.delay = absl::Milliseconds(10);
  faults.jitter = absl::Milliseconds(5);
  network_.SetDefaultFaults(faults);
  const MonoTime sent_at = clock_.Now();
  for (int i = 0; i < 1000; ++i) a_->Send("b", "x");
  RunUntilIdle(clock_, network_);

  ASSERT_THAT(sink_b_.received, SizeIs(1000));
  absl::Duration min_delay = absl::InfiniteDuration();
  absl::Duration max_delay = -absl::InfiniteDuration();
  for (const Received& r : sink_b_.received) {
    min_delay = std::min(min_delay, r.now - sent_at);
    max_delay = std::max(max_delay, r.now - sent_at);
  }
  EXPECT_GE(min_delay, absl::Milliseconds(10));
  EXPECT_LT(max_delay, absl::Milliseconds(15));
  // The jitter is actually used: the spread covers most of its range.
  EXPECT_GT(max_delay - min_delay, absl::Milliseconds(4));
}

TEST_F(InMemoryNetworkTest, DuplicationDeliversSecondCopies) {
  LinkFaults faults;
  faults.duplicate = 1;
  network_.SetDefaultFaults(faults);
  a_->Send("b", "twice");
  RunUntilIdle(clock_, network_);
  EXPECT_THAT(sink_b_.Payloads(), ElementsAre("twice", "twice"));
  EXPECT_EQ(network_.duplicated(), 1u);
}

TEST_F(InMemoryNetworkTest, DuplicationHappensAboutAsOftenAsConfigured) {
  LinkFaults faults;
  faults.duplicate = 0.3;
  network_.SetDefaultFaults(faults);
  for (int i = 0; i < 10000; ++i) a_->Send("b", "x");
  RunUntilIdle(clock_, network_);
  EXPECT_GE(network_.duplicated(), 2800u);
  EXPECT_LE(network_.duplicated(), 3200u);
  EXPECT_EQ(network_.delivered(), 10000u + network_.duplicated());
}

// Sends numbered datagrams 1 ms apart and returns them in arrival order.
std::vector<int> ArrivalOrder(const LinkFaults& faults) {
  SimulatedClock clock;
  InMemoryNetwork network(clock, /*seed=*/11);
  RecordingSink sink;
  Transport* from = network.Attach("a", nullptr);
  network.Attach("b", &sink);
  network.SetDefaultFaults(faults);
  for (int i = 0; i < 1000; ++i) {
    from->Send("b", absl::StrCat(i));
    clock.Advance(absl::Milliseconds(1));
  }
  RunUntilIdle(clock, network);
  std::vector<int> order;
  for (const std::string& payload : sink.Payloads()) {
    int n = 0;
    EXPECT_TRUE(absl::SimpleAtoi(payload, &n));
    order.push_back(n);
  }
  return order;
}

int Inversions(const std::vector<int>& order) {
  int inversions = 0;
  for (size_t i = 1; i < order.size(); ++i) {
    if (order[i] < order[i - 1]) ++inversions;
  }
  return inversions;
}

TEST(InMemoryNetworkReorderTest, ReorderingDeliversSomeDatagramsOutOfOrder) {
  LinkFaults faults;
  faults.delay = absl::Milliseconds(10);
  faults.reorder = 0.2;
  const std::vector<int> order = ArrivalOrder(faults);
  ASSERT_THAT(order, SizeIs(1000));  // reordered, not lost
  EXPECT_GT(Inversions(order), 50);
}

TEST(InMemoryNetworkReorderTest, WithoutReorderingArrivalFollowsSendOrder) {
  LinkFaults faults;
  faults.delay = absl::Milliseconds(10);
  const std::vector<int> order = ArrivalOrder(faults);
  ASSERT_THAT(order, SizeIs(1000));
  EXPECT_EQ(Inversions(order), 0);
}

TEST_F(InMemoryNetworkTest, ReorderingDelaysAtMostFiveTimesTheBaseDelay) {
  LinkFaults faults;
  faults.delay = absl::Milliseconds(10);
  faults.reorder = 1;
  network_.SetDefaultFaults(faults);
  const MonoTime sent_at = clock_.Now();
  for (int i = 0; i < 1000; ++i) a_->Send("b", "x");
  RunUntilIdle(clock_, network_);
  ASSERT_THAT(sink_b_.received, SizeIs(1000));
  for (const Received& r : sink_b_.received) {
    EXPECT_GE(r.now - sent_at, absl::Milliseconds(10));
    EXPECT_LE(r.now - sent_at, absl::Milliseconds(50));
  }
}

TEST_F(InMemoryNetworkTest, LinkFaultsApplyToOneDirectionOnly) {
  LinkFaults lossy;
  lossy.loss = 1;
  network_.SetLinkFaults("a", "b", lossy);
  a_->Send("b", "lost");
  b_->Send("a", "kept");
  a_->Send("c", "kept");
  RunUntilIdle(clock_, network_);
  EXPECT_THAT(sink_b_.received, IsEmpty());
  EXPECT_THAT(sink_a_.Payloads(), ElementsAre("kept"));
  EXPECT_THAT(sink_c_.Payloads(), ElementsAre("kept"));
}

TEST_F(InMemoryNetworkTest, PartitionDropsCrossGroupTrafficAndHealRestoresIt) {
  network_.Partition({{"a", "b"}, {"c"}});
  a_->Send("b", "same side");
  a_->Send("c", "across");
  c_->Send("a", "across");
  RunUntilIdle(clock_, network_);
  EXPECT_THAT(sink_b_.Payloads(), ElementsAre("same side"));
  EXPECT_THAT(sink_c_.received, IsEmpty());
  EXPECT_THAT(sink_a_.received, IsEmpty());
  EXPECT_EQ(network_.dropped(), 2u);

  network_.Heal();
  a_->Send("c", "healed");
  c_->Send("a", "healed");
  RunUntilIdle(clock_, network_);
  EXPECT_THAT(sink_c_.Payloads(), ElementsAre("healed"));
  EXPECT_THAT(sink_a_.Payloads(), ElementsAre("healed"));
}

TEST_F(InMemoryNetworkTest, PartitionPutsUnnamedAddressesTogetherInAGroup) {
  network_.Partition({{"a"}});
  a_->Send("b", "cut off");
  b_->Send("c", "the rest");
  RunUntilIdle(clock_, network_);
  EXPECT_THAT(sink_b_.received, IsEmpty());
  EXPECT_THAT(sink_c_.Payloads(), ElementsAre("the rest"));
}

TEST_F(InMemoryNetworkTest, PartitionDropsDatagramsAlreadyInFlight) {
  a_->Send("c", "in flight");
  network_.Partition({{"a"}, {"c"}});
  RunUntilIdle(clock_, network_);
  EXPECT_THAT(sink_c_.received, IsEmpty());
  EXPECT_EQ(network_.dropped(), 1u);
}

TEST_F(InMemoryNetworkTest, IsolateDropsTrafficToAndFromTheAddressUntilLifted) {
  network_.Isolate("b", true);
  a_->Send("b", "to");
  b_->Send("a", "from");
  a_->Send("c", "unaffected");
  RunUntilIdle(clock_, network_);
  EXPECT_THAT(sink_a_.received, IsEmpty());
  EXPECT_THAT(sink_b_.received, IsEmpty());
  EXPECT_THAT(sink_c_.Payloads(), ElementsAre("unaffected"));

  network_.Isolate("b", false);
  a_->Send("b", "to");
  b_->Send("a", "from");
  RunUntilIdle(clock_, network_);
  EXPECT_THAT(sink_b_.Payloads(), ElementsAre("to"));
  EXPECT_THAT(sink_a_.Payloads(), ElementsAre("from"));
}

TEST_F(InMemoryNetworkTest, HoldKeepsDatagramsUntilReleaseThenDeliversThem) {
  network_.Hold("b", true);
  a_->Send("b", "1");
  c_->Send("b", "2");
  a_->Send("c", "not held");
  clock_.Advance(absl::Seconds(5));
  network_.DeliverUntil(clock_.Now());
  EXPECT_THAT(sink_b_.received, IsEmpty());
  EXPECT_THAT(sink_c_.Payloads(), ElementsAre("not held"));
  EXPECT_EQ(network_.pending(), 2u);
  EXPECT_EQ(network_.NextDeliveryTime(), absl::InfiniteDuration());

  const MonoTime released_at = clock_.Now();
  network_.Hold("b", false);
  EXPECT_EQ(network_.NextDeliveryTime(), released_at);
  network_.DeliverUntil(released_at);
  EXPECT_THAT(sink_b_.received, ElementsAre(Received{"a", "1", released_at},
                                            Received{"c", "2", released_at}));
  EXPECT_EQ(network_.pending(), 0u);
}

TEST_F(InMemoryNetworkTest, HeldNodeCanStillSend) {
  network_.Hold("b", true);
  b_->Send("a", "from a paused node's buffer");
  RunUntilIdle(clock_, network_);
  EXPECT_THAT(sink_a_.received, SizeIs(1));
}

TEST_F(InMemoryNetworkTest, DetachedNodeNeitherReceivesNorSends) {
  a_->Send("b", "in flight");
  network_.Detach("b");
  a_->Send("b", "after detach");
  b_->Send("a", "from the dead");
  RunUntilIdle(clock_, network_);
  EXPECT_THAT(sink_b_.received, IsEmpty());
  EXPECT_THAT(sink_a_.received, IsEmpty());
  EXPECT_EQ(network_.sent(), 2u);  // b's send does not count
  EXPECT_EQ(network_.dropped(), 2u);
  EXPECT_EQ(b_->LocalAddress(), "b");  // the Transport stays valid
}

TEST_F(InMemoryNetworkTest, ReattachedAddressDeliversToTheNewSink) {
  network_.Detach("b");
  RecordingSink restarted;
  Transport* again = network_.Attach("b", &restarted);
  EXPECT_EQ(again, b_);
  a_->Send("b", "hello again");
  RunUntilIdle(clock_, network_);
  EXPECT_THAT(sink_b_.received, IsEmpty());
  EXPECT_THAT(restarted.Payloads(), ElementsAre("hello again"));
}

TEST_F(InMemoryNetworkTest, OversizeDatagramIsDropped) {
  a_->Send("b", std::string(kMaxDatagramBytes + 1, 'x'));
  a_->Send("b", std::string(kMaxDatagramBytes, 'x'));
  RunUntilIdle(clock_, network_);
  ASSERT_THAT(sink_b_.received, SizeIs(1));
  EXPECT_EQ(sink_b_.received[0].payload.size(), kMaxDatagramBytes);
  EXPECT_EQ(network_.dropped(), 1u);
}

TEST_F(InMemoryNetworkTest, CountsDatagramsAndBytesPerSource) {
  a_->Send("b", "12345");
  a_->Send("c", "123");
  b_->Send("a", "1");
  EXPECT_EQ(network_.sent_from("a"), 2u);
  EXPECT_EQ(network_.bytes_from("a"), 8u);
  EXPECT_EQ(network_.sent_from("b"), 1u);
  EXPECT_EQ(network_.bytes_from("b"), 1u);
  EXPECT_EQ(network_.sent_from("c"), 0u);
  EXPECT_EQ(network_.bytes_from("nobody"), 0u);
  EXPECT_EQ(network_.sent(), 3u);
  EXPECT_EQ(network_.bytes_sent(), 9u);
}

// A sink that answers every datagram, as a gossip node answers a push-pull.
class EchoSink final : public PacketSink {
 public:
  void set_transport(Transport* transport) { transport_ = transport; }
  void OnPacket(const std::string& from, absl::string_view payload,
                MonoTime) override {
    transport_->Send(from, absl::StrCat("re: ", payload));
  }

 private:
  Transport* transport_ = nullptr;
};

TEST_F(InMemoryNetworkTest,
       RepliesDueWithinTheWindowAreDeliveredInTheSameCall) {
  EchoSink echo;
  echo.set_transport(network_.Attach("echo", &echo));
  LinkFaults instant;
  instant.delay = absl::ZeroDuration();
  network_.SetDefaultFaults(instant);
  a_->Send("echo", "ping");
  network_.DeliverUntil(clock_.Now());
  EXPECT_THAT(sink_a_.Payloads(), ElementsAre("re: ping"));
}

TEST_F(InMemoryNetworkTest, SendAtStampsTheGivenTimeAndTakeDueHandsOver) {
  const MonoTime t = clock_.Now() + absl::Milliseconds(5);
  network_.SendAt("a", "b", "x", t);
  network_.SendAt("a", "c", "y", t + absl::Milliseconds(1));
  EXPECT_EQ(network_.sent_from("a"), 2u);
  std::vector<InMemoryNetwork::Arrival> due;
  // Due before t + 2 ms: only the first (the second arrives exactly then).
  network_.TakeDue(t + absl::Milliseconds(2), absl::InfiniteDuration(), &due);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].at, t + absl::Milliseconds(1));
  EXPECT_EQ(due[0].to, "b");
  EXPECT_EQ(due[0].sink, &sink_b_);
  EXPECT_THAT(sink_b_.received, IsEmpty());  // the caller delivers
  EXPECT_EQ(network_.delivered(), 1u);
  network_.TakeDue(absl::InfiniteDuration(), t + absl::Milliseconds(2), &due);
  EXPECT_EQ(due.size(), 2u);
}

TEST_F(InMemoryNetworkTest, MinDelayIsTheSmallestBaseDelayOfAnyLink) {
  EXPECT_EQ(network_.MinDelay(), absl::Milliseconds(1));
  LinkFaults fast;
  fast.delay = absl::Microseconds(300);
  fast.jitter = absl::Milliseconds(5);  // only adds
  network_.SetLinkFaults("a", "b", fast);
  EXPECT_EQ(network_.MinDelay(), absl::Microseconds(300));
}

TEST_F(InMemoryNetworkTest, CountersBalanceUnderEveryFault) {
  LinkFaults faults;
  faults.loss = 0.2;
  faults.duplicate = 0.2;
  faults.reorder = 0.2;
  faults.jitter = absl::Milliseconds(3);
  network_.SetDefaultFaults(faults);
  network_.Hold("c", true);
  for (int i = 0; i < 1000; ++i) {
    a_->Send(i % 2 == 0 ? "b" : "c", "x");
    clock_.Advance(absl::Microseconds(300));
    network_.DeliverUntil(clock_.Now());
  }
  EXPECT_EQ(network_.sent() + network_.duplicated(),
            network_.delivered() + network_.dropped() + network_.pending());
  RunUntilIdle(clock_, network_);
  EXPECT_GT(network_.pending(), 0u);  // held for c
  EXPECT_EQ(network_.sent() + network_.duplicated(),
            network_.delivered() + network_.dropped() + network_.pending());
}

// Runs a busy, faulty scenario and returns everything every node received.
std::vector<Received> RunScenario(uint64_t seed) {
  SimulatedClock clock;
  InMemoryNetwork network(clock, seed);
  RecordingSink sinks[3];
  const std::string names[3] = {"n0", "n1", "n2"};
  Transport* transports[3];
  for (int i = 0; i < 3; ++i)
    transports[i] = network.Attach(names[i], &sinks[i]);
  LinkFaults faults;
  faults.loss = 0.1;
  faults.jitter = absl::Milliseconds(2);
  faults.duplicate = 0.1;
  faults.reorder = 0.1;
  network.SetDefaultFaults(faults);
  for (int round = 0; round < 200; ++round) {
    for (int i = 0; i < 3; ++i) {
      transports[i]->Send(names[(i + 1 + round % 2) % 3],
                          absl::StrCat(names[i], "#", round));
    }
    clock.Advance(absl::Microseconds(700));
    network.DeliverUntil(clock.Now());
  }
  RunUntilIdle(clock, network);
  std::vector<Received> all;
  for (const RecordingSink& sink : sinks) {
    all.insert(all.end(), sink.received.begin(), sink.received.end());
  }
  return all;
}

TEST(InMemoryNetworkDeterminismTest, SameSeedGivesTheSameDeliverySequence) {
  const std::vector<Received> first = RunScenario(42);
  EXPECT_GT(first.size(), 400u);
  EXPECT_EQ(first, RunScenario(42));
}

TEST(InMemoryNetworkDeterminismTest, DifferentSeedsGiveDifferentSequences) {
  EXPECT_NE(RunScenario(42), RunScenario(43));
}

}  // namespace
}  // namespace phid
