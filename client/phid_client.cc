#include "client/phid_client.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "client/grpc_status.h"

namespace phid {

absl::Status ClientOptions::Validate() const {
  if (deadline <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the call deadline must be positive, not ",
                     absl::FormatDuration(deadline)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<PhidClient>> PhidClient::Create(
    absl::string_view target, const ClientOptions& options) {
  if (target.empty()) {
    return absl::InvalidArgumentError(
        "no phid target: give host:port (e.g. 127.0.0.1:7070) or "
        "unix:/path");
  }
  return ForChannel(grpc::CreateChannel(std::string(target),
                                        grpc::InsecureChannelCredentials()),
                    target, options);
}

absl::StatusOr<std::unique_ptr<PhidClient>> PhidClient::ForChannel(
    std::shared_ptr<grpc::Channel> channel, absl::string_view target,
    const ClientOptions& options) {
  if (absl::Status valid = options.Validate(); !valid.ok()) return valid;
  if (channel == nullptr) return absl::InvalidArgumentError("null channel");
  return std::unique_ptr<PhidClient>(
      new PhidClient(std::move(channel), std::string(target), options));
}

PhidClient::PhidClient(std::shared_ptr<grpc::Channel> channel,
                       std::string target, ClientOptions options)
    : channel_(std::move(channel)),
      target_(std::move(target)),
      options_(std::move(options)),
      stub_(phi::v1::FailureDetector::NewStub(channel_)) {}

std::unique_ptr<grpc::ClientContext> PhidClient::UnaryContext() const {
  auto context = std::make_unique<grpc::ClientContext>();
  if (options_.deadline != absl::InfiniteDuration()) {
    context->set_deadline(absl::ToChronoTime(absl::Now() + options_.deadline));
  }
  return context;
}

absl::Status PhidClient::UnaryError(const grpc::Status& status) const {
  CallContext context;
  context.target = target_;
  context.unreachable_hint = options_.unreachable_hint;
  context.deadline = options_.deadline;
  context.connected =
      channel_->GetState(/*try_to_connect=*/false) == GRPC_CHANNEL_READY;
  return ToAbslStatus(status, context);
}

absl::StatusOr<phi::v1::ListPeersResponse> PhidClient::ListPeers(
    const phi::v1::ListPeersRequest& request) const {
  phi::v1::ListPeersResponse response;
  const grpc::Status status =
      stub_->ListPeers(UnaryContext().get(), request, &response);
  if (!status.ok()) return UnaryError(status);
  return response;
}

absl::StatusOr<phi::v1::Peer> PhidClient::GetPeer(absl::string_view name,
                                                  double threshold) const {
  phi::v1::GetPeerRequest request;
  request.set_name(std::string(name));
  request.set_phi_threshold(threshold);
  phi::v1::Peer peer;
  const grpc::Status status =
      stub_->GetPeer(UnaryContext().get(), request, &peer);
  if (!status.ok()) return UnaryError(status);
  return peer;
}

absl::StatusOr<phi::v1::Peer> PhidClient::Forget(absl::string_view name) const {
  phi::v1::ForgetRequest request;
  request.set_name(std::string(name));
  phi::v1::ForgetResponse response;
  const grpc::Status status =
      stub_->Forget(UnaryContext().get(), request, &response);
  if (!status.ok()) return UnaryError(status);
  return response.peer();
}

absl::StatusOr<std::unique_ptr<WatchStream>> PhidClient::Watch(
    const phi::v1::WatchRequest& request, const WatchOptions& options) const {
  if (absl::Status valid = options.Validate(); !valid.ok()) return valid;
  return std::make_unique<WatchStream>(
      channel_, target_, options_.unreachable_hint, request, options);
}

absl::StatusOr<std::unique_ptr<WatchSession>> PhidClient::StartWatch(
    const phi::v1::WatchRequest& request, WatchCallbacks callbacks,
    const WatchOptions& options) const {
  if (!callbacks.on_message) {
    return absl::InvalidArgumentError("WatchCallbacks::on_message is required");
  }
  WatchOptions wired = options;
  if (callbacks.on_status) {
    wired.on_disconnect = [on_status = callbacks.on_status](
                              const absl::Status& status, absl::Duration) {
      on_status(status);
    };
  } else {
    wired.on_disconnect = nullptr;
  }
  absl::StatusOr<std::unique_ptr<WatchStream>> stream = Watch(request, wired);
  if (!stream.ok()) return stream.status();
  return std::make_unique<WatchSession>(*std::move(stream),
                                        std::move(callbacks));
}

}  // namespace phid
