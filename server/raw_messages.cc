#include "server/raw_messages.h"

#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"
#include "grpcpp/support/slice.h"
#include "server/echo.h"

namespace phid {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::internal::WireFormatLite;

// protobuf's own default recursion limit.
constexpr int kMaxDepth = 100;

absl::Status NotA(const Descriptor& type, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("the request is not a valid ", type.full_name(), ": ", why));
}

// Finds the first string field of `type` in `bytes` (recursively) that is
// not UTF-8; `path` names the field to the user ("names[2]",
// "level_interval.x"). Wire errors are left to the real parse.
absl::Status CheckStrings(const Descriptor& root, const Descriptor& type,
                          absl::string_view bytes, const std::string& path,
                          int depth) {
  if (depth > kMaxDepth) return NotA(root, "nested too deeply");
  google::protobuf::io::CodedInputStream in(
      reinterpret_cast<const uint8_t*>(bytes.data()),
      static_cast<int>(bytes.size()));
  std::map<int, int> seen;  // field number -> occurrences so far
  while (const uint32_t tag = in.ReadTag()) {
    const FieldDescriptor* field =
        type.FindFieldByNumber(WireFormatLite::GetTagFieldNumber(tag));
    const bool delimited = WireFormatLite::GetTagWireType(tag) ==
                           WireFormatLite::WIRETYPE_LENGTH_DELIMITED;
    if (field == nullptr || !delimited ||
        (field->type() != FieldDescriptor::TYPE_STRING &&
         field->type() != FieldDescriptor::TYPE_MESSAGE)) {
      if (!WireFormatLite::SkipField(&in, tag)) return absl::OkStatus();
      continue;
    }
    std::string value;
    uint32_t length = 0;
    if (!in.ReadVarint32(&length) ||
        !in.ReadString(&value, static_cast<int>(length))) {
      return absl::OkStatus();
    }
    const int index = seen[field->number()]++;
    std::string name = absl::StrCat(path, field->name());
    if (field->is_repeated()) absl::StrAppend(&name, "[", index, "]");
    if (field->type() == FieldDescriptor::TYPE_STRING) {
      if (!IsValidUtf8(value)) {
        return NotA(root, absl::StrCat(name,
                                       " is not UTF-8, as a protobuf string "
                                       "must be (got ",
                                       Echo(value), ")"));
      }
    } else if (absl::Status s = CheckStrings(root, *field->message_type(),
                                             value, name + ".", depth + 1);
               !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status DecodeRequest(absl::string_view bytes,
                           google::protobuf::Message* request) {
  const Descriptor& type = *request->GetDescriptor();
  // Before parsing: protobuf's parser would log an error for a bad string.
  if (absl::Status s = CheckStrings(type, type, bytes, "", 0); !s.ok()) {
    return s;
  }
  if (!request->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return NotA(type, "the bytes are not protobuf wire format");
  }
  return absl::OkStatus();
}

absl::Status DecodeRequest(const grpc::ByteBuffer& bytes,
                           google::protobuf::Message* request) {
  grpc::Slice slice;
  if (!bytes.DumpToSingleSlice(&slice).ok()) {
    return NotA(*request->GetDescriptor(), "unreadable message bytes");
  }
  return DecodeRequest(
      absl::string_view(reinterpret_cast<const char*>(slice.begin()),
                        slice.size()),
      request);
}

void EncodeMessage(const google::protobuf::Message& message,
                   grpc::ByteBuffer* out) {
  const std::string bytes = message.SerializeAsString();
  grpc::Slice slice(bytes);
  *out = grpc::ByteBuffer(&slice, 1);
}

}  // namespace phid
