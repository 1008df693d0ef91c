"""phid_proto_library: a .proto compiled by the system protoc into a cc_library.

Uses Debian's protoc and grpc_cpp_plugin (no download of rules_proto). The
generated headers sit beside the .proto path, e.g. proto/phi.proto ->
#include "proto/phi.pb.h" and "proto/phi.grpc.pb.h".
"""

load("@rules_cc//cc:defs.bzl", "cc_library")

def phid_proto_library(name, srcs, deps = [], proto_deps = [], grpc = False, **kwargs):
    """Compiles `srcs` (.proto files) into a cc_library named `name`.

    Args:
      name: the cc_library's name.
      srcs: .proto files of this package.
      deps: cc_library targets of imported protos (other phid_proto_library).
      proto_deps: the .proto files those imports name, so protoc can read them.
      grpc: also generate gRPC service code.
      **kwargs: passed to cc_library (visibility, testonly...).
    """
    outs = []
    for src in srcs:
        base = src[:-len(".proto")]
        outs += [base + ".pb.h", base + ".pb.cc"]
        if grpc:
            outs += [base + ".grpc.pb.h", base + ".grpc.pb.cc"]
    grpc_flags = ""
    if grpc:
        grpc_flags = "--grpc_out=$(GENDIR) --plugin=protoc-gen-grpc=$$(command -v grpc_cpp_plugin) "
    native.genrule(
        name = name + "_gen",
        srcs = srcs + proto_deps,
        outs = outs,
        cmd = ("protoc -I. -I$(GENDIR) -I/usr/include -I/usr/share/grpc-proto " +
               "--cpp_out=$(GENDIR) " + grpc_flags +
               " ".join(["$(location %s)" % s for s in srcs])),
        message = "protoc " + " ".join(srcs),
    )
    cc_library(
        name = name,
        srcs = [o for o in outs if o.endswith(".cc")],
        hdrs = [o for o in outs if o.endswith(".h")],
        deps = deps + ["@system//:grpc", "@system//:protobuf"],
        **kwargs
    )

def phid_system_proto_library(name, proto, grpc = False, link = True, path_prefix = "", **kwargs):
    """Compiles a .proto that Debian ships under /usr/share/grpc-proto.

    No copy of the file enters the repository: the genrule links it into a
    scratch include root and runs protoc there. Headers are included by the
    compiled path, e.g. "grpc/health/v1/health.pb.h".

    Args:
      name: the cc_library's name.
      proto: path under /usr/share/grpc-proto, e.g. "grpc/health/v1/health.proto".
      grpc: also generate gRPC service code.
      link: False = headers only, for messages a system library already
        defines (libgrpc++_reflection holds the reflection messages and stub;
        linking a second copy would register them twice and abort).
      path_prefix: prepended to `proto` to form the path it is compiled
        under; generated symbol names derive from it, so it must match the
        library that supplies the code ("src/proto/" for gRPC's own protos).
      **kwargs: passed to cc_library (visibility, testonly...).
    """
    rel = path_prefix + proto
    base = rel[:-len(".proto")]
    hdrs = [base + ".pb.h"]
    srcs = [base + ".pb.cc"]
    grpc_flags = ""
    if grpc:
        hdrs.append(base + ".grpc.pb.h")
        srcs.append(base + ".grpc.pb.cc")
        grpc_flags = "--grpc_out=$(RULEDIR) --plugin=protoc-gen-grpc=$$(command -v grpc_cpp_plugin) "
    native.genrule(
        name = name + "_gen",
        outs = hdrs + srcs,
        cmd = ("root=$$(mktemp -d) && mkdir -p $$root/$$(dirname %s) && " % rel +
               "ln -s /usr/share/grpc-proto/%s $$root/%s && " % (proto, rel) +
               "protoc -I$$root --cpp_out=$(RULEDIR) " + grpc_flags + rel +
               "; status=$$?; rm -rf $$root; exit $$status"),
        message = "protoc (system) " + proto,
    )
    cc_library(
        name = name,
        srcs = srcs if link else [],
        hdrs = hdrs,
        strip_include_prefix = "/" + native.package_name(),
        deps = ["@system//:grpc", "@system//:protobuf"],
        **kwargs
    )
