"""Tests of the rendered report: its verdicts must agree with its numbers.

Each test feeds results in which phid is faster or slower, cheaper or
dearer, and reads the verdict the Markdown prints for them.
"""

import os
import re
import tempfile
import unittest

import bench_fixtures as fx
import bench_testing
import report

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")


def render(vs=None, qos=None, scale=None, notes=None, hundred=None):
    results = {"vs_serf": vs, "qos": qos, "scale": scale,
               "machine": fx.machine(), "hundred_daemons": hundred}
    return "\n".join(report.render(results, "/nonexistent", notes or {}, None))


def bullet(markdown, title):
    """The section-4 bullet whose bold title starts with `title`."""
    m = re.search(r"^- \*\*" + re.escape(title) + r".*$", markdown, re.M)
    if not m:
        raise AssertionError(f"no bullet {title!r} in:\n{markdown}")
    return m.group(0)


class CrashDetectionVerdictTest(unittest.TestCase):
    def test_phid_slower_than_serf_is_reported_as_a_loss(self):
        vs = fx.vs_serf(kill_ms={"phid-8": 9000, "phid-12": 9500,
                                 "serf-lan": 6000, "serf-local": 5000})
        text = bullet(render(vs), "Crash detection")
        self.assertIn("Crash detection: phid loses.", text)
        self.assertNotIn("wins", text)
        self.assertNotIn("well under a second", text)
        self.assertIn("ratio 1.50 / 1.80", text)

    def test_phid_faster_than_serf_is_reported_as_a_win(self):
        text = bullet(render(fx.vs_serf()), "Crash detection")
        self.assertIn("Crash detection: phid wins.", text)
        self.assertIn("ratio 0.10 / 0.12", text)

    def test_faster_than_one_profile_and_slower_than_the_other_is_mixed(self):
        vs = fx.vs_serf(kill_ms={"phid-8": 5500, "phid-12": 5600,
                                 "serf-lan": 7000, "serf-local": 4000})
        text = bullet(render(vs), "Crash detection")
        self.assertIn("Crash detection: mixed results.", text)

    def test_the_ratio_table_is_computed_from_the_times(self):
        vs = fx.vs_serf(kill_ms={"phid-8": 2000, "phid-12": 3000,
                                 "serf-lan": 1000, "serf-local": 4000},
                        observers=1)
        row = next(line for line in render(vs).splitlines()
                   if line.startswith("| 5 | kill -9 |"))
        self.assertIn("| 2.00 / 2.00 | 0.50 / 0.50 | 3.00 / 3.00 | 0.75 / 0.75 |", row)


class CostVerdictTest(unittest.TestCase):
    def test_phid_dearer_than_serf_loses_on_bandwidth_and_cpu(self):
        text = bullet(render(fx.with_lean(fx.vs_serf())), "Bandwidth")
        self.assertIn("Bandwidth and CPU: phid loses.", text)
        self.assertIn("(×33)", text)
        self.assertIn("Why: protocol 2's lan preset", text)

    def test_a_protocol_1_run_gets_no_protocol_2_explanation(self):
        text = bullet(render(fx.vs_serf()), "Bandwidth")
        self.assertIn("phid loses", text)
        self.assertNotIn("Why:", text)

    def test_phid_cheaper_than_serf_wins_and_is_not_explained_as_a_loss(self):
        vs = fx.vs_serf(cost={"phid": (0.001, 100.0), "serf-lan": (0.004, 300.0),
                              "serf-local": (0.005, 320.0)})
        text = bullet(render(vs), "Bandwidth")
        self.assertIn("Bandwidth and CPU: phid wins.", text)
        self.assertIn("(×0.33)", text)
        self.assertNotIn("Why:", text)

    def test_bytes_and_cpu_are_judged_apart(self):
        vs = fx.vs_serf(cost={"phid": (0.001, 1000.0), "serf-lan": (0.004, 300.0),
                              "serf-local": (0.005, 320.0)})
        self.assertIn("Bandwidth: phid loses; CPU: phid wins.",
                      bullet(render(vs), "Bandwidth"))

    def test_equal_bandwidth_sentence_follows_the_slow_round_point(self):
        vs = fx.with_lean(fx.vs_serf())
        slow = fx.qos_point(10, {8: 3000.0}, interval="1s")
        slow["bytes_per_node_s"], slow["packets_per_node_s"] = 100.0, 1.0
        qos = fx.qos()
        qos["points"].append(slow)
        text = bullet(render(vs, qos), "Bandwidth")
        # phid at 1 s rounds: fewer bytes than Serf and sooner (3 s vs 6 s).
        self.assertIn("phid detects sooner on fewer bytes", text)
        self.assertNotIn("Serf detects sooner", text)


