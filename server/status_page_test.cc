#include "server/status_page.h"

#include <map>
#include <string>

#include "absl/strings/match.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace phid {
namespace {

namespace v1 = ::phi::v1;
using Params = std::multimap<std::string, std::string>;

v1::Peer PeerNamed(const std::string& name, v1::PeerState state, double phi) {
  v1::Peer peer;
  peer.set_name(name);
  peer.set_address(name + ":7946");
  peer.set_state(state);
  peer.set_phi(phi);
  peer.set_threshold(8);
  return peer;
}

// Parses JSON text into a Struct (fails the test if it does not parse).
google::protobuf::Struct Parse(const std::string& json) {
  google::protobuf::Struct out;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &out).ok())
      << json;
  return out;
}

std::vector<std::string> NamesIn(const google::protobuf::Struct& page) {
  std::vector<std::string> names;
  for (const auto& peer : page.fields().at("peers").list_value().values()) {
    names.push_back(peer.struct_value().fields().at("name").string_value());
  }
  return names;
}

v1::ListPeersResponse FiveMembers() {
  v1::ListPeersResponse all;
  all.set_self("a");
  all.set_threshold(8);
  *all.add_peers() = PeerNamed("c", v1::PEER_STATE_SUSPECT, 12);
  *all.add_peers() = PeerNamed("a", v1::PEER_STATE_ALIVE, 0);
  *all.add_peers() = PeerNamed("e", v1::PEER_STATE_LEFT, 0);
  v1::Peer db = PeerNamed("b", v1::PEER_STATE_ALIVE, 2.5);
  (*db.mutable_tags())["role"] = "db";
  *all.add_peers() = db;
  *all.add_peers() = PeerNamed("d", v1::PEER_STATE_ALIVE, 0.5);
  return all;
}

TEST(ParsePeersQueryTest, DefaultsWithoutParameters) {
  absl::StatusOr<PeersQuery> q = ParsePeersQuery({});
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->offset, 0u);
  EXPECT_EQ(q->limit, kDefaultPeersPageSize);
  EXPECT_EQ(q->sort, PeersQuery::Sort::kName);
  EXPECT_EQ(q->state, v1::PEER_STATE_UNSPECIFIED);
}

TEST(ParsePeersQueryTest, BadValuesNameTheParameter) {
  for (const auto& [param, value] :
       std::vector<std::pair<std::string, std::string>>{
           {"limit", "0"},
           {"limit", "1001"},
           {"limit", "ten"},
           {"offset", "-1"},
           {"state", "dead"},
           {"sort", "age"},
           {"phi_threshold", "high"},
           {"q", std::string(kMaxPeersFilterBytes + 1, 'x')}}) {
    absl::StatusOr<PeersQuery> q = ParsePeersQuery({{param, value}});
    ASSERT_FALSE(q.ok()) << param << "=" << value;
    EXPECT_EQ(q.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_TRUE(absl::StartsWith(q.status().message(), param))
        << q.status().message();
  }
}

TEST(ParsePeersQueryTest, ThresholdAndSelectorGoToListPeers) {
  absl::StatusOr<PeersQuery> q =
      ParsePeersQuery({{"phi_threshold", "3"}, {"tag_selector", "role=db"}});
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->list.phi_threshold(), 3);
  EXPECT_EQ(q->list.tag_selector(), "role=db");
}

TEST(RenderPeersJsonTest, CountsEveryMemberAndPagesTheMatchedOnesByName) {
  absl::StatusOr<PeersQuery> q =
      ParsePeersQuery({{"offset", "1"}, {"limit", "2"}});
  ASSERT_TRUE(q.ok());
  google::protobuf::Struct page = Parse(RenderPeersJson(FiveMembers(), *q));
  const auto& f = page.fields();
  EXPECT_EQ(f.at("total").number_value(), 5);
  EXPECT_EQ(f.at("matched").number_value(), 5);
  EXPECT_EQ(f.at("offset").number_value(), 1);
  EXPECT_EQ(f.at("limit").number_value(), 2);
  const auto& counts = f.at("counts").struct_value().fields();
  EXPECT_EQ(counts.at("alive").number_value(), 3);
  EXPECT_EQ(counts.at("suspect").number_value(), 1);
  EXPECT_EQ(counts.at("left").number_value(), 1);
  EXPECT_EQ(counts.at("failed").number_value(), 0);
  EXPECT_EQ(f.at("self").string_value(), "a");
  EXPECT_EQ(f.at("threshold").number_value(), 8);
  EXPECT_EQ(NamesIn(page), (std::vector<std::string>{"b", "c"}));
}

