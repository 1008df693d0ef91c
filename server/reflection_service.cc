#include "server/reflection_service.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "grpc/reflection/v1/reflection.grpc.pb.h"
#include "grpcpp/impl/server_builder_option.h"
#include "grpcpp/impl/server_builder_plugin.h"
#include "grpcpp/impl/server_initializer.h"
#include "server/reflection_descriptors.h"
#include "src/proto/grpc/reflection/v1alpha/reflection.grpc.pb.h"

namespace phid {
namespace {

// The name gRPC's libgrpc++_reflection registers its v1alpha plugin under.
constexpr char kGrpcReflectionPluginName[] = "proto_server_reflection";

// The services this server has registered, known only once it is built.
class ServiceList final {
 public:
  void Set(std::vector<std::string> names) {
    std::sort(names.begin(), names.end());
    absl::MutexLock lock(&mu_);
    names_ = std::move(names);
  }
  std::vector<std::string> Get() const {
    absl::MutexLock lock(&mu_);
    return names_;
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<std::string> names_ ABSL_GUARDED_BY(mu_);
};

// One reflection protocol version: its service base and messages. v1 and
// v1alpha have the same schema, so one implementation serves both.
struct ReflectionV1 {
  using Service = ::grpc::reflection::v1::ServerReflection::Service;
  using Request = ::grpc::reflection::v1::ServerReflectionRequest;
  using Response = ::grpc::reflection::v1::ServerReflectionResponse;
};
struct ReflectionV1Alpha {
  using Service = ::grpc::reflection::v1alpha::ServerReflection::Service;
  using Request = ::grpc::reflection::v1alpha::ServerReflectionRequest;
  using Response = ::grpc::reflection::v1alpha::ServerReflectionResponse;
};

template <typename Version>
class ServerReflectionService final : public Version::Service {
 public:
  using Request = typename Version::Request;
  using Response = typename Version::Response;

  ServerReflectionService(std::shared_ptr<const ReflectionDescriptors> pool,
                          std::shared_ptr<const ServiceList> services)
      : pool_(std::move(pool)), services_(std::move(services)) {}

  grpc::Status ServerReflectionInfo(
      grpc::ServerContext* /*context*/,
      grpc::ServerReaderWriter<Response, Request>* stream) override {
    Request request;
    while (stream->Read(&request)) {
      if (!stream->Write(Answer(request))) break;
    }
    return grpc::Status::OK;
  }

 private:
  Response Answer(const Request& request) const {
    Response response;
    response.set_valid_host(request.host());
    *response.mutable_original_request() = request;
    absl::Status status;
    switch (request.message_request_case()) {
      case Request::kListServices:
        for (const std::string& name : services_->Get()) {
          response.mutable_list_services_response()->add_service()->set_name(
              name);
        }
        return response;
      case Request::kFileByFilename:
        status =
            Files(pool_->FileByName(request.file_by_filename()), &response);
        break;
      case Request::kFileContainingSymbol:
        status =
            Files(pool_->FileContainingSymbol(request.file_containing_symbol()),
                  &response);
        break;
      case Request::kFileContainingExtension:
        status =
            Files(pool_->FileContainingExtension(
                      request.file_containing_extension().containing_type(),
                      request.file_containing_extension().extension_number()),
                  &response);
        break;
      case Request::kAllExtensionNumbersOfType:
        status = Numbers(request.all_extension_numbers_of_type(), &response);
        break;
      default:
        status = absl::InvalidArgumentError(
            "message_request: none of list_services, file_by_filename, "
            "file_containing_symbol, file_containing_extension, "
            "all_extension_numbers_of_type is set");
        break;
    }
    if (!status.ok()) {
      // absl::StatusCode values are gRPC's status codes.
      response.mutable_error_response()->set_error_code(
          static_cast<int>(status.code()));
      response.mutable_error_response()->set_error_message(
          std::string(status.message()));
    }
    return response;
  }

  absl::Status Files(
      const absl::StatusOr<const google::protobuf::FileDescriptor*>& file,
      Response* response) const {
    if (!file.ok()) return file.status();
    for (std::string& bytes : pool_->Serialize(*file)) {
      response->mutable_file_descriptor_response()->add_file_descriptor_proto(
          std::move(bytes));
    }
    return absl::OkStatus();
  }

  absl::Status Numbers(const std::string& type, Response* response) const {
    absl::StatusOr<std::vector<int>> numbers = pool_->ExtensionNumbers(type);
    if (!numbers.ok()) return numbers.status();
    auto* out = response->mutable_all_extension_numbers_response();
    out->set_base_type_name(type);
    for (int number : *numbers) out->add_extension_number(number);
    return absl::OkStatus();
  }

  const std::shared_ptr<const ReflectionDescriptors> pool_;
  const std::shared_ptr<const ServiceList> services_;
};

// Registers both services on the server being built and, once it is built,
// tells them which services it has.
class ReflectionPlugin final : public grpc::ServerBuilderPlugin {
 public:
  ReflectionPlugin()
      : pool_(std::make_shared<const ReflectionDescriptors>()),
        services_(std::make_shared<ServiceList>()),
        v1_(std::make_shared<ServerReflectionService<ReflectionV1>>(pool_,
                                                                    services_)),
        v1alpha_(std::make_shared<ServerReflectionService<ReflectionV1Alpha>>(
            pool_, services_)) {}

  std::string name() override { return kReflectionPluginName; }
  void InitServer(grpc::ServerInitializer* si) override {
    si->RegisterService(v1_);
    si->RegisterService(v1alpha_);
  }
  void Finish(grpc::ServerInitializer* si) override {
    services_->Set(*si->GetServiceList());
  }
  void ChangeArguments(const std::string& /*name*/, void* /*value*/) override {}
  bool has_sync_methods() const override { return true; }
  bool has_async_methods() const override { return false; }

 private:
  const std::shared_ptr<const ReflectionDescriptors> pool_;
  const std::shared_ptr<ServiceList> services_;
  const std::shared_ptr<grpc::Service> v1_;
  const std::shared_ptr<grpc::Service> v1alpha_;
};

class ReflectionOption final : public grpc::ServerBuilderOption {
 public:
  void UpdateArguments(grpc::ChannelArguments* /*args*/) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>*
                         plugins) override {
    plugins->erase(
        std::remove_if(plugins->begin(), plugins->end(),
                       [](const std::unique_ptr<grpc::ServerBuilderPlugin>& p) {
                         return p->name() == kGrpcReflectionPluginName;
                       }),
        plugins->end());
    plugins->push_back(std::make_unique<ReflectionPlugin>());
  }
};

}  // namespace

void AddServerReflection(grpc::ServerBuilder* builder) {
  builder->SetOption(std::make_unique<ReflectionOption>());
}

}  // namespace phid