class GoalsTest(unittest.TestCase):
    def rows(self, markdown, goal):
        return [line for line in markdown.splitlines()
                if line.startswith("| ") and f"| {goal}" in line]

    def test_each_goal_is_met_or_missed_by_its_ratio(self):
        # phid 600 ms vs Serf lan 6,000 ms; 10,000 vs 300 B; CPU 12 vs 4 ms.
        markdown = render(fx.vs_serf())
        p50 = self.rows(markdown, "detection p50 ≤ 0.12× Serf lan")
        self.assertEqual(len(p50), 2)
        self.assertIn("| 0.10 | met (0.83 of the bound) |", p50[0])
        self.assertIn("| 33.33 | missed by 6.67× the bound |",
                      self.rows(markdown, "bytes per node ≤ 5× Serf lan")[0])
        self.assertIn("| 3.00 | missed by 1.50× the bound |",
                      self.rows(markdown, "CPU per node ≤ 2× Serf lan")[0])

    def test_lean_goals_appear_only_when_lean_ran(self):
        self.assertEqual(self.rows(render(fx.vs_serf()), "lean:"), [])
        markdown = render(fx.with_lean(fx.vs_serf()))
        # lean 280 vs Serf lan 300 B; 2,500 vs 6,000 ms.
        self.assertIn("| 0.93 | met (0.93 of the bound) |",
                      self.rows(markdown, "lean: bytes per node ≤ 1× Serf lan")[0])
        self.assertIn("| 0.42 | met (0.42 of the bound) |",
                      self.rows(markdown, "lean: detection p50 < Serf lan's")[0])

    def test_lean_dearer_than_serf_does_not_claim_the_goal(self):
        markdown = render(fx.with_lean(fx.vs_serf(), cost=(0.002, 450.0)))
        self.assertIn("missed by 1.50× the bound",
                      self.rows(markdown, "lean: bytes per node")[0])
        text = bullet(markdown, "The lean preset")
        self.assertIn("does not hold", text)

    def test_lean_dearer_at_one_size_only_is_mixed(self):
        # Sooner everywhere, but 310 vs Serf lan's 300 B at the first size.
        vs = fx.with_lean(fx.vs_serf())
        vs["blocks"][0]["quiet"]["phid-lean"] = fx.quiet_record(0.002, 310.0)
        text = bullet(render(vs), "The lean preset")
        self.assertNotIn("fewer bytes than Serf lan", text)
        self.assertIn("mixed", text)
        self.assertIn("does not hold", text)

    def test_lean_cheaper_and_sooner_is_said_so(self):
        text = bullet(render(fx.with_lean(fx.vs_serf())), "The lean preset")
        self.assertIn("fewer bytes than Serf lan and sooner", text)
        self.assertNotIn("does not hold", text)

    def test_the_ratio_table_has_a_lean_column(self):
        markdown = render(fx.with_lean(fx.vs_serf(), kill_ms=3000))
        header = next(line for line in markdown.splitlines()
                      if line.startswith("| N | fault | phid φ=8"))
        self.assertIn("phid lean φ=8", header)
        self.assertIn("lean φ8 / lan", header)
        row = next(line for line in markdown.splitlines()
                   if line.startswith("| 5 | kill -9 |"))
        self.assertIn("| 0.50 / 0.50 |", row)  # 3,000 / 6,000 ms

    def test_protocol_2_results_are_not_compared_with_protocol_1_simulations(self):
        text = bullet(render(fx.with_lean(fx.vs_serf(sizes=(10, 25))), fx.qos()),
                      "Thresholds")
        self.assertIn("not compared here", text)


