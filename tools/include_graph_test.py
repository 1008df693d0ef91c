"""Checks that phid's code includes and depends only downwards.

The graph (README: the guide to the code; issue 16):

  detector/base  <-  detector (the math)  <-  gossip  <-  server
       ^                  ^
       |            detector/calc (the phi calculator, for the command lines)
  client (on proto/ and detector/base/ only)        proto: the wire formats
  tests/ may use anything but tools/; tools/ may use anything; nothing but
  tools/ uses tools/, and nothing but tests/ and tools/ uses tests/.

Reads every `#include "..."` of the C++ sources and every label a BUILD rule
names (but its visibility) in detector/, detector/base/, detector/calc/,
proto/, gossip/, server/, client/ and tests/ (their `layering_sources`
filegroups), and fails naming the file and line of each edge against the
direction. The rules themselves are tested below on edges made up for the
purpose. The one allowed exception, with its reason, is ALLOWED_EXCEPTIONS.
"""

import ast
import io
import os
import re
import tokenize
import unittest

import bench_testing

# Folders whose sources the test reads (their BUILD files export them).
SCANNED = ["detector", "detector/base", "detector/calc", "proto", "gossip",
           "server", "client", "tests"]

# Each layer, and the layers its files may include or depend on.
ALLOWED = {
    "base": {"base"},
    "math": {"base", "math"},  # of base, only MATH_MAY_USE_FROM_BASE
    "calc": {"base", "math", "calc"},
    "proto": {"proto"},
    "gossip": {"base", "math", "proto", "gossip"},
    "server": {"base", "math", "proto", "gossip", "server"},
    "client": {"base", "proto", "client"},
    "tests": {"base", "math", "calc", "proto", "gossip", "server", "client",
              "tests"},
    "tools": {"base", "math", "calc", "proto", "gossip", "server", "client",
              "tests", "tools"},
}

# The pure math takes times and never reads a clock (nor parses flags or
# reads files): of detector/base it uses the time type only. Its tests may
# also drive it with base's simulated clock.
MATH_MAY_USE_FROM_BASE = {"detector/base/mono_time.h",
                          "//detector/base:mono_time"}

# (file or BUILD rule, what it may use although its layer may not), why.
ALLOWED_EXCEPTIONS = {
    # `phictl phi` is the phi calculator: the phictl binary (not the client
    # library, phictl_lib) links it and injects it, as issue 16 asks
    # ("phi_calc's library moved where both phictl and phi_calc may use
    # it"). The calculator is the detector's own math on typed-in numbers.
    ("client/phictl_main.cc", "calc"),
    ("client/BUILD.bazel:phictl", "calc"),
}

WHY = {
    "base": "detector/base includes only itself",
    "math": ("the detector math uses only itself and detector/base's "
             "mono_time"),
    "calc": "detector/calc uses only detector/ and detector/base/",
    "proto": "proto uses only proto/",
    "gossip": "gossip uses nothing of server/, client/, tools/ or tests/",
    "server": "server uses nothing of client/, tools/ or tests/",
    "client": "client uses only proto/, detector/base/ and client/",
    "tests": "tests use anything but tools/",
    "tools": "tools use anything",
}

INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')


def layer_of(path):
    """The layer of a repository path ("gossip/member.h") or BUILD package
    ("detector/base"), or None for anything not phid's (absl/..., grpcpp/...,
    src/proto/...)."""
    parts = path.split("/")
    if parts[0] == "detector":
        if len(parts) > 1 and parts[1] == "base":
            return "base"
        if len(parts) > 1 and parts[1] == "calc":
            return "calc"
        return "math"
    if parts[0] in ("proto", "gossip", "server", "client", "tests", "tools"):
        return parts[0]
    return None


def is_test_source(path):
    return path.endswith("_test.cc")


def edge_problem(source, source_layer, used, used_layer, is_test):
    """Why `source` (a file, or "pkg/BUILD.bazel:rule") may not use `used`
    (an include path or a label), or None if it may."""
    if used_layer is None or source_layer is None:
        return None
    if (source, used_layer) in ALLOWED_EXCEPTIONS:
        return None
    allowed = ALLOWED[source_layer]
    if used_layer not in allowed:
        return WHY[source_layer]
    if (source_layer == "math" and used_layer == "base" and not is_test
            and used not in MATH_MAY_USE_FROM_BASE):
        return WHY["math"]
    return None


