#include "gossip/tags.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace phid {
namespace {

using ::testing::HasSubstr;

TEST(TagsTest, ParsesKeyValuePairs) {
  absl::StatusOr<Tags> tags = ParseTags("role=db,zone=eu-west-1a");
  ASSERT_TRUE(tags.ok()) << tags.status();
  EXPECT_EQ(tags->at("role"), "db");
  EXPECT_EQ(tags->at("zone"), "eu-west-1a");
  EXPECT_EQ(FormatTags(*tags), "role=db,zone=eu-west-1a");
}

TEST(TagsTest, EmptyTextIsNoTags) {
  absl::StatusOr<Tags> tags = ParseTags("");
  ASSERT_TRUE(tags.ok());
  EXPECT_TRUE(tags->empty());
}

TEST(TagsTest, RejectsMalformedTagsNamingTheProblem) {
  EXPECT_THAT(ParseTags("role").status().message(),
              HasSubstr("'role' is not of the form key=value"));
  EXPECT_THAT(ParseTags("role=a,role=b").status().message(),
              HasSubstr("appears twice"));
  EXPECT_THAT(ParseTags("Role=db").status().message(),
              HasSubstr("tag key 'Role'"));
  EXPECT_THAT(ParseTags("=db").status().message(), HasSubstr("1 to 32"));
  EXPECT_THAT(ParseTags("k=" + std::string(65, 'v')).status().message(),
              HasSubstr("at most 64"));
  EXPECT_THAT(ParseTags(std::string("k=a\x01")).status().message(),
              HasSubstr("printable"));
}

TEST(TagsTest, RejectsTagsThatWouldOverflowThePacketBudget) {
  Tags many;
  for (int i = 0; i < 17; ++i) many["k" + std::to_string(i)] = "v";
  EXPECT_THAT(ValidateTags(many).message(), HasSubstr("too many tags"));
  Tags big;
  for (int i = 0; i < 10; ++i) {
    big["key" + std::to_string(i)] = std::string(60, 'v');
  }
  EXPECT_THAT(ValidateTags(big).message(), HasSubstr("fits one gossip packet"));
}

TEST(TagsTest, ASelectorMatchesWhenEveryPairMatches) {
  Tags tags = {{"role", "db"}, {"zone", "a"}};
  EXPECT_TRUE(Matches({}, tags));
  EXPECT_TRUE(Matches({{"role", "db"}}, tags));
  EXPECT_TRUE(Matches({{"role", "db"}, {"zone", "a"}}, tags));
  EXPECT_FALSE(Matches({{"role", "db"}, {"zone", "b"}}, tags));
  EXPECT_FALSE(Matches({{"rack", "1"}}, tags));
}

TEST(TagsTest, MemberNamesUseASafeAlphabet) {
  EXPECT_TRUE(IsValidMemberName("node-1.example_com:7946"));
  EXPECT_FALSE(IsValidMemberName(""));
  EXPECT_FALSE(IsValidMemberName("has space"));
  EXPECT_FALSE(IsValidMemberName(std::string(129, 'a')));
}

}  // namespace
}  // namespace phid