class FalseFailuresTest(unittest.TestCase):
    def test_more_false_failures_than_serf_is_a_loss_and_names_the_burst(self):
        vs = fx.vs_serf()
        for b in vs["blocks"]:
            b["false"]["phid-8"] = dict(fx.false_record(3), events=[
                {"t_s": 10.0 + o / 10, "observer": o, "member": "n7"}
                for o in (1, 2, 3)])
        text = bullet(render(vs), "False failures")
        self.assertIn("False failures: phid loses.", text)
        self.assertIn("3 observers suspected n7 within one second", text)

    def test_none_on_either_side_is_a_tie(self):
        text = bullet(render(fx.vs_serf()), "False failures")
        self.assertIn("False failures: phid ties.", text)
        self.assertNotIn("Most came together", text)


class HundredDaemonsTest(unittest.TestCase):
    def test_the_large_run_is_compared_with_the_baseline_of_the_same_command(self):
        hd = fx.hundred(p50_ms={10: 500.0, 100: 750.0},
                        bytes_per_node={10: 1500.0, 100: 1530.0})
        markdown = render(hundred=hd)
        row = next(line for line in markdown.splitlines()
                   if line.startswith("| 100 | 1.02 |"))
        self.assertIn("| 1.50 |", row)

    def test_an_absent_run_is_reported_as_not_run(self):
        self.assertIn("*Not run (bazel run -c opt //tools/bench:hundred_daemons",
                      render())


class StallVerdictsTest(unittest.TestCase):
    def test_serf_detecting_most_stalls_is_not_called_mostly_not(self):
        vs = fx.vs_serf(stop_ms={"phid-8": 550, "phid-12": 650,
                                 "serf-lan": 5000, "serf-local": 4500})
        text = bullet(render(vs), "Short stalls")
        self.assertIn("Serf mostly does too", text)
        self.assertIn("at every observer", text)

    def test_a_quicker_detection_after_a_stall_is_not_called_slower(self):
        vs = fx.vs_serf()
        faults = vs["blocks"][0]["faults"]
        faults.append(fx.fault_record("phid-8", "kill", [400, 410], since=30.0))
        markdown = render(vs)
        self.assertIn("phid is quicker to detect a member that stalled recently",
                      markdown)
        self.assertNotIn("slower", markdown)
        self.assertIn("is detected sooner.", markdown)


class SimulatorVerdictsTest(unittest.TestCase):
    def test_scale_without_false_suspicions_holds_up(self):
        text = bullet(render(fx.vs_serf(), fx.qos(), fx.scale()), "Scale")
        self.assertIn("Scale: phid holds up to N=1,000", text)
        self.assertIn("crash p99 barely moves", text)
        self.assertNotIn("loses", text)

    def test_scale_with_false_suspicions_loses_from_that_size_on(self):
        scale = fx.scale(false_by_n={1000: 200})  # 6 per node-hour
        text = bullet(render(fx.vs_serf(), fx.qos(), scale), "Scale")
        self.assertIn("Scale: phid loses from N=1000 on", text)

    def test_detection_that_grows_with_n_is_not_called_barely(self):
        scale = fx.scale({10: 590.0, 100: 700.0, 1000: 900.0})
        text = bullet(render(fx.vs_serf(), fx.qos(), scale), "Scale")
        self.assertIn("crash p99 moves (by up to 53%)", text)
        self.assertNotIn("protocol 2's design", text)

    def test_loss_that_moves_the_curves_is_not_called_barely(self):
        qos = fx.qos([fx.qos_point(n, {2: 600.0, 8: 800.0, 16: 950.0}, loss=0.0)
                      for n in (10, 50)] +
                     [fx.qos_point(n, {2: 900.0, 8: 1200.0, 16: 1400.0}, loss=0.05)
                      for n in (10, 50)])
        text = bullet(render(fx.vs_serf(sizes=(10, 25)), qos), "Thresholds")
        self.assertIn("moves the detection times by up to 50%", text)
        self.assertNotIn("barely", text)

    def test_measured_points_slower_than_the_simulator_are_called_later(self):
        vs = fx.vs_serf(sizes=(10, 25), kill_ms={"phid-8": 3000, "phid-12": 3500,
                                                  "serf-lan": 6000, "serf-local": 5000})
        text = bullet(render(vs, fx.qos()), "Thresholds")
        self.assertIn("(real daemons, N=10 and 25) detect later than the "
                      "simulator predicts", text)


