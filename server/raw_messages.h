// The API's messages to and from gRPC's raw bytes, for the service's raw
// callback methods (failure_detector_service.h).
//
// Why raw: on gRPC 1.51's callback API, a request that fails to
// deserialize (e.g. a string field holding invalid UTF-8, which proto3
// forbids) never reaches the handler. CallbackUnaryHandler and
// CallbackServerStreamingHandler::RunHandler discard the parse status and
// answer UNIMPLEMENTED with an empty message, and libprotobuf logs an error
// per request. Taking the bytes and decoding them here answers
// INVALID_ARGUMENT naming the field instead, and logs nothing.
//
// Pure; thread-safe.
#ifndef PHID_SERVER_RAW_MESSAGES_H_
#define PHID_SERVER_RAW_MESSAGES_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "grpcpp/support/byte_buffer.h"

namespace phid {

// Parses `bytes` into `request`. INVALID_ARGUMENT, e.g. "the request is not
// a valid phi.v1.GetPeerRequest: name is not UTF-8 (got "\xff")", for a
// string field (at any depth; repeated ones by index) that is not valid
// UTF-8, or for bytes that are not that message at all.
absl::Status DecodeRequest(absl::string_view bytes,
                           google::protobuf::Message* request);
absl::Status DecodeRequest(const grpc::ByteBuffer& bytes,
                           google::protobuf::Message* request);

// `message` serialized into `out`.
void EncodeMessage(const google::protobuf::Message& message,
                   grpc::ByteBuffer* out);

}  // namespace phid

#endif  // PHID_SERVER_RAW_MESSAGES_H_
