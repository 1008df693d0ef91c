"""Tests of bench_stats.py, table-driven where the math allows."""

import math
import unittest

import bench_fixtures as fx
import bench_stats as st
import bench_testing


class PercentileTest(unittest.TestCase):
    def test_nearest_rank(self):
        cases = [  # values, q, expected
            ([5], 0.5, 5),
            ([1, 2, 3, 4], 0.5, 2),
            ([1, 2, 3, 4, 5], 0.5, 3),
            ([4, 1, 3, 2], 0.99, 4),
            (list(range(1, 101)), 0.99, 99),
            (list(range(1, 101)), 1.0, 100),
        ]
        for values, q, expected in cases:
            with self.subTest(values=values, q=q):
                self.assertEqual(st.pct(values, q), expected)

    def test_no_values_have_no_percentile(self):
        self.assertIsNone(st.pct([], 0.5))

    def test_ratio_needs_both_numbers_and_a_divisor(self):
        self.assertEqual(st.ratio(3, 2), 1.5)
        self.assertIsNone(st.ratio(3, 0))
        self.assertIsNone(st.ratio(None, 2))


class DetectionStatsTest(unittest.TestCase):
    def setUp(self):
        self.block = {"n": 5, "faults": [
            fx.fault_record("phid-8", "stop3", [500, 3500], observers=4),
            fx.fault_record("phid-8", "stop3", [700], observers=4),
            fx.fault_record("serf-lan", "stop3", [5000], observers=4),
        ]}

    def test_pools_the_repetitions_of_one_cell(self):
        s = st.detection_stats(self.block, "phid-8", "stop3")
        self.assertEqual(s["det"], [500, 3500, 700])
        self.assertEqual(s["expected"], 8)
        self.assertEqual((s["min"], s["p50"], s["max"]), (500, 700, 3500))
        self.assertEqual(s["reps"], 2)

    def test_counts_detections_after_the_member_resumed(self):
        self.assertEqual(st.detection_stats(self.block, "phid-8", "stop3")["late"], 1)
        kill = st.detection_stats(self.block, "phid-8", "kill")
        self.assertIsNone(kill["late"])
        self.assertIsNone(kill["p50"])

    def test_partial_below_ninety_percent(self):
        self.assertTrue(st.is_partial(st.detection_stats(self.block, "phid-8", "stop3")))
        self.assertFalse(st.is_partial(st.detection_stats(self.block, "serf-local", "stop3")))

    def test_splits_detections_by_a_recent_stop_of_the_victim(self):
        block = {"n": 5, "faults": [
            fx.fault_record("phid-8", "kill", [500], since=None),
            fx.fault_record("phid-8", "kill", [1300], since=60.0),
            fx.fault_record("phid-8", "kill", [550], since=st.RECENT_STOP_S + 1),
        ]}
        self.assertEqual(st.split_by_recent_stop(block, "phid-8", "kill"),
                         ([500, 550], [1300]))
        self.assertAlmostEqual(st.recently_stopped_share(block, "phid-8", "kill"), 1 / 3)