def goal_rows(markdown):
    """(N, goal, measured, verdict) of every row of the simulator goals."""
    part = markdown.split("#### Goals (issue 11), simulator", 1)[1]
    part = part.split("\n\n`", 1)[0].split("\n## ", 1)[0]
    rows = []
    for line in part.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if line.startswith("| ") and not line.startswith("| N |") and \
                len(cells) == 4:
            rows.append((int(cells[0].replace(",", "")), *cells[1:]))
    return rows


def number(text):
    """The first number in text, without thousands separators."""
    return float(re.search(r"[\d,]*\.?\d+", text).group(0).replace(",", ""))


def check_goal_row(case, n, goal, measured, verdict):
    """Fails if a goal row's verdict contradicts the numbers in it."""
    if measured == "not run":
        case.assertEqual(verdict, "not run")
        return
    if measured.startswith("did not finish"):
        case.assertEqual(verdict, "not measured")
        return
    bound = number(goal.split("≤", 1)[1])
    if goal.startswith("false suspicions"):
        m = re.match(r"(\d+) in ([\d,.]+) node-hours .*95 % bound ([\d.e+-]+)\)",
                     measured)
        count, hours, b95 = int(m.group(1)), number(m.group(2)), float(m.group(3))
        rate = count / hours
        if rate > bound:
            case.assertTrue(verdict.startswith("missed"), (measured, verdict))
        elif bound == 0 or b95 <= bound:
            case.assertTrue(verdict.startswith("met"), (measured, verdict))
        else:
            case.assertTrue(verdict.startswith("not shown"), (measured, verdict))
        return
    if "never crossed" in measured or "no detection" in measured:
        case.assertEqual(verdict, "missed")
        return
    value = number(measured)
    case.assertEqual(verdict.split()[0], "met" if value <= bound else "missed",
                     (n, goal, measured, verdict))


