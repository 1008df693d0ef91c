"""Runs a module's unittest cases and writes JUnit XML for Bazel.

  import junit_runner
  sys.exit(junit_runner.run(sys.modules[__name__], "check_deploy"))

Writes $XML_OUTPUT_FILE when Bazel sets it, one <testcase> per test method,
so tools/count_tests.py counts every case.
"""
import os
import unittest
import xml.etree.ElementTree as ET


class JUnitResult(unittest.TextTestResult):
    """Also records each case for the JUnit XML Bazel reads."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.cases = []

    def addSuccess(self, test):
        super().addSuccess(test)
        self.cases.append((test, None, None))

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self.cases.append((test, "failure", self._exc_info_to_string(err, test)))

    def addError(self, test, err):
        super().addError(test, err)
        self.cases.append((test, "error", self._exc_info_to_string(err, test)))

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self.cases.append((test, "skipped", reason))


def write_junit(path, suite_name, result):
    suites = ET.Element("testsuites")
    suite = ET.SubElement(suites, "testsuite", name=suite_name,
                          tests=str(len(result.cases)))
    for test, kind, text in result.cases:
        case = ET.SubElement(suite, "testcase", classname=type(test).__name__,
                             name=test._testMethodName)
        if kind:
            ET.SubElement(case, kind, message=(text or "")[:200]).text = text
    ET.ElementTree(suites).write(path, encoding="utf-8", xml_declaration=True)


def run(module, suite_name):
    """Runs every TestCase in `module`; returns the exit status (0 or 1)."""
    suite = unittest.defaultTestLoader.loadTestsFromModule(module)
    runner = unittest.TextTestRunner(verbosity=2, resultclass=JUnitResult)
    result = runner.run(suite)
    if os.environ.get("XML_OUTPUT_FILE"):
        write_junit(os.environ["XML_OUTPUT_FILE"], suite_name, result)
    return 0 if result.wasSuccessful() else 1
