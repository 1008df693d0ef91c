#include "server/raw_messages.h"

#include <string>

#include "gtest/gtest.h"
#include "proto/phi.pb.h"

namespace phid {
namespace {

namespace v1 = ::phi::v1;

// A length-delimited field `number` holding `value`, in wire format.
std::string Field(int number, const std::string& value) {
  std::string out;
  out += static_cast<char>((number << 3) | 2);
  out += static_cast<char>(value.size());  // short values only
  return out + value;
}

TEST(DecodeRequestTest, DecodesAValidRequest) {
  v1::WatchRequest sent;
  sent.set_phi_threshold(3);
  sent.add_names("node-1");
  sent.add_names("zürich");
  sent.mutable_idle_interval()->set_seconds(2);
  grpc::ByteBuffer buffer;
  EncodeMessage(sent, &buffer);
  v1::WatchRequest got;
  ASSERT_TRUE(DecodeRequest(buffer, &got).ok());
  EXPECT_EQ(got.SerializeAsString(), sent.SerializeAsString());
}

TEST(DecodeRequestTest, AStringThatIsNotUtf8IsInvalidArgumentNamingTheField) {
  v1::GetPeerRequest peer;
  absl::Status status = DecodeRequest(Field(1, "ab\xff"), &peer);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "the request is not a valid phi.v1.GetPeerRequest: name is not "
            "UTF-8, as a protobuf string must be (got \"ab\\xff\")");

  v1::WatchRequest watch;
  status = DecodeRequest(
      Field(3, "ok") + Field(3, "fine") + Field(3, "\xc0\xaf"), &watch);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "the request is not a valid phi.v1.WatchRequest: names[2] is not "
            "UTF-8, as a protobuf string must be (got \"\\xc0\\xaf\")");

  v1::ListPeersRequest list;
  status = DecodeRequest(Field(2, "dc=\xe9u"), &list);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("tag_selector is not UTF-8"),
            absl::string_view::npos)
      << status;
}

TEST(DecodeRequestTest, BytesThatAreNoMessageAreInvalidArgument) {
  v1::GetPeerRequest peer;
  // Field 1, length 10, but only 2 bytes follow.
  absl::Status status = DecodeRequest(std::string("\x0a\x0a"
                                                  "ab",
                                                  4),
                                      &peer);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "the request is not a valid phi.v1.GetPeerRequest: the bytes are "
            "not protobuf wire format");
}

TEST(DecodeRequestTest, UnknownFieldsAreKeptAsProtobufDoes) {
  v1::GetPeerRequest peer;
  // Field 9 (unknown) holds invalid UTF-8: not a string of this message.
  ASSERT_TRUE(DecodeRequest(Field(1, "a") + Field(9, "\xff"), &peer).ok());
  EXPECT_EQ(peer.name(), "a");
}

}  // namespace
}  // namespace phid