def includes(text):
    """(line number, included path) of every quoted #include in `text`."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        m = INCLUDE.match(line)
        if m:
            found.append((number, m.group(1)))
    return found


def include_problems(path, text):
    """One "path:line: ..." message per include of `path` against the
    graph."""
    source_layer = layer_of(path)
    problems = []
    for number, included in includes(text):
        why = edge_problem(path, source_layer, included, layer_of(included),
                           is_test_source(path))
        if why:
            problems.append(f'{path}:{number}: includes "{included}": {why}')
    return problems


LABEL = re.compile(r"(?<![@\w:])//([\w./+-]*)(?::([\w./+-]+))?")


def build_labels(text):
    """(line, rule name, rule kind, label, package) of every //label a rule
    names in a BUILD file, but in `visibility`. load() and comments are not
    rules' labels."""
    found = []
    depth = 0
    kind = None  # the call at depth 0 we are in
    name = None
    attribute = None
    rule = []  # labels of the current rule: (line, label, package)
    previous = None
    tokens = tokenize.generate_tokens(io.StringIO(text).readline)
    for token in tokens:
        if token.type == tokenize.OP and token.string in "([{":
            if depth == 0 and token.string == "(" and previous is not None \
                    and previous.type == tokenize.NAME:
                kind, name, attribute, rule = previous.string, None, None, []
            depth += 1
        elif token.type == tokenize.OP and token.string in ")]}":
            depth -= 1
            if depth == 0 and kind is not None:
                for line, label, package in rule:
                    found.append((line, name, kind, label, package))
                kind = None
        elif (token.type == tokenize.OP and token.string == "=" and depth == 1
              and previous is not None and previous.type == tokenize.NAME):
            attribute = previous.string
        elif token.type == tokenize.STRING and kind not in (None, "load"):
            value = ast.literal_eval(token.string)
            if not isinstance(value, str):
                pass
            elif attribute == "name" and depth == 1:
                name = value
            elif attribute != "visibility":
                for m in LABEL.finditer(value):
                    label = m.group(0)
                    rule.append((token.start[0], label, m.group(1)))
        if token.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT):
            previous = token
    return found


def build_problems(path, text):
    """One "path:line: ..." message per BUILD dependency against the graph.
    A test rule (cc_test, py_test, ...) counts as a test source."""
    package = os.path.dirname(path)
    source_layer = layer_of(package)
    problems = []
    for line, name, kind, label, used_package in build_labels(text):
        source = f"{path}:{name}"
        why = edge_problem(source, source_layer, label,
                           layer_of(used_package) if used_package else None,
                           kind.endswith("_test"))
        if why:
            problems.append(f"{path}:{line}: rule {name} uses {label}: {why}")
    return problems


def scanned_files():
    """Repository paths of the files the filegroups bring (the test runs in
    its runfiles, where they keep their paths)."""
    files = []
    for folder in SCANNED:
        for entry in sorted(os.listdir(folder)):
            path = f"{folder}/{entry}"
            if os.path.isfile(path) and (entry.endswith((".cc", ".h"))
                                         or entry == "BUILD.bazel"):
                files.append(path)
    return files


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


class TheTreeTest(unittest.TestCase):

    def test_every_scanned_folder_brought_its_sources(self):
        files = scanned_files()
        for folder in SCANNED:
            mine = [f for f in files if os.path.dirname(f) == folder]
            self.assertIn(f"{folder}/BUILD.bazel", mine)
            self.assertTrue(any(f.endswith((".cc", ".h")) for f in mine),
                            f"no C++ sources of {folder}/ in the runfiles")

    def test_every_include_points_down_the_graph(self):
        problems = []
        for path in scanned_files():
            if not path.endswith("BUILD.bazel"):
                problems += include_problems(path, read(path))
        if problems:
            self.fail(f"{len(problems)} edge(s) against the graph:\n"
                      + "\n".join(problems))

    def test_every_build_dependency_points_down_the_graph(self):
        problems = []
        for path in scanned_files():
            if path.endswith("BUILD.bazel"):
                problems += build_problems(path, read(path))
        if problems:
            self.fail(f"{len(problems)} edge(s) against the graph:\n"
                      + "\n".join(problems))

    def test_the_math_needs_only_the_time_type_of_base(self):
        # What the detector math takes from detector/base, as it is today:
        # if this grows, the math started to read a clock or a file.
        used = set()
        for path in scanned_files():
            if layer_of(path) == "math" and not path.endswith("BUILD.bazel") \
                    and not is_test_source(path):
                used |= {inc for _, inc in includes(read(path))
                         if layer_of(inc) == "base"}
        self.assertEqual(used, {"detector/base/mono_time.h"})


