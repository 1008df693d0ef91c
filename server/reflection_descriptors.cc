#include "server/reflection_descriptors.h"

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "google/protobuf/descriptor.pb.h"
#include "server/echo.h"

namespace phid {

// The bytes of //proto:reflection_descriptor_set (embed_bytes.sh).
extern const unsigned char kReflectionDescriptorSet[];
extern const size_t kReflectionDescriptorSet_size;

namespace {

namespace pb = ::google::protobuf;

absl::Status NotFound(absl::string_view what, absl::string_view value) {
  return absl::NotFoundError(
      absl::StrCat(what, " ", Echo(value), " is not known to this server"));
}

}  // namespace

ReflectionDescriptors::ReflectionDescriptors()
    : ReflectionDescriptors(absl::string_view(
          reinterpret_cast<const char*>(kReflectionDescriptorSet),
          kReflectionDescriptorSet_size)) {}

ReflectionDescriptors::ReflectionDescriptors(absl::string_view descriptor_set)
    : generated_(*pb::DescriptorPool::generated_pool()),
      merged_(&commented_, &generated_) {
  pb::FileDescriptorSet set;
  CHECK(set.ParseFromArray(descriptor_set.data(),
                           static_cast<int>(descriptor_set.size())))
      << "the compiled-in reflection descriptor set does not parse";
  for (const pb::FileDescriptorProto& file : set.file()) {
    CHECK(commented_.Add(file)) << "duplicate file " << file.name();
  }
  pool_ = std::make_unique<pb::DescriptorPool>(&merged_);
}

absl::StatusOr<const pb::FileDescriptor*> ReflectionDescriptors::FileByName(
    const std::string& name) const {
  const pb::FileDescriptor* file = pool_->FindFileByName(name);
  if (file == nullptr) return NotFound("file", name);
  return file;
}

absl::StatusOr<const pb::FileDescriptor*>
ReflectionDescriptors::FileContainingSymbol(const std::string& symbol) const {
  const pb::FileDescriptor* file = pool_->FindFileContainingSymbol(symbol);
  if (file == nullptr) return NotFound("symbol", symbol);
  return file;
}

absl::StatusOr<const pb::FileDescriptor*>
ReflectionDescriptors::FileContainingExtension(const std::string& extendee,
                                               int number) const {
  const pb::Descriptor* type = pool_->FindMessageTypeByName(extendee);
  if (type == nullptr) return NotFound("message type", extendee);
  const pb::FieldDescriptor* extension =
      pool_->FindExtensionByNumber(type, number);
  if (extension == nullptr) {
    return NotFound("extension", absl::StrCat(extendee, " ", number));
  }
  return extension->file();
}

absl::StatusOr<std::vector<int>> ReflectionDescriptors::ExtensionNumbers(
    const std::string& extendee) const {
  const pb::Descriptor* type = pool_->FindMessageTypeByName(extendee);
  if (type == nullptr) return NotFound("message type", extendee);
  std::vector<const pb::FieldDescriptor*> extensions;
  pool_->FindAllExtensions(type, &extensions);
  std::vector<int> numbers;
  numbers.reserve(extensions.size());
  for (const pb::FieldDescriptor* extension : extensions) {
    numbers.push_back(extension->number());
  }
  return numbers;
}

std::vector<std::string> ReflectionDescriptors::Serialize(
    const pb::FileDescriptor* file) const {
  absl::flat_hash_set<std::string> sent;
  std::vector<std::string> out;
  std::vector<const pb::FileDescriptor*> pending = {file};
  while (!pending.empty()) {
    const pb::FileDescriptor* next = pending.back();
    pending.pop_back();
    if (!sent.insert(next->name()).second) continue;
    pb::FileDescriptorProto proto;
    next->CopyTo(&proto);
    next->CopySourceCodeInfoTo(&proto);
    out.push_back(proto.SerializeAsString());
    for (int i = next->dependency_count() - 1; i >= 0; --i) {
      pending.push_back(next->dependency(i));
    }
  }
  return out;
}

}  // namespace phid
