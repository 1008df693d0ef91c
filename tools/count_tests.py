#!/usr/bin/env python3
"""Counts test cases from the test.xml files of the tests `bazel test //...` ran.

Prints "N passed, N failed" and exits non-zero if any failed or none ran. A
test target whose XML holds no test cases (it crashed, or is not gtest)
counts as one case, judged by Bazel's own verdict in the XML.
"""
import os
import subprocess
import sys
import xml.etree.ElementTree as ET


def test_targets():
    out = subprocess.run(
        ["bazel", "query", "--noshow_progress",
         "tests(//...) except attr(tags, manual, tests(//...))"],
        check=True, capture_output=True, text=True).stdout
    return [t for t in out.split() if t.startswith("//")]


def main():
    testlogs = subprocess.run(["bazel", "info", "bazel-testlogs"], check=True,
                              capture_output=True, text=True).stdout.strip()
    passed = failed = 0
    for target in test_targets():
        pkg, name = target[2:].split(":")
        xml_path = os.path.join(testlogs, pkg, name, "test.xml")
        if not os.path.exists(xml_path):
            print(f"no result for {target}", file=sys.stderr)
            failed += 1
            continue
        root = ET.parse(xml_path).getroot()
        cases = list(root.iter("testcase"))
        if not cases:
            bad = root.find(".//failure") is not None or root.find(".//error") is not None
            failed += bad
            passed += not bad
            continue
        for case in cases:
            if case.find("failure") is not None or case.find("error") is not None:
                failed += 1
                print(f"FAILED: {target} {case.get('classname', '')}.{case.get('name')}",
                      file=sys.stderr)
            elif case.get("status") == "notrun" or case.find("skipped") is not None:
                continue
            else:
                passed += 1
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
