// Server reflection, v1 (what grpcurl 1.8.8+ asks first) and v1alpha (what
// older clients speak), lists and describes every service, the built-in
// health service included, and its descriptors carry the .proto comments.
#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1/reflection.grpc.pb.h"
#include "gtest/gtest.h"
#include "proto/phi.pb.h"
#include "server/test_daemons.h"
#include "src/proto/grpc/reflection/v1alpha/reflection.grpc.pb.h"

namespace phid {
namespace {

// The two protocol versions have the same schema in different packages.
struct V1 {
  using ServerReflection = ::grpc::reflection::v1::ServerReflection;
  using ServerReflectionRequest =
      ::grpc::reflection::v1::ServerReflectionRequest;
  using ServerReflectionResponse =
      ::grpc::reflection::v1::ServerReflectionResponse;
};
struct V1Alpha {
  using ServerReflection = ::grpc::reflection::v1alpha::ServerReflection;
  using ServerReflectionRequest =
      ::grpc::reflection::v1alpha::ServerReflectionRequest;
  using ServerReflectionResponse =
      ::grpc::reflection::v1alpha::ServerReflectionResponse;
};

template <typename Version>
class ReflectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_ = StartTestDaemon(TestDaemonOptions("r"));
    channel_ = ChannelTo(*daemon_);
    stub_ = Version::ServerReflection::NewStub(channel_);
    context_.set_deadline(std::chrono::system_clock::now() +
                          std::chrono::seconds(30));
    stream_ = stub_->ServerReflectionInfo(&context_);
  }

  using Request = typename Version::ServerReflectionRequest;
  using Response = typename Version::ServerReflectionResponse;

  Response Ask(const Request& r) {
    Response response;
    EXPECT_TRUE(stream_->Write(r));
    EXPECT_TRUE(stream_->Read(&response));
    return response;
  }

  std::vector<std::string> ListServices() {
    Request request;
    request.set_list_services("");
    std::vector<std::string> names;
    Response response = Ask(request);
    for (const auto& s : response.list_services_response().service()) {
      names.push_back(s.name());
    }
    return names;
  }

  // Builds `service` from reflected descriptors alone, as grpcurl does.
  const google::protobuf::ServiceDescriptor* Describe(
      google::protobuf::DescriptorPool* pool, const std::string& service) {
    BuildFilesOf(pool, service);
    return pool->FindServiceByName(service);
  }

  // Adds the file declaring `symbol`, and its imports, to `pool`.
  void BuildFilesOf(google::protobuf::DescriptorPool* pool,
                    const std::string& symbol) {
    Request request;
    request.set_file_containing_symbol(symbol);
    Response response = Ask(request);
    EXPECT_FALSE(response.has_error_response())
        << symbol << ": " << response.error_response().error_message();
    std::map<std::string, google::protobuf::FileDescriptorProto> files;
    for (const std::string& bytes :
         response.file_descriptor_response().file_descriptor_proto()) {
      google::protobuf::FileDescriptorProto file;
      EXPECT_TRUE(file.ParseFromString(bytes));
      files[file.name()] = file;
    }
    // Dependencies first: add whatever has all its imports, until done.
    for (bool progress = true; progress && !files.empty();) {
      progress = false;
      for (auto it = files.begin(); it != files.end();) {
        bool ready = true;
        for (const std::string& dep : it->second.dependency()) {
          ready &= pool->FindFileByName(dep) != nullptr;
        }
        if (ready) {
          EXPECT_NE(pool->BuildFile(it->second), nullptr) << it->first;
          it = files.erase(it);
          progress = true;
        } else {
          ++it;
        }
      }
    }
    EXPECT_TRUE(files.empty()) << "unresolvable imports in " << symbol;
  }

  std::unique_ptr<Daemon> daemon_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<typename Version::ServerReflection::Stub> stub_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderWriter<Request, Response>> stream_;
};

