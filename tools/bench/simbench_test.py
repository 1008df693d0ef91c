"""Tests of simbench.py: parsing the simulator's output, and the scale plan."""

import argparse
import json
import os
import sys
import tempfile
import unittest

import bench_testing
import simbench

CRASH = """\
### crash: nodes=1000 victims=1 loss=5% seed=1: 1602.6 B/node/s, 30.9 packets/node/s, observer pauses 0, wall 64.88 s for 72 simulated s, protocol 2, peak RSS 898 MB, reports reached every observer in 602 ms

| phi | detect min | p50 | p99 | max (ms) | undetected | false | per node-hour | mean false ms |
|---|---|---|---|---|---|---|---|---|
| 4 | 493 | 501 | 505 | 506 | 0 | 0 | 0.00 | 0 |
| 8 | 588 | 596 | 599 | 601 | 0 | 3 | 0.27 | 12 |
"""

LOSS = """\
### loss: nodes=10 victims=1 loss=0% seed=1: 1470.2 B/node/s, 30.5 packets/node/s, observer pauses 0, wall 0.21 s for 152 simulated s, protocol 2, peak RSS 20 MB

| phi | detect min | p50 | p99 | max (ms) | undetected | false | per node-hour | mean false ms |
|---|---|---|---|---|---|---|---|---|
| 8 | - | - | - | - | 0 | 0 | 0.00 | 0 |
"""


class ParseTest(unittest.TestCase):
    def test_every_header_field_and_row_of_a_crash(self):
        (run,) = simbench.parse(CRASH)
        self.assertEqual((run["scenario"], run["nodes"], run["victims"],
                          run["seed"], run["protocol"]),
                         ("crash", 1000, 1, 1, 2))
        self.assertAlmostEqual(run["loss"], 0.05)
        self.assertEqual(run["bytes_per_node_s"], 1602.6)
        self.assertEqual(run["packets_per_node_s"], 30.9)
        self.assertEqual((run["wall_s"], run["simulated_s"]), (64.88, 72.0))
        self.assertEqual((run["peak_rss_mb"], run["rumour_ms"]), (898.0, 602.0))
        self.assertEqual(run["observer_pauses"], 0)
        self.assertEqual(len(run["rows"]), 2)
        self.assertEqual(run["rows"][1], {
            "threshold": 8.0, "min": 588.0, "p50": 596.0, "p99": 599.0,
            "max": 601.0, "undetected": 0, "false": 3,
            "false_per_node_hour": 0.27, "mean_false_ms": 12.0})

    def test_no_detection_is_none_and_absent_fields_stay_absent(self):
        (run,) = simbench.parse(LOSS)
        self.assertNotIn("rumour_ms", run)
        self.assertIsNone(run["rows"][0]["p50"])
        self.assertEqual(run["rows"][0]["false"], 0)

    def test_an_old_header_parses_without_the_new_fields(self):
        old = ("### crash: nodes=10 victims=3 loss=1% seed=1: 7426.0 B/node/s,"
               " 30.1 packets/node/s, wall 0.1 s for 620 simulated s\n")
        (run,) = simbench.parse(old)
        self.assertNotIn("protocol", run)
        self.assertAlmostEqual(run["loss"], 0.01)

    def test_several_runs_and_noise_between_them(self):
        runs = simbench.parse("I1201 a log line\n" + CRASH + "\n| x | y |\n" + LOSS)
        self.assertEqual([r["scenario"] for r in runs], ["crash", "loss"])
        self.assertEqual(len(runs[0]["rows"]), 2)

    def test_a_row_with_missing_cells_is_dropped(self):
        (run,) = simbench.parse(CRASH + "| 12 | 1 | 2 |\n")
        self.assertEqual(len(run["rows"]), 2)


