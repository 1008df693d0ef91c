// The compiled-in descriptors carry the .proto comments, under the
// generated code's file names, and fall back to the generated pool.
#include "server/reflection_descriptors.h"

#include <string>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "grpc/health/v1/health.pb.h"
#include "gtest/gtest.h"
#include "proto/phi.pb.h"

namespace phid {
namespace {

namespace pb = ::google::protobuf;

TEST(ReflectionDescriptorsTest, ApiFileHasTheGeneratedNameAndComments) {
  ReflectionDescriptors descriptors;
  absl::StatusOr<const pb::FileDescriptor*> file =
      descriptors.FileContainingSymbol("phi.v1.WatchRequest.phi_threshold");
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ((*file)->name(),
            phi::v1::WatchRequest::descriptor()->file()->name());
  const pb::Descriptor* request =
      (*file)->FindMessageTypeByName("WatchRequest");
  ASSERT_NE(request, nullptr);
  for (int i = 0; i < request->field_count(); ++i) {
    pb::SourceLocation where;
    ASSERT_TRUE(request->field(i)->GetSourceLocation(&where))
        << request->field(i)->name();
    EXPECT_FALSE(where.leading_comments.empty() &&
                 where.trailing_comments.empty())
        << request->field(i)->name() << " has no comment";
  }
}

TEST(ReflectionDescriptorsTest, HealthComesWithCommentsToo) {
  ReflectionDescriptors descriptors;
  absl::StatusOr<const pb::FileDescriptor*> file =
      descriptors.FileContainingSymbol("grpc.health.v1.Health");
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ((*file)->name(),
            grpc::health::v1::HealthCheckRequest::descriptor()->file()->name());
  pb::SourceLocation where;
  EXPECT_TRUE((*file)->FindServiceByName("Health")->GetSourceLocation(&where));
}

TEST(ReflectionDescriptorsTest, FilesTheSetLacksComeFromTheGeneratedPool) {
  // Not in the set: only phi.proto, health, reflection v1 and imports are.
  ReflectionDescriptors descriptors("");
  absl::StatusOr<const pb::FileDescriptor*> file =
      descriptors.FileContainingSymbol("phi.v1.FailureDetector");
  ASSERT_TRUE(file.ok()) << file.status();
  pb::SourceLocation where;
  EXPECT_FALSE((*file)
                   ->FindMessageTypeByName("WatchRequest")
                   ->field(0)
                   ->GetSourceLocation(&where));
}

TEST(ReflectionDescriptorsTest, UnknownNamesAreNotFoundAndEchoedSafely) {
  ReflectionDescriptors descriptors;
  absl::StatusOr<const pb::FileDescriptor*> file =
      descriptors.FileContainingSymbol("phi.v1.Nope\x1b[2J");
  ASSERT_EQ(file.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(file.status().message().find("\"phi.v1.Nope\\x1b[2J\""),
            std::string::npos)
      << file.status();
  EXPECT_EQ(descriptors.FileByName("no/such.proto").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(descriptors.ExtensionNumbers("phi.v1.Nope").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(
      descriptors.FileContainingExtension("phi.v1.Peer", 1000).status().code(),
      absl::StatusCode::kNotFound);
}

TEST(ReflectionDescriptorsTest, SerializeGivesTheFileThenItsImportsOnce) {
  ReflectionDescriptors descriptors;
  const pb::FileDescriptor* api =
      *descriptors.FileContainingSymbol("phi.v1.Peer");
  std::vector<std::string> first = descriptors.Serialize(api);
  ASSERT_EQ(first.size(), 2u);  // phi.proto, then duration.proto
  pb::FileDescriptorProto proto;
  ASSERT_TRUE(proto.ParseFromString(first[0]));
  EXPECT_EQ(proto.name(), api->name());
  EXPECT_TRUE(proto.has_source_code_info());
  ASSERT_TRUE(proto.ParseFromString(first[1]));
  EXPECT_EQ(proto.name(), "google/protobuf/duration.proto");
  EXPECT_EQ(descriptors.Serialize(api), first);
}

}  // namespace
}  // namespace phid
