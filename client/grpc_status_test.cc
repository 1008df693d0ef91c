#include "client/grpc_status.h"

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "grpcpp/support/status.h"
#include "gtest/gtest.h"

namespace phid {
namespace {

CallContext Context(bool connected) {
  CallContext context;
  context.target = "127.0.0.1:7070";
  context.unreachable_hint = "is the daemon running?";
  context.deadline = absl::Seconds(5);
  context.connected = connected;
  return context;
}

TEST(ToAbslStatusTest, OkStaysOk) {
  EXPECT_TRUE(ToAbslStatus(grpc::Status::OK, Context(true)).ok());
}

TEST(ToAbslStatusTest, EveryCodeMapsOneToOne) {
  for (int code = 1; code <= 16; ++code) {
    const grpc::Status status(static_cast<grpc::StatusCode>(code), "x");
    EXPECT_EQ(static_cast<int>(ToAbslStatus(status, Context(true)).code()),
              code);
  }
}

TEST(ToAbslStatusTest, DaemonMessagesAreKeptAsTheyAre) {
  const absl::Status status = ToAbslStatus(
      grpc::Status(grpc::StatusCode::NOT_FOUND, "no member named \"zed\""),
      Context(true));
  EXPECT_EQ(status, absl::NotFoundError("no member named \"zed\""));
}

TEST(ToAbslStatusTest, AnEmptyMessageNamesTheDaemonAndTheCode) {
  const absl::Status status = ToAbslStatus(
      grpc::Status(grpc::StatusCode::PERMISSION_DENIED, ""), Context(true));
  EXPECT_EQ(status.message(),
            "phid at 127.0.0.1:7070 answered PERMISSION_DENIED");
}

TEST(ToAbslStatusTest, UnavailableSaysWhatToDo) {
  const absl::Status status = ToAbslStatus(
      grpc::Status(grpc::StatusCode::UNAVAILABLE, "Connection refused"),
      Context(false));
  EXPECT_TRUE(absl::IsUnavailable(status));
  EXPECT_EQ(status.message(),
            "cannot reach phid at 127.0.0.1:7070 (is the daemon running?): "
            "Connection refused");
}

TEST(ToAbslStatusTest, UnavailableOnAnEstablishedConnectionSaysItWasLost) {
  const absl::Status status =
      ToAbslStatus(grpc::Status(grpc::StatusCode::UNAVAILABLE, "shutting down"),
                   Context(true));
  EXPECT_EQ(status.message(),
            "lost the connection to phid at 127.0.0.1:7070: shutting down");
}

TEST(ToAbslStatusTest, ADeadlineWithoutAConnectionIsUnreachable) {
  const absl::Status status = ToAbslStatus(
      grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "Deadline Exceeded"),
      Context(false));
  EXPECT_TRUE(absl::IsDeadlineExceeded(status));
  EXPECT_EQ(status.message(),
            "cannot reach phid at 127.0.0.1:7070 (is the daemon running?); no "
            "connection within 5s: Deadline Exceeded");
}

TEST(ToAbslStatusTest, ADeadlineOnAConnectionIsASlowDaemon) {
  const absl::Status status = ToAbslStatus(
      grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "Deadline Exceeded"),
      Context(true));
  EXPECT_EQ(status.message(),
            "phid at 127.0.0.1:7070 did not answer within 5s (is it "
            "overloaded? raise the timeout): Deadline Exceeded");
}

}  // namespace
}  // namespace phid
