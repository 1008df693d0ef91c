#include "gossip/summary_keys.h"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "gossip/keyring.h"
#include "gossip/packet_codec.h"
#include "gossip/transport.h"
#include "gtest/gtest.h"

namespace phid {
namespace {

using Key = Membership::ReportKeyValue;

// `n` keys sorted by (subject, monitor): 3 monitors per subject.
std::vector<Key> Keys(int n) {
  std::vector<Key> keys;
  for (int i = 0; i < n; ++i) {
    keys.push_back({100 + static_cast<uint64_t>(i / 3),
                    7 + static_cast<uint64_t>(i % 3), 1});
  }
  return keys;
}

ReportKeyPosition At(const Key& key) { return {key.subject, key.monitor}; }

TEST(SummaryKeysTest, KeysThatFitAreAllListedInOrderAndTheListIsComplete) {
  std::vector<Key> keys = Keys(24);
  SummaryKeyCursor cursor;
  for (int i = 0; i < 3; ++i) {
    SummaryKeyRun run = cursor.Next(keys);
    EXPECT_FALSE(run.partial);
    ASSERT_EQ(run.keys.size(), 24u);
    for (size_t j = 0; j < keys.size(); ++j) {
      EXPECT_EQ(At(run.keys[j]), At(keys[j]));
    }
  }
}

TEST(SummaryKeysTest, MoreKeysRotateSoEveryKeyIsListedWithinTwoSummaries) {
  std::vector<Key> keys = Keys(30);
  SummaryKeyCursor cursor;
  SummaryKeyRun first = cursor.Next(keys);
  SummaryKeyRun second = cursor.Next(keys);
  EXPECT_TRUE(first.partial);
  EXPECT_TRUE(second.partial);
  ASSERT_EQ(first.keys.size(), kMaxSummaryKeys);
  ASSERT_EQ(second.keys.size(), kMaxSummaryKeys);
  // The first run is the first 24; the second goes on from the 25th and
  // wraps around to fill the datagram.
  EXPECT_EQ(At(first.keys.front()), At(keys[0]));
  EXPECT_EQ(At(first.keys.back()), At(keys[23]));
  EXPECT_EQ(At(second.keys.front()), At(keys[24]));
  EXPECT_EQ(At(second.keys[5]), At(keys[29]));
  EXPECT_EQ(At(second.keys[6]), At(keys[0]));
  EXPECT_EQ(At(second.keys.back()), At(keys[17]));
  std::set<ReportKeyPosition> listed;
  for (const SummaryKeyRun* run : {&first, &second}) {
    for (const Key& k : run->keys) listed.insert(At(k));
  }
  EXPECT_EQ(listed.size(), keys.size());
  // And on from there: the third starts after the second's last.
  EXPECT_EQ(At(cursor.Next(keys).keys.front()), At(keys[18]));
}

TEST(SummaryKeysTest, EveryKeyIsListedWithinCeilKeysOverTwentyFourSummaries) {
  for (int n : {25, 47, 48, 49, 100}) {
    SCOPED_TRACE(n);
    std::vector<Key> keys = Keys(n);
    SummaryKeyCursor cursor;
    cursor.Next(keys);  // start anywhere but the beginning
    std::set<ReportKeyPosition> listed;
    const int summaries = (n + kMaxSummaryKeys - 1) / kMaxSummaryKeys;
    for (int i = 0; i < summaries; ++i) {
      for (const Key& k : cursor.Next(keys).keys) listed.insert(At(k));
    }
    EXPECT_EQ(listed.size(), keys.size());
  }
}

TEST(SummaryKeysTest, TheCursorGoesOnWhenKeysBeforeItComeAndGo) {
  std::vector<Key> keys = Keys(30);
  SummaryKeyCursor cursor;
  cursor.Next(keys);  // keys 0..23; next is key 24
  // Keys 0..5 went (their subjects failed) and key 24 itself too: the run
  // starts at the first key after where it stopped.
  std::vector<Key> fewer(keys.begin() + 6, keys.end());
  fewer.erase(fewer.begin() + (24 - 6));
  fewer.push_back({200, 1, 1});
  fewer.push_back({201, 1, 1});
  fewer.push_back({202, 1, 1});
  fewer.push_back({203, 1, 1});
  ASSERT_GT(fewer.size(), kMaxSummaryKeys);
  SummaryKeyRun run = cursor.Next(fewer);
  EXPECT_EQ(At(run.keys.front()), At(keys[25]));
}

TEST(SummaryKeysTest, RunFromStartsAtTheGivenPositionAndLeavesNoCursor) {
  std::vector<Key> keys = Keys(30);
  SummaryKeyRun run = RunFrom(keys, At(keys[10]));
  EXPECT_TRUE(run.partial);
  EXPECT_EQ(At(run.keys.front()), At(keys[10]));
  EXPECT_EQ(At(run.keys.back()), At(keys[3]));
  // Past the last key: from the beginning.
  EXPECT_EQ(At(RunFrom(keys, {999, 0}).keys.front()), At(keys[0]));
}

phi::gossip::v1::Summary SummaryOf(const SummaryKeyRun& run) {
  phi::gossip::v1::Summary summary;
  ListReportKeys(run, &summary);
  return summary;
}

TEST(SummaryKeysTest, ACompleteListCoversEveryKey) {
  phi::gossip::v1::Summary summary = SummaryOf(RunFrom(Keys(6), {0, 0}));
  EXPECT_FALSE(summary.reports_partial());
  EXPECT_EQ(summary.reports_size(), 6);
  SummaryCoverage coverage(summary);
  EXPECT_TRUE(coverage.Covers({1, 1}));
  EXPECT_TRUE(coverage.Covers({999, 9}));
  // Nothing listed, complete: the sender holds nothing, every key counts.
  EXPECT_TRUE(SummaryCoverage(phi::gossip::v1::Summary()).Covers({5, 5}));
}

TEST(SummaryKeysTest, APartialListCoversOnlyItsRun) {
  std::vector<Key> keys = Keys(30);
  phi::gossip::v1::Summary summary = SummaryOf(RunFrom(keys, At(keys[3])));
  EXPECT_TRUE(summary.reports_partial());
  SummaryCoverage coverage(summary);
  EXPECT_EQ(coverage.first(), At(keys[3]));
  EXPECT_TRUE(coverage.Covers(At(keys[3])));
  EXPECT_TRUE(coverage.Covers(At(keys[26])));
  EXPECT_TRUE(coverage.Covers({104, 0}));  // not a key of ours, in the run
  EXPECT_FALSE(coverage.Covers(At(keys[0])));
  EXPECT_FALSE(coverage.Covers(At(keys[27])));
  EXPECT_FALSE(coverage.Covers({999, 0}));

  // A run that wrapped around: from key 20 past the end to key 13.
  SummaryCoverage wrapped(SummaryOf(RunFrom(keys, At(keys[20]))));
  EXPECT_TRUE(wrapped.Covers(At(keys[29])));
  EXPECT_TRUE(wrapped.Covers({999, 0}));
  EXPECT_TRUE(wrapped.Covers(At(keys[0])));
  EXPECT_TRUE(wrapped.Covers(At(keys[13])));
  EXPECT_FALSE(wrapped.Covers(At(keys[14])));
  EXPECT_FALSE(wrapped.Covers(At(keys[19])));
}

TEST(SummaryKeysTest, APartialListWithNoKeysCoversNothing) {
  phi::gossip::v1::Summary forged;
  forged.set_reports_partial(true);
  EXPECT_FALSE(SummaryCoverage(forged).Covers({1, 1}));
  EXPECT_FALSE(SummaryCoverage(forged).Covers({0, 0}));
}

TEST(SummaryKeysTest, TheLargestSummaryFitsOneSealedDatagram) {
  // The longest member name, a partial run of keys with report counters
  // near 2^28 (a report a second for eight years, in one generation),
  // every bucket hash, the most members, sealed with a keyring.
  std::vector<Key> keys;
  for (int i = 0; i < 30; ++i) {
    keys.push_back({~uint64_t{0} - i, ~uint64_t{0}, (uint64_t{1} << 28) - 1});
  }
  std::sort(keys.begin(), keys.end(),
            [](const Key& a, const Key& b) { return At(a) < At(b); });
  phi::gossip::v1::Packet packet;
  packet.set_kind(phi::gossip::v1::PACKET_KIND_SUMMARY);
  packet.set_sender(std::string(128, 'n'));
  packet.set_sender_generation(~uint64_t{0});
  phi::gossip::v1::Summary* summary = packet.mutable_summary();
  summary->set_members_hash(~uint64_t{0});
  summary->set_members(1000000);  // max_members' limit
  summary->set_round(2);
  ListReportKeys(RunFrom(keys, {0, 0}), summary);
  ASSERT_TRUE(summary->reports_partial());
  ASSERT_EQ(summary->reports_size(), static_cast<int>(kMaxSummaryKeys));
  for (int b = 0; b < Membership::kBuckets; ++b) {
    summary->add_buckets(~uint64_t{0});
  }
  absl::StatusOr<Keyring> ring = Keyring::FromKeys({std::string(32, 'k')});
  ASSERT_TRUE(ring.ok()) << ring.status();
  PacketCodec codec("phid", &*ring, 2);
  absl::StatusOr<std::string> bytes = codec.Encode(packet);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_LE(bytes->size(), kMaxDatagramBytes);
}

}  // namespace
}  // namespace phid
