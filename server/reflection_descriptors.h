// ReflectionDescriptors: the .proto descriptors that server reflection
// serves, with their comments.
//
// The descriptors compiled into generated code carry no comments, so
// `grpcurl describe phi.v1.WatchRequest` would show bare fields. This class
// reads a FileDescriptorSet built with --include_source_info
// (//proto:reflection_descriptor_set, compiled in) and answers from it
// first; any file the set lacks (the v1alpha reflection proto, say) comes
// from the generated pool, so everything the binary serves can be
// described. Both reflection versions (reflection_service.h) use this one
// source, so they answer alike.
//
// Thread safety: immutable after construction (the pool locks itself);
// const methods are safe from any thread.
#ifndef PHID_SERVER_REFLECTION_DESCRIPTORS_H_
#define PHID_SERVER_REFLECTION_DESCRIPTORS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor_database.h"

namespace phid {

class ReflectionDescriptors final {
 public:
  // `descriptor_set`: a serialized google.protobuf.FileDescriptorSet whose
  // files take precedence over the generated pool's files of the same name.
  // CHECK-fails if it does not parse (it is a build output).
  explicit ReflectionDescriptors(absl::string_view descriptor_set);
  // The set compiled into this binary.
  ReflectionDescriptors();
  ReflectionDescriptors(const ReflectionDescriptors&) = delete;
  ReflectionDescriptors& operator=(const ReflectionDescriptors&) = delete;

  // NOT_FOUND (naming the echoed argument) unless known.
  absl::StatusOr<const google::protobuf::FileDescriptor*> FileByName(
      const std::string& name) const;
  // A fully qualified message, enum, service, method, field or extension.
  absl::StatusOr<const google::protobuf::FileDescriptor*> FileContainingSymbol(
      const std::string& symbol) const;
  absl::StatusOr<const google::protobuf::FileDescriptor*>
  FileContainingExtension(const std::string& extendee, int number) const;
  // The field numbers of every known extension of message `extendee`.
  absl::StatusOr<std::vector<int>> ExtensionNumbers(
      const std::string& extendee) const;

  // `file` and then its transitive imports, each once, as serialized
  // FileDescriptorProtos with source info: what one reflection answer
  // carries (as in gRPC's implementation, every answer is complete; a
  // client may build each in a fresh pool).
  std::vector<std::string> Serialize(
      const google::protobuf::FileDescriptor* file) const;

 private:
  google::protobuf::SimpleDescriptorDatabase commented_;
  google::protobuf::DescriptorPoolDatabase generated_;
  google::protobuf::MergedDescriptorDatabase merged_;
  std::unique_ptr<google::protobuf::DescriptorPool> pool_;
};

}  // namespace phid

#endif  // PHID_SERVER_REFLECTION_DESCRIPTORS_H_