TEST(RenderPeersJsonTest, PeersUseTheProtoFieldNamesWithZerosPrinted) {
  google::protobuf::Struct page =
      Parse(RenderPeersJson(FiveMembers(), *ParsePeersQuery({})));
  const auto& a =
      page.fields().at("peers").list_value().values(0).struct_value().fields();
  EXPECT_EQ(a.at("name").string_value(), "a");
  EXPECT_EQ(a.at("state").string_value(), "PEER_STATE_ALIVE");
  EXPECT_EQ(a.at("phi").number_value(), 0);
  for (const char* field :
       {"address", "generation", "status", "suspected_by", "interval_mean_ms",
        "interval_stddev_ms", "samples", "tags", "threshold", "is_self"}) {
    EXPECT_EQ(a.count(field), 1u) << field;
  }
}

TEST(RenderPeersJsonTest, FiltersByTextStateAndSortsByPhi) {
  auto names = [](const Params& params) {
    absl::StatusOr<PeersQuery> q = ParsePeersQuery(params);
    EXPECT_TRUE(q.ok()) << q.status();
    return NamesIn(Parse(RenderPeersJson(FiveMembers(), *q)));
  };
  using Names = std::vector<std::string>;
  EXPECT_EQ(names({{"q", "ROLE=d"}}), Names{"b"});  // a tag
  EXPECT_EQ(names({{"q", "c:79"}}), Names{"c"});    // an address
  EXPECT_EQ(names({{"state", "suspect"}}), Names{"c"});
  EXPECT_EQ(names({{"state", "alive"}, {"sort", "phi"}}),
            (Names{"b", "d", "a"}));
  EXPECT_EQ(names({{"sort", "phi"}}), (Names{"c", "b", "d", "a", "e"}));
  EXPECT_EQ(names({{"offset", "9"}}), Names{});
}

v1::WatchResponse TransitionOf(const std::string& name, uint64_t epoch) {
  v1::WatchResponse message;
  message.set_epoch(epoch);
  message.mutable_transition()->mutable_peer()->set_name(name);
  message.mutable_transition()->set_reason(
      v1::TRANSITION_REASON_CROSSED_THRESHOLD);
  return message;
}

std::vector<std::string> EventNames(const google::protobuf::Struct& events) {
  std::vector<std::string> names;
  for (const auto& e : events.fields().at("events").list_value().values()) {
    names.push_back(e.struct_value()
                        .fields()
                        .at("transition")
                        .struct_value()
                        .fields()
                        .at("peer")
                        .struct_value()
                        .fields()
                        .at("name")
                        .string_value());
  }
  return names;
}

TEST(TransitionLogTest, KeepsOnlyTransitionsNumberedFromOne) {
  TransitionLog log(10);
  v1::WatchResponse snapshot;
  snapshot.mutable_snapshot();
  log.Send(snapshot);
  log.Send(TransitionOf("x", 7));
  log.Send(TransitionOf("y", 7));
  google::protobuf::Struct all = Parse(log.RenderJson(0, 100));
  EXPECT_EQ(EventNames(all), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(all.fields().at("epoch").string_value(), "7");
  EXPECT_EQ(all.fields().at("last_sequence").string_value(), "2");
  const auto& first =
      all.fields().at("events").list_value().values(0).struct_value().fields();
  EXPECT_EQ(first.at("sequence").string_value(), "1");
  EXPECT_EQ(EventNames(Parse(log.RenderJson(1, 100))),
            std::vector<std::string>{"y"});
  EXPECT_EQ(EventNames(Parse(log.RenderJson(2, 100))),
            std::vector<std::string>{});
}

TEST(TransitionLogTest, ForgetsTheOldestAndReturnsTheNewestWithinTheLimit) {
  TransitionLog log(3);
  for (const char* name : {"a", "b", "c", "d", "e"}) {
    log.Send(TransitionOf(name, 1));
  }
  using Names = std::vector<std::string>;
  EXPECT_EQ(EventNames(Parse(log.RenderJson(0, 100))), (Names{"c", "d", "e"}));
  EXPECT_EQ(EventNames(Parse(log.RenderJson(0, 2))), (Names{"d", "e"}));
  EXPECT_EQ(EventNames(Parse(log.RenderJson(3, 100))), (Names{"d", "e"}));
  EXPECT_EQ(EventNames(Parse(log.RenderJson(4, 100))), (Names{"e"}));
}

TEST(StatusPageHtmlTest, IsEmbeddedWhole) {
  std::string html = kStatusPageHtml;
  EXPECT_TRUE(absl::StartsWith(html, "<!doctype html>"));
  EXPECT_TRUE(absl::StrContains(html, "v1/peers?"));
  EXPECT_TRUE(absl::StrContains(html, "</html>"));
  // Nothing loaded from elsewhere (the SVG namespace is only a name).
  for (const char* external : {"src=\"http", "href=\"http", "src=\"//",
                               "href=\"//", "url(", "@import", "https://"}) {
    EXPECT_FALSE(absl::StrContains(html, external)) << external;
  }
}

}  // namespace
}  // namespace phid
