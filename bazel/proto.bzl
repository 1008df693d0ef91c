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