class SimulatorNumbersTest(unittest.TestCase):
    def test_accuracy_is_the_pair_rate_times_the_mistake_duration(self):
        row = {"false_per_node_hour": 3.6, "mean_false_ms": 100.0}
        # 3.6 / 9 pairs per hour = 0.4 / 3.6e6 per ms, for 100 ms.
        self.assertAlmostEqual(st.accuracy(row, 10), 0.4 / 3.6e6 * 100)

    def test_crash_bytes_are_per_live_member_with_headers(self):
        # An old simulator (no "protocol"): payload only, headers added.
        p = {"scenario": "crash", "nodes": 10, "victims": 2,
             "bytes_per_node_s": 800.0, "packets_per_node_s": 8.0}
        self.assertEqual(st.live_bytes(p), (800.0 + 28 * 8.0) * 10 / 8)
        # One that prints its protocol counts the headers itself.
        p["protocol"] = 2
        self.assertEqual(st.live_bytes(p), 1000.0)
        p["scenario"] = "pause"
        self.assertEqual(st.live_bytes(p), 800.0)

    def test_interval_seconds(self):
        for text, seconds in (("100ms", 0.1), ("300ms", 0.3), ("1s", 1.0)):
            self.assertAlmostEqual(st.interval_s(text), seconds)

    def test_threshold_step_is_the_later_detection(self):
        qos = fx.qos([fx.qos_point(10, {8: 800.0, 16: 1000.0})])
        self.assertEqual(st.threshold_step(qos, 10, 0.0, 8, 16), 200.0)
        self.assertEqual(st.threshold_step(qos, 10, 0.0, 16, 8), -200.0)
        self.assertIsNone(st.threshold_step(qos, 50, 0.0, 8, 16))

    def test_zero_events_bound_the_rate_at_three_at_95_percent(self):
        self.assertAlmostEqual(st.poisson_upper(0), -math.log(0.05), places=6)
        # P(X <= 1; 4.744) = 0.05: the textbook bound after one event.
        self.assertAlmostEqual(st.poisson_upper(1), 4.744, places=3)
        self.assertGreater(st.poisson_upper(5), st.poisson_upper(4))

    def test_false_rate_is_per_node_hour_of_the_healthy_run(self):
        plan = {"nodes": 1000, "duration_s": 120.0}
        f = st.false_rate(plan, {"false": 0})
        self.assertAlmostEqual(f["node_hours"], 1000 * 120 / 3600)
        self.assertEqual(f["rate"], 0)
        self.assertAlmostEqual(f["bound95"], st.poisson_upper(0) / f["node_hours"])

    def test_goal_numbers_take_the_worst_loss_and_the_5_percent_healthy_run(self):
        scale = fx.scale({10: 590.0, 1000: 600.0}, false_by_n={1000: 2},
                         bytes_by_n={1000: 1480.0})
        # The 5 % crash run at N=1000 is slower than the 0 % one.
        crash = [i for i in scale["runs"] if i["plan"]["scenario"] == "crash"
                 and i["plan"]["nodes"] == 1000 and i["plan"]["loss"] == 0.05]
        st.row_at(crash[0]["runs"][0]["rows"], 8)["p99"] = 650.0
        g = st.sim_goal_numbers(scale, 1000)
        self.assertEqual(g["p99"]["value"], 650.0)
        self.assertEqual(g["p99"]["losses"], [0.0, 0.05])
        self.assertEqual(g["false"]["count"], 2)
        self.assertEqual(g["bytes"]["value"], 1480.0)
        self.assertEqual(g["unfinished"], set())
        none = st.sim_goal_numbers(scale, 10000)
        self.assertEqual((none["p99"], none["false"], none["bytes"]),
                         (None, None, None))

    def test_a_size_whose_runs_timed_out_is_unfinished_not_unrun(self):
        scale = fx.scale({10: 590.0, 1000: 600.0},
                         timeouts=(("crash", 1000), ("loss", 1000)))
        g = st.sim_goal_numbers(scale, 1000)
        self.assertIsNone(g["p99"])
        self.assertEqual(g["unfinished"], {"crash", "loss"})


class ProtocolTest(unittest.TestCase):
    def test_runs_without_recorded_flags_predate_protocol_2(self):
        self.assertEqual(st.phid_protocol(fx.vs_serf()), 1)

    def test_recorded_flags_mean_protocol_2_unless_they_name_one(self):
        vs = fx.with_lean(fx.vs_serf())
        self.assertEqual(st.phid_protocol(vs), 2)
        vs["phid_flags"]["phid"] = "--preset=lan --protocol=1"
        self.assertEqual(st.phid_protocol(vs), 1)

    def test_a_simulator_command_names_its_protocol_or_is_protocol_1(self):
        self.assertEqual(st.sim_protocol("simulator --nodes=10 --protocol=2"), 2)
        self.assertEqual(st.sim_protocol("simulator --nodes=10"), 1)


class GoalRatioTest(unittest.TestCase):
    def test_ratios_are_against_serf_lan_of_the_same_size(self):
        vs = fx.with_lean(fx.vs_serf())
        self.assertAlmostEqual(st.goal_ratio(vs, 5, "phid-8", "p50"),
                               601.5 / 6001.5, places=3)
        self.assertAlmostEqual(st.goal_ratio(vs, 5, "phid-lean", "bytes"),
                               280.0 / 300.0)
        self.assertAlmostEqual(st.goal_ratio(vs, 5, "phid", "cpu"), 3.0)

    def test_an_unmeasured_tool_has_no_ratio(self):
        self.assertIsNone(st.goal_ratio(fx.vs_serf(), 5, "phid-lean", "bytes"))
        self.assertIsNone(st.goal_ratio(fx.vs_serf(), 99, "phid", "cpu"))


if __name__ == "__main__":
    bench_testing.main()
