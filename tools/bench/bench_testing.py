"""Runs a test file's unittest cases and, under Bazel, writes JUnit XML.

Bazel counts a py_test as one case unless the test writes $XML_OUTPUT_FILE;
with it, tools/count_tests.py counts every case. Use as the test's main:

  if __name__ == "__main__":
      bench_testing.main()
"""

import os
import sys
import unittest
import xml.etree.ElementTree as ET


class _RecordingResult(unittest.TextTestResult):
    """A text result that also remembers each case's outcome."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.outcomes = []  # (test, kind or None, text)

    def addSuccess(self, test):
        super().addSuccess(test)
        self.outcomes.append((test, None, ""))

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self.outcomes.append((test, "failure", self._exc_info_to_string(err, test)))

    def addError(self, test, err):
        super().addError(test, err)
        self.outcomes.append((test, "error", self._exc_info_to_string(err, test)))

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self.outcomes.append((test, "skipped", reason))


def _write_xml(path, outcomes):
    suite = ET.Element("testsuite", tests=str(len(outcomes)),
                       failures=str(sum(k == "failure" for _, k, _ in outcomes)),
                       errors=str(sum(k == "error" for _, k, _ in outcomes)))
    module = os.path.splitext(os.path.basename(sys.argv[0]))[0]
    for test, kind, text in outcomes:
        cls, _, name = test.id().rpartition(".")
        cls = cls.replace("__main__", module, 1)
        case = ET.SubElement(suite, "testcase", classname=cls, name=name)
        if kind:
            ET.SubElement(case, kind, message=text.splitlines()[-1] if text else "").text = text
    root = ET.Element("testsuites")
    root.append(suite)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def main():
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules["__main__"])
    result = unittest.TextTestRunner(resultclass=_RecordingResult,
                                     verbosity=2).run(suite)
    path = os.environ.get("XML_OUTPUT_FILE")
    if path:
        _write_xml(path, result.outcomes)
    sys.exit(0 if result.wasSuccessful() and result.testsRun else 1)
