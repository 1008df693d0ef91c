// Server reflection (v1alpha, what every grpcurl speaks) lists and
// describes every service, the built-in health service included.
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "server/test_daemons.h"
#include "src/proto/grpc/reflection/v1alpha/reflection.grpc.pb.h"

namespace phid {
namespace {

namespace refl = ::grpc::reflection::v1alpha;

class ReflectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_ = StartTestDaemon(TestDaemonOptions("r"));
    channel_ = ChannelTo(*daemon_);
    stub_ = refl::ServerReflection::NewStub(channel_);
    context_.set_deadline(std::chrono::system_clock::now() +
                          std::chrono::seconds(30));
    stream_ = stub_->ServerReflectionInfo(&context_);
  }

  refl::ServerReflectionResponse Ask(const refl::ServerReflectionRequest& r) {
    refl::ServerReflectionResponse response;
    EXPECT_TRUE(stream_->Write(r));
    EXPECT_TRUE(stream_->Read(&response));
    return response;
  }

  std::vector<std::string> ListServices() {
    refl::ServerReflectionRequest request;
    request.set_list_services("");
    std::vector<std::string> names;
    refl::ServerReflectionResponse response = Ask(request);
    for (const auto& s : response.list_services_response().service()) {
      names.push_back(s.name());
    }
    return names;
  }

  // Builds `service` from reflected descriptors alone, as grpcurl does.
  const google::protobuf::ServiceDescriptor* Describe(
      google::protobuf::DescriptorPool* pool, const std::string& service) {
    refl::ServerReflectionRequest request;
    request.set_file_containing_symbol(service);
    refl::ServerReflectionResponse response = Ask(request);
    EXPECT_FALSE(response.has_error_response())
        << service << ": " << response.error_response().error_message();
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
    EXPECT_TRUE(files.empty()) << "unresolvable imports in " << service;
    return pool->FindServiceByName(service);
  }

  std::unique_ptr<Daemon> daemon_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<refl::ServerReflection::Stub> stub_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderWriter<refl::ServerReflectionRequest,
                                           refl::ServerReflectionResponse>>
      stream_;
};

TEST_F(ReflectionTest, ListsEveryService) {
  std::vector<std::string> services = ListServices();
  for (const char* expected :
       {"phi.v1.FailureDetector", "grpc.health.v1.Health",
        "grpc.reflection.v1alpha.ServerReflection"}) {
    EXPECT_NE(std::find(services.begin(), services.end(), expected),
              services.end())
        << expected;
  }
}

TEST_F(ReflectionTest, DescribesEveryListedServiceIncludingHealth) {
  std::vector<std::string> services = ListServices();
  ASSERT_GE(services.size(), 3u);
  for (const std::string& name : services) {
    google::protobuf::DescriptorPool pool;
    const google::protobuf::ServiceDescriptor* service = Describe(&pool, name);
    ASSERT_NE(service, nullptr) << name << " cannot be described";
    EXPECT_GT(service->method_count(), 0) << name;
  }
  google::protobuf::DescriptorPool pool;
  const google::protobuf::ServiceDescriptor* phi =
      Describe(&pool, "phi.v1.FailureDetector");
  ASSERT_NE(phi, nullptr);
  ASSERT_NE(phi->FindMethodByName("Watch"), nullptr);
  EXPECT_TRUE(phi->FindMethodByName("Watch")->server_streaming());
  EXPECT_NE(pool.FindMessageTypeByName("google.protobuf.Duration"), nullptr);
}

TEST_F(ReflectionTest, HealthServiceAnswersServing) {
  auto health = grpc::health::v1::Health::NewStub(channel_);
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
