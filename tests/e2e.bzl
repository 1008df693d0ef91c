"""e2e_test: a multi-process end-to-end test of real phid daemons.

Every such test runs the phid binary as separate processes on loopback, so
it needs //server:phid at run time, runs outside the sandbox ("local") and
alone ("exclusive": its timings must not compete with other tests).
"""

load("@rules_cc//cc:defs.bzl", "cc_test")

_COMMON_DEPS = [
    ":daemon_process",
    ":loopback_cluster",
    ":watch_recorder",
    "//proto:phi_cc_proto",
    "@system//:absl",
    "@system//:gtest_main",
]

def e2e_test(name, size = "medium", deps = []):
    """A cc_test named `name` built from `name`.cc.

    Args:
      name: the test's name; its source is `name`.cc.
      size: Bazel test size ("large" for soaks).
      deps: dependencies beyond the daemon harness every e2e test uses.
    """
    cc_test(
        name = name,
        size = size,
        srcs = [name + ".cc"],
        data = ["//server:phid"],
        tags = ["exclusive", "local"],
        deps = _COMMON_DEPS + [d for d in deps if d not in _COMMON_DEPS],
    )
