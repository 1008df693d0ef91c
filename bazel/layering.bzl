"""layering_sources: a package's C++ sources and BUILD file, for the
include-graph test.

//tools:include_graph_test reads every `#include` and BUILD dependency of
the packages that call this, and fails on an edge against the direction of
the graph (README: Guide to the code). Call it once, after package().
"""

def layering_sources():
    native.filegroup(
        name = "layering_sources",
        srcs = native.glob(["*.cc", "*.h"]) + ["BUILD.bazel"],
        visibility = ["//tools:__pkg__"],
    )