class TheRulesTest(unittest.TestCase):
    """The rules on made-up edges, so a rule that passes everything fails."""

    def problems(self, path, text):
        return include_problems(path, text)

    def test_a_layer_may_include_itself_and_what_lies_below(self):
        for path, included in [
                ("detector/base/clock.cc", "detector/base/clock.h"),
                ("detector/phi_curve.h", "detector/base/mono_time.h"),
                ("detector/calc/phi_calc.cc", "detector/base/file_read.h"),
                ("gossip/member.h", "detector/phi_curve.h"),
                ("gossip/member.h", "proto/gossip.pb.h"),
                ("server/daemon.h", "gossip/member.h"),
                ("client/phictl.cc", "proto/api_limits.h"),
                ("client/phictl.cc", "detector/base/duration_parse.h"),
                ("tests/e2e_kill_test.cc", "client/phid_client.h"),
                ("tools/phi_calc.cc", "tests/daemon_process.h"),
                ("server/daemon.cc", "absl/time/time.h"),
        ]:
            self.assertEqual(
                self.problems(path, f'#include "{included}"\n'), [],
                f"{path} -> {included}")

    def test_an_edge_upwards_is_refused_with_file_line_and_rule(self):
        self.assertEqual(
            self.problems("gossip/member.cc",
                          '#include "gossip/member.h"\n\n'
                          '#include "server/daemon.h"\n'),
            ['gossip/member.cc:3: includes "server/daemon.h": gossip uses '
             'nothing of server/, client/, tools/ or tests/'])
        for path, included in [
                ("detector/base/clock.h", "detector/phi.h"),
                ("detector/phi.h", "gossip/member.h"),
                ("proto/duration.h", "detector/base/clock.h"),
                ("gossip/membership.h", "client/phid_client.h"),
                ("gossip/membership.h", "tests/garbage_packets.h"),
                ("server/daemon.cc", "client/watch_stream.h"),
                ("server/daemon.cc", "tools/bench/abuse_probes.h"),
                ("client/phictl.cc", "detector/phi.h"),
                ("client/phid_client.cc", "gossip/member.h"),
                ("client/phictl.cc", "detector/calc/phi_calc.h"),
                ("tests/e2e_kill_test.cc", "tools/simulator/scenario.h"),
                ("detector/calc/phi_calc.cc", "gossip/member.h"),
        ]:
            self.assertEqual(
                len(self.problems(path, f'#include "{included}"\n')), 1,
                f"{path} -> {included}")

    def test_the_math_takes_times_but_reads_no_clock_or_file(self):
        for included in ["detector/base/clock.h",
                         "detector/base/simulated_clock.h",
                         "detector/base/duration_parse.h",
                         "detector/base/file_read.h"]:
            self.assertEqual(
                self.problems("detector/phi_curve.h",
                              f'#include "{included}"\n'),
                [f'detector/phi_curve.h:1: includes "{included}": the '
                 "detector math uses only itself and detector/base's "
                 "mono_time"])
        # Its tests drive it with the simulated clock.
        self.assertEqual(
            self.problems("detector/phi_accrual_detector_test.cc",
                          '#include "detector/base/simulated_clock.h"\n'), [])

    def test_only_the_phictl_binary_may_link_the_calculator(self):
        self.assertEqual(
            self.problems("client/phictl_main.cc",
                          '#include "detector/calc/phi_calc.h"\n'), [])
        # The exception is the calculator, not the math under it.
        self.assertEqual(
            len(self.problems("client/phictl_main.cc",
                              '#include "detector/phi.h"\n')), 1)

    def test_only_quoted_includes_at_the_start_of_a_line_count(self):
        self.assertEqual(includes('#include <vector>\n'
                                  '// #include "server/daemon.h"\n'
                                  '  #  include  "gossip/member.h"  // why\n'
                                  'const char* s = "#include \\"x.h\\"";\n'),
                         [(3, "gossip/member.h")])


class TheBuildRulesTest(unittest.TestCase):

    def test_labels_are_read_per_rule_but_visibility_and_comments(self):
        text = ('load("//bazel:proto.bzl", "phid_proto_library")\n'
                "# //tools:phi_calc in a comment\n"
                "cc_library(\n"
                '    name = "lib",\n'
                '    srcs = ["lib.cc"],\n'
                '    visibility = ["//tools:__pkg__"],\n'
                "    deps = [\n"
                '        ":local",\n'
                '        "//detector/base:clock",\n'
                '        "@system//:absl",\n'
                "    ],\n"
                ")\n"
                "genrule(\n"
                '    name = "gen",\n'
                '    cmd = "$(location //server:phid) > $@",\n'
                ")\n")
        self.assertEqual(
            [(line, name, kind, label)
             for line, name, kind, label, _ in build_labels(text)],
            [(9, "lib", "cc_library", "//detector/base:clock"),
             (15, "gen", "genrule", "//server:phid")])

    def test_a_dependency_upwards_is_refused(self):
        text = ('cc_library(\n    name = "client",\n'
                '    deps = ["//gossip:member"],\n)\n'
                'cc_binary(\n    name = "phictl",\n'
                '    deps = ["//detector/calc:phi_calc"],\n)\n'
                'cc_library(\n    name = "phictl_lib",\n'
                '    deps = ["//detector/calc:phi_calc"],\n)\n')
        self.assertEqual(
            build_problems("client/BUILD.bazel", text),
            ["client/BUILD.bazel:3: rule client uses //gossip:member: client "
             "uses only proto/, detector/base/ and client/",
             "client/BUILD.bazel:11: rule phictl_lib uses "
             "//detector/calc:phi_calc: client uses only proto/, "
             "detector/base/ and client/"])

    def test_the_math_library_takes_only_mono_time_its_tests_more(self):
        text = ('cc_library(\n    name = "phi_curve",\n'
                '    deps = ["//detector/base:clock"],\n)\n'
                'cc_test(\n    name = "phi_curve_test",\n'
                '    deps = ["//detector/base:simulated_clock"],\n)\n')
        self.assertEqual(len(build_problems("detector/BUILD.bazel", text)), 1)


if __name__ == "__main__":
    bench_testing.main()
