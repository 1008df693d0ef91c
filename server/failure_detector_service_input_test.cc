// The service's handling of requests that do not parse and of hostile
// values, on a fake backend: a real gRPC server on loopback, no daemon.
// Requests are sent as raw bytes, so they can be what no stub would send.
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/synchronization/mutex.h"
#include "detector/base/clock.h"
#include "detector/base/simulated_clock.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/impl/client_unary_call.h"
#include "grpcpp/support/sync_stream.h"
#include "gtest/gtest.h"
#include "proto/phi.grpc.pb.h"
#include "server/failure_detector_service.h"
#include "server/raw_messages.h"
#include "server/service_on_loopback.h"

namespace phid {
namespace {

namespace v1 = ::phi::v1;

// Answers from canned values and counts the calls that reached it.
class FakeBackend final : public FailureDetectorBackend {
 public:
  absl::StatusOr<v1::ListPeersResponse> ListPeers(
      const v1::ListPeersRequest&) override {
    ++calls;
    v1::ListPeersResponse response;
    response.set_self("fake");
    return response;
  }
  absl::StatusOr<v1::Peer> GetPeer(const v1::GetPeerRequest& r) override {
    ++calls;
    // A message quoting the value raw, as no phid code does: the one
    // conversion to grpc::Status must still make it safe.
    return absl::NotFoundError("raw " + r.name());
  }
  absl::StatusOr<v1::ForgetResponse> Forget(
      const v1::ForgetRequest& r) override {
    ++calls;
    return absl::NotFoundError("raw " + r.name());
  }
  absl::StatusOr<uint64_t> Subscribe(const v1::WatchRequest&,
                                     std::shared_ptr<WatchSink>) override {
    ++calls;
    return absl::InvalidArgumentError("refused by the fake");
  }
  void Unsubscribe(uint64_t) override {}
  std::atomic<int> calls{0};
};

class ServiceInputTest : public ::testing::Test {
 protected:
  ServiceInputTest() : loopback_(&backend_, clock_) {}

  // A unary call with `bytes` as the request.
  grpc::Status Unary(const std::string& method, const std::string& bytes,
                     grpc::ByteBuffer* response) {
    grpc::Slice slice(bytes);
    grpc::ByteBuffer request(&slice, 1);
    grpc::ClientContext context;
    const grpc::internal::RpcMethod rpc(method.c_str(),
                                        grpc::internal::RpcMethod::NORMAL_RPC);
    return grpc::internal::BlockingUnaryCall(loopback_.channel().get(), rpc,
                                             &context, request, response);
  }

  // A Watch with `bytes` as the request; its final status.
  grpc::Status Watch(const std::string& bytes) {
    grpc::Slice slice(bytes);
    grpc::ByteBuffer request(&slice, 1);
    grpc::ClientContext context;
    const grpc::internal::RpcMethod rpc(
        "/phi.v1.FailureDetector/Watch",
        grpc::internal::RpcMethod::SERVER_STREAMING);
    std::unique_ptr<grpc::ClientReader<grpc::ByteBuffer>> reader(
        grpc::internal::ClientReaderFactory<grpc::ByteBuffer>::Create(
            loopback_.channel().get(), rpc, &context, request));
    grpc::ByteBuffer message;
    while (reader->Read(&message)) {
    }
    return reader->Finish();
  }

  SimulatedClock clock_;
  FakeBackend backend_;
  ServiceOnLoopback loopback_;
};

// Field 1 (GetPeerRequest.name, ListPeersRequest.phi_threshold is a double
// so ListPeers uses field 2, tag_selector) holding invalid UTF-8.
const std::string kBadName(
    "\x0a\x03"
    "a\xff"
    "b",
    5);
const std::string kBadSelector(
    "\x12\x02"
    "\xc3\x28",
    4);
const std::string kBadWatchName(
    "\x1a\x02"
    "ok"
    "\x1a\x01"
    "\xfe",
    7);

TEST_F(ServiceInputTest, AStringThatIsNotUtf8IsInvalidArgumentSayingSo) {
  grpc::ByteBuffer response;
  grpc::Status status =
      Unary("/phi.v1.FailureDetector/GetPeer", kBadName, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "the request is not a valid phi.v1.GetPeerRequest: name is not "
            "UTF-8, as a protobuf string must be (got \"a\\xffb\")");

  status = Unary("/phi.v1.FailureDetector/ListPeers", kBadSelector, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(status.error_message(),
                                "ListPeersRequest: tag_selector is not UTF-8"))
      << status.error_message();

  status = Watch(kBadWatchName);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(status.error_message(),
                                "WatchRequest: names[1] is not UTF-8"))
      << status.error_message();
  // None of them reached the backend.
  EXPECT_EQ(backend_.calls.load(), 0);
}

TEST_F(ServiceInputTest, BytesThatAreNoMessageAreInvalidArgument) {
  grpc::ByteBuffer response;
  const grpc::Status status = Unary("/phi.v1.FailureDetector/GetPeer",
                                    std::string("\x0a\x7f"
                                                "ab",
                                                4),
                                    &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(
      absl::StrContains(status.error_message(), "not protobuf wire format"));
  EXPECT_EQ(backend_.calls.load(), 0);
}

TEST_F(ServiceInputTest, AValidRequestReachesTheBackendAndItsAnswerTheClient) {
  grpc::ByteBuffer response;
  ASSERT_TRUE(Unary("/phi.v1.FailureDetector/ListPeers", "", &response).ok());
  v1::ListPeersResponse list;
  ASSERT_TRUE(DecodeRequest(response, &list).ok());
  EXPECT_EQ(list.self(), "fake");
  const grpc::Status watch = Watch("");
  EXPECT_EQ(watch.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(watch.error_message(), "refused by the fake");
  EXPECT_EQ(backend_.calls.load(), 2);
}

TEST_F(ServiceInputTest, EveryStatusMessageIsEscapedAndCutShort) {
  v1::GetPeerRequest request;
  request.set_name("\x1b[2J" + std::string(1 << 20, 'z'));
  grpc::ByteBuffer response;
  const grpc::Status status = Unary("/phi.v1.FailureDetector/GetPeer",
                                    request.SerializeAsString(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(absl::StartsWith(status.error_message(), "raw \\x1b[2Jzzz"))
      << status.error_message().substr(0, 80);
  EXPECT_TRUE(absl::EndsWith(status.error_message(), "zzz…"));
  EXPECT_LE(status.error_message().size(), 1024u + 8);
}

}  // namespace
}  // namespace phid
