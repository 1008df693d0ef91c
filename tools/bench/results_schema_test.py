"""Tests of results_schema.py: what it accepts and what it refuses."""

import copy
import json
import os
import tempfile
import unittest

import bench_fixtures as fx
import bench_testing
import results_schema as schema

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")


class CommittedResultsTest(unittest.TestCase):
    def test_every_committed_results_file_fits_its_schema(self):
        for kind, name in schema.FILES.items():
            with self.subTest(kind=kind):
                path = os.path.join(RESULTS, name)
                if kind == "hundred_daemons" and not os.path.exists(path):
                    self.skipTest("hundred_daemons.json not run yet")
                self.assertIsNotNone(schema.load(path, kind))

    def test_the_fixtures_fit_too(self):
        for kind, data in (("vs_serf", fx.vs_serf()), ("qos", fx.qos()),
                           ("scale", fx.scale()), ("machine", fx.machine()),
                           ("vs_serf", fx.with_lean(fx.vs_serf())),
                           ("hundred_daemons", fx.hundred())):
            with self.subTest(kind=kind):
                self.assertEqual(schema.errors(kind, data), [])


class RefusalTest(unittest.TestCase):
    def setUp(self):
        self.vs = fx.vs_serf()

    def test_a_missing_field_is_named(self):
        del self.vs["blocks"][0]["faults"][0]["detection_ms"]
        found = schema.errors("vs_serf", self.vs)
        self.assertEqual(found, ["vs_serf.blocks[0].faults[0].detection_ms: missing"])

    def test_a_field_the_schema_does_not_name_is_refused(self):
        self.vs["blocks"][0]["quiet"]["phid"]["tcp_segments"] = 3
        self.assertIn("vs_serf.blocks[0].quiet.phid.tcp_segments: not a field "
                      "of this schema", schema.errors("vs_serf", self.vs))

    def test_wrong_types_are_refused(self):
        self.vs["blocks"][0]["n"] = "5"
        self.vs["blocks"][0]["quiet"]["phid"]["cpu_s_per_node_s"] = True
        self.vs["blocks"][0]["faults"][0]["variant"] = "phid-9"
        self.assertEqual(len(schema.errors("vs_serf", self.vs)), 3)

    def test_an_unknown_tool_in_quiet_is_refused(self):
        self.vs["blocks"][0]["quiet"]["consul"] = copy.deepcopy(
            self.vs["blocks"][0]["quiet"]["phid"])
        self.assertTrue(schema.errors("vs_serf", self.vs))

    def test_exit_status_is_a_number_or_timeout(self):
        scale = fx.scale()
        scale["runs"][0]["rc"] = "timeout"
        self.assertEqual(schema.errors("scale", scale), [])
        scale["runs"][0]["rc"] = "crashed"
        self.assertTrue(schema.errors("scale", scale))

    def test_nullable_fields_take_null(self):
        qos = fx.qos()
        qos["points"][0]["rows"][0]["p50"] = None
        self.assertEqual(schema.errors("qos", qos), [])


class FileTest(unittest.TestCase):
    def test_write_refuses_an_invalid_result_and_leaves_no_file(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "qos.json")
            with self.assertRaises(schema.SchemaError):
                schema.write(path, "qos", {"points": []})
            self.assertFalse(os.path.exists(path))

    def test_write_then_load_round_trips(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "vs_serf.json")
            schema.write(path, "vs_serf", fx.vs_serf())
            self.assertEqual(schema.load(path, "vs_serf"),
                             json.loads(json.dumps(fx.vs_serf())))

    def test_a_missing_file_loads_as_none_and_a_broken_one_fails(self):
        with tempfile.TemporaryDirectory() as d:
            self.assertIsNone(schema.load(os.path.join(d, "qos.json"), "qos"))
            path = os.path.join(d, "scale.json")
            with open(path, "w") as f:
                f.write("{")
            with self.assertRaises(schema.SchemaError):
                schema.load(path, "scale")


if __name__ == "__main__":
    bench_testing.main()