class SimulatorGoalsTest(unittest.TestCase):
    def goals(self, scale):
        return goal_rows(render(scale=scale))

    def verdict(self, scale, n, goal_start):
        return next(r for r in self.goals(scale)
                    if r[0] == n and r[1].startswith(goal_start))

    def test_every_goal_verdict_follows_its_numbers(self):
        for scale in (fx.scale(),
                      fx.scale({10: 800.0, 1000: 990.0}, false_by_n={10: 1},
                               bytes_by_n={10: 1400.0, 1000: 1600.0}),
                      fx.scale(healthy_s=3600.0),
                      fx.scale(timeouts=(("crash", 1000),))):
            rows = self.goals(scale)
            self.assertEqual(len(rows), 9)
            for row in rows:
                with self.subTest(row=row):
                    check_goal_row(self, *row)

    def test_slow_detection_misses_and_fast_meets(self):
        scale = fx.scale({10: 800.0, 1000: 990.0})
        self.assertIn("missed by 1.14× the bound",
                      self.verdict(scale, 10, "crash")[3])
        self.assertIn("met (0.99 of the bound)",
                      self.verdict(scale, 1000, "crash")[3])

    def test_no_false_suspicion_in_33_node_hours_does_not_show_001(self):
        row = self.verdict(fx.scale(), 1000, "false")
        self.assertIn("0 in 33.3 node-hours", row[2])
        self.assertIn("not shown at 95 %", row[3])
        self.assertIn("300 node-hours", row[3])
        # An hour at N=1,000 is 1,000 node-hours: shown.
        row = self.verdict(fx.scale(healthy_s=3600.0), 1000, "false")
        self.assertTrue(row[3].startswith("met"), row)

    def test_one_false_suspicion_misses_a_goal_of_zero(self):
        row = self.verdict(fx.scale(false_by_n={10: 1}), 10, "false")
        self.assertEqual(row[3], "missed")

    def test_bytes_over_the_goal_miss(self):
        row = self.verdict(fx.scale(bytes_by_n={1000: 1600.0}), 1000, "bytes")
        self.assertIn("missed by 1.07× the bound", row[3])

    def test_sizes_not_run_and_runs_not_finished_say_so(self):
        scale = fx.scale(timeouts=(("crash", 1000),))
        self.assertEqual(self.verdict(scale, 10000, "crash")[2:],
                         ("not run", "not run"))
        self.assertEqual(self.verdict(scale, 1000, "crash")[3], "not measured")
        markdown = render(scale=scale)
        self.assertIn("| 1,000 | 0 % | did not finish: killed after 1800 s |",
                      markdown)
        self.assertIn("Did not finish: crash at N=1,000",
                      bullet(markdown, "Scale"))

    def healthy_run(self, n, seconds, false=0, commit=None):
        rows = [dict(fx.sim_row(t, None), false=false if t == 8 else 0)
                for t in (4, 8, 12)]
        info = fx.scale_info("loss", n, 0.05, rows, duration_s=seconds)
        if commit:
            info["commit"], info["date"] = commit, "2026-02-02 00:00:00"
        return info

    def test_the_longest_healthy_run_decides_the_false_goal(self):
        scale = fx.scale()
        scale["runs"].append(self.healthy_run(1000, 1080.0, commit="def5678"))
        row = self.verdict(scale, 1000, "false")
        self.assertIn("0 in 300.0 node-hours", row[2])
        self.assertTrue(row[3].startswith("met"), row)
        markdown = render(scale=scale)
        self.assertIn("| 1,000 | 5 % | 1,080 | 0 / 0 / 0 | 300.00 |", markdown)
        # The findings count one run per size and loss, not both overlapping
        # runs at 5 %: 33.3 at 0 % + 300 at 5 %.
        self.assertIn("0 false suspicions in 333.3 healthy node-hours",
                      bullet(markdown, "Scale"))
        self.assertIn("N = 10, 100, 1,000 on 2026-01-01 at commit abc1234; "
                      "N = 1,000 on 2026-02-02 at commit def5678", markdown)

    def test_a_run_without_a_plan_names_no_size_and_breaks_nothing(self):
        scale = fx.scale()
        old = self.healthy_run(100, 120.0, commit="0ld0ld0")
        del old["plan"]  # written before the plan record existed
        scale["runs"].append(old)
        markdown = render(scale=scale)
        self.assertIn("runs of unrecorded size on 2026-02-02 at commit 0ld0ld0",
                      markdown)

    def test_a_false_suspicion_in_the_long_run_counts_though_the_short_had_none(
            self):
        scale = fx.scale()
        scale["runs"].append(self.healthy_run(1000, 1080.0, false=4))
        row = self.verdict(scale, 1000, "false")
        self.assertIn("4 in 300.0 node-hours", row[2])
        self.assertTrue(row[3].startswith("missed"), row)

    def test_prejoined_sizes_are_marked_and_explained(self):
        scale = fx.scale({10: 590.0, 10000: 610.0})
        for info in scale["runs"]:
            if info["plan"]["nodes"] == 10000:
                info["plan"]["prejoined"] = True
        markdown = render(scale=scale)
        self.assertIn("| 10,000 ‡ | 5 % |", markdown)
        self.assertIn("| 10 | 5 % |", markdown)
        self.assertIn("the join itself is not simulated at N = 10,000",
                      markdown)
        self.assertIn("At N = 10,000 the cluster starts prejoined", markdown)
        self.assertTrue(self.verdict(scale, 10000, "crash")[3].startswith(
            "met"))


