// Server reflection, both versions: grpc.reflection.v1 (what grpcurl 1.8.8+
// and most current tools ask first) and grpc.reflection.v1alpha (what older
// clients speak). gRPC 1.51's libgrpc++_reflection serves only v1alpha, from
// descriptors without comments; this serves both from one
// ReflectionDescriptors, so both list the same services and describe every
// field with its .proto comment.
//
//   grpc::ServerBuilder builder;
//   AddServerReflection(&builder);  // before BuildAndStart
//
// It takes gRPC's own v1alpha plugin out of the builder (that plugin
// registers itself in every ServerBuilder once libgrpc++_reflection is
// loaded, and two services cannot share a method name). The services are
// synchronous, as gRPC's is: one request, one response, in order, per
// stream; a file answer holds the file and all its imports.
//
// Thread safety: AddServerReflection may be called from any thread for a
// builder that thread owns; the services are safe on gRPC's threads.
#ifndef PHID_SERVER_REFLECTION_SERVICE_H_
#define PHID_SERVER_REFLECTION_SERVICE_H_

#include "grpcpp/server_builder.h"

namespace phid {

// The plugin name this installs in place of gRPC's "proto_server_reflection".
inline constexpr char kReflectionPluginName[] = "phid_server_reflection";

void AddServerReflection(grpc::ServerBuilder* builder);

}  // namespace phid

#endif  // PHID_SERVER_REFLECTION_SERVICE_H_