using Versions = ::testing::Types<V1, V1Alpha>;
TYPED_TEST_SUITE(ReflectionTest, Versions);

TYPED_TEST(ReflectionTest, ListsEveryServiceBothReflectionVersionsIncluded) {
  EXPECT_EQ(this->ListServices(),
            (std::vector<std::string>{
                "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection",
                "grpc.reflection.v1alpha.ServerReflection",
                "phi.v1.FailureDetector"}));
}

TYPED_TEST(ReflectionTest, DescribesEveryListedServiceIncludingHealth) {
  std::vector<std::string> services = this->ListServices();
  ASSERT_GE(services.size(), 4u);
  for (const std::string& name : services) {
    google::protobuf::DescriptorPool pool;
    const google::protobuf::ServiceDescriptor* service =
        this->Describe(&pool, name);
    ASSERT_NE(service, nullptr) << name << " cannot be described";
    EXPECT_GT(service->method_count(), 0) << name;
  }
  google::protobuf::DescriptorPool pool;
  const google::protobuf::ServiceDescriptor* phi =
      this->Describe(&pool, "phi.v1.FailureDetector");
  ASSERT_NE(phi, nullptr);
  ASSERT_NE(phi->FindMethodByName("Watch"), nullptr);
  EXPECT_TRUE(phi->FindMethodByName("Watch")->server_streaming());
  EXPECT_NE(pool.FindMessageTypeByName("google.protobuf.Duration"), nullptr);
}

// What `grpcurl describe phi.v1.WatchRequest` prints as comments.
TYPED_TEST(ReflectionTest, WatchRequestFieldsCarryTheirProtoComments) {
  google::protobuf::DescriptorPool pool;
  this->BuildFilesOf(&pool, "phi.v1.WatchRequest");
  const google::protobuf::Descriptor* request =
      pool.FindMessageTypeByName("phi.v1.WatchRequest");
  ASSERT_NE(request, nullptr);
  EXPECT_EQ(request->file()->name(),
            phi::v1::WatchRequest::descriptor()->file()->name());
  ASSERT_EQ(request->field_count(),
            phi::v1::WatchRequest::descriptor()->field_count());
  for (int i = 0; i < request->field_count(); ++i) {
    google::protobuf::SourceLocation where;
    ASSERT_TRUE(request->field(i)->GetSourceLocation(&where))
        << request->field(i)->name() << ": no source info";
    EXPECT_FALSE(where.leading_comments.empty())
        << request->field(i)->name() << " has no comment";
  }
  google::protobuf::SourceLocation threshold;
  ASSERT_TRUE(
      request->FindFieldByName("phi_threshold")->GetSourceLocation(&threshold));
  EXPECT_NE(
      threshold.leading_comments.find("0 = the daemon's --default_threshold"),
      std::string::npos)
      << threshold.leading_comments;
}

TYPED_TEST(ReflectionTest, UnknownSymbolIsAnErrorResponseNotAFailedStream) {
  typename TestFixture::Request request;
  request.set_file_containing_symbol("phi.v1.NoSuchMessage");
  typename TestFixture::Response response = this->Ask(request);
  ASSERT_TRUE(response.has_error_response());
  EXPECT_EQ(response.error_response().error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(
      response.error_response().error_message().find("phi.v1.NoSuchMessage"),
      std::string::npos);
  // The stream goes on.
  EXPECT_FALSE(this->ListServices().empty());
}

TYPED_TEST(ReflectionTest, HealthServiceAnswersServing) {
  auto health = grpc::health::v1::Health::NewStub(this->channel_);
  grpc::ClientContext context;
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  ASSERT_TRUE(health->Check(&context, request, &response).ok());
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);

  // By the API's service name too, as a per-service probe asks.
  grpc::ClientContext by_name;
  request.set_service("phi.v1.FailureDetector");
  ASSERT_TRUE(health->Check(&by_name, request, &response).ok());
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

}  // namespace
}  // namespace phid