class ScalePlanTest(unittest.TestCase):
    def test_a_crash_and_a_healthy_run_per_size_and_loss_small_first(self):
        plan = simbench.scale_plan([10, 1000], [0.0, 0.05])
        self.assertEqual([(p["nodes"], p["loss"], p["scenario"]) for p, _ in plan],
                         [(10, 0.0, "crash"), (10, 0.0, "loss"),
                          (10, 0.05, "crash"), (10, 0.05, "loss"),
                          (1000, 0.0, "crash"), (1000, 0.0, "loss"),
                          (1000, 0.05, "crash"), (1000, 0.05, "loss")])
        crash = plan[6][1]
        self.assertEqual(crash, ["--protocol=2", "--nodes=1000", "--loss=0.05",
                                 "--warmup=30s", "--duration=40s",
                                 "--thresholds=4,8,12"])
        self.assertIn("--scenario=loss", plan[7][1])
        self.assertIn("--duration=120s", plan[7][1])

    def test_sizes_from_prejoined_from_up_start_prejoined(self):
        plan = simbench.scale_plan([1000, 10000], [0.05], prejoined_from=5000)
        for record, flags in plan:
            big = record["nodes"] == 10000
            self.assertEqual(record.get("prejoined", False), big)
            self.assertEqual("--prejoined" in flags, big)

    def test_a_long_healthy_run_is_one_more_run_at_the_goal_loss(self):
        plan = simbench.scale_plan(
            [10, 1000], [0.0, 0.05],
            long_healthy=simbench.parse_long_healthy("1000:1080"))
        self.assertEqual(len(plan), 9)
        record, flags = plan[-1]
        self.assertEqual(record, {"scenario": "loss", "nodes": 1000,
                                  "loss": 0.05, "duration_s": 1080.0})
        self.assertIn("--duration=1080s", flags)
        self.assertIn("--scenario=loss", flags)


class ScaleAppendTest(unittest.TestCase):
    """--append keeps an earlier file's finished runs and runs the rest."""

    def run_scale(self, out, sim, append, sizes="10"):
        args = argparse.Namespace(
            simulator=sim, out=out, sizes=sizes, losses="0", limit_s=60,
            max_gib=None, prejoined_from=5000, long_healthy="", append=append)
        result = simbench.scale(args)
        simbench.save(args, "scale", result)
        return result

    def test_only_the_missing_runs_run_and_each_keeps_its_commit(self):
        with tempfile.TemporaryDirectory() as d:
            calls = os.path.join(d, "calls")
            sim = os.path.join(d, "sim")
            with open(sim, "w") as f:
                # Notes its flags and prints one finished run of its size.
                f.write(f"#!{sys.executable}\n"
                        "import re, sys\n"
                        f"open({calls!r}, 'a').write(' '.join(sys.argv) + '\\n')\n"
                        "n = re.search(r'--nodes=(\\d+)', ' '.join(sys.argv))[1]\n"
                        f"print({CRASH!r}.replace('nodes=1000', 'nodes=' + n))\n")
            os.chmod(sim, 0o755)
            out = os.path.join(d, "scale.json")
            self.run_scale(out, sim, append=False)
            with open(calls) as f:
                self.assertEqual(len(f.read().splitlines()), 2)
            with open(out) as f:
                first = json.load(f)
            for info in first["runs"]:
                info["commit"] = "old1234"
            with open(out, "w") as f:
                json.dump(first, f)
            result = self.run_scale(out, sim, append=True, sizes="10,100")
            with open(calls) as f:
                lines = f.read().splitlines()
            self.assertEqual(len(lines), 4)  # only N = 100's two
            self.assertTrue(all("--nodes=100" in x for x in lines[2:]))
            self.assertEqual(
                [(i["plan"]["nodes"], i["commit"] == "old1234")
                 for i in result["runs"]],
                [(10, True), (10, True), (100, False), (100, False)])
            self.assertEqual(result["sizes"], [10, 100])


if __name__ == "__main__":
    bench_testing.main()