class CommittedResultsTest(unittest.TestCase):
    """The committed results: whatever they say, the words must match."""

    def setUp(self):
        results = report.load_results(RESULTS)
        notes = report.load_notes(os.path.join(RESULTS, "notes.json"), results)
        self.markdown = "\n".join(report.render(results, RESULTS, notes, None))

    def test_crash_verdict_matches_every_phi8_kill_ratio(self):
        ratios, columns = [], None
        for line in self.markdown.splitlines():
            cells = [c.strip() for c in line.strip("|").split("|")]
            if line.startswith("| N | fault | phid φ=8"):  # the ratio table
                columns = [cells.index(c) for c in ("φ8 / lan", "φ8 / local")]
            elif not line.startswith("|"):
                columns = None
            elif columns and re.match(r"^\| \d+ \| kill -9 \|", line):
                ratios += [float(cells[k].split(" / ")[0]) for k in columns]
        self.assertTrue(ratios)
        text = bullet(self.markdown, "Crash detection")
        if all(r < 0.95 for r in ratios):
            self.assertIn("phid wins", text)
        elif all(r > 1.05 for r in ratios):
            self.assertIn("phid loses", text)
        else:
            self.assertNotRegex(text, "phid (wins|loses)")

    def test_cost_verdict_matches_the_cost_table(self):
        byte_ratios = [float(m) for m in re.findall(
            r"\| Serf lan \| [^|]+\| [^|]+\| [^|]+\| [^|]+\| CPU [\d.]+, bytes ([\d.]+) \|",
            self.markdown)]
        self.assertTrue(byte_ratios)
        text = bullet(self.markdown, "Bandwidth")
        if all(r > 1.05 for r in byte_ratios):
            self.assertRegex(text, r"Bandwidth( and CPU)?: phid loses")
        if all(r < 0.95 for r in byte_ratios):
            self.assertRegex(text, r"Bandwidth( and CPU)?: phid wins")

    def test_every_simulator_goal_verdict_matches_its_numbers(self):
        rows = goal_rows(self.markdown)
        self.assertEqual(len(rows), 9)
        for row in rows:
            with self.subTest(row=row):
                check_goal_row(self, *row)

    def test_no_commit_or_machine_sentence_without_notes(self):
        results = report.load_results(RESULTS)
        bare = "\n".join(report.render(results, RESULTS, {}, None))
        self.assertNotIn("3637e95", bare)
        # The machine sentence comes from notes.json only.
        self.assertNotIn("Quiet machine for vs_serf", bare)
        self.assertIn("Quiet machine for vs_serf", self.markdown)


class NotesTest(unittest.TestCase):
    def test_notes_for_another_run_are_ignored(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "notes.json")
            with open(path, "w") as f:
                f.write('{"describes": {"vs_serf": "0000000"}, "machine": "x"}')
            self.assertEqual(report.load_notes(path, {"vs_serf": fx.vs_serf()}), {})
            with open(path, "w") as f:
                f.write('{"describes": {"vs_serf": "abc1234"}, "machine": "x"}')
            self.assertEqual(report.load_notes(path, {"vs_serf": fx.vs_serf()})
                             ["machine"], "x")

    def test_an_unknown_note_is_an_error(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "notes.json")
            with open(path, "w") as f:
                f.write('{"verdict": "phid wins"}')
            with self.assertRaises(report.results_schema.SchemaError):
                report.load_notes(path, {})


if __name__ == "__main__":
    bench_testing.main()
