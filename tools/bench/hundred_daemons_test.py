"""Tests of hundred_daemons.py's pure logic (no daemons, no iptables)."""

import unittest

import bench_testing
import hundred_daemons as hd

V = "phid-local-8"
MS = 1_000_000


class UnconvergedTest(unittest.TestCase):
    NAMES = {1: "n1", 2: "n2", 3: "n3"}

    def test_an_observer_that_sees_every_other_member_alive_has_converged(self):
        views = {1: {"n2": "alive", "n3": "alive"},
                 2: {"n1": "alive", "n3": "alive", "n2": "alive"},
                 3: {"n1": "alive", "n2": "alive"}}
        self.assertEqual(hd.unconverged(views.get, self.NAMES), [])

    def test_a_missing_or_suspected_member_leaves_the_observer_unconverged(self):
        views = {1: {"n2": "alive"},
                 2: {"n1": "alive", "n3": "fail"},
                 3: {"n1": "alive", "n2": "alive"}}
        self.assertEqual(hd.unconverged(views.get, self.NAMES), [1, 2])

    def test_an_observer_need_not_list_itself(self):
        views = {1: {"n2": "alive", "n3": "alive", "n1": "gone"},
                 2: {"n1": "alive", "n3": "alive"},
                 3: {"n1": "alive", "n2": "alive"}}
        self.assertEqual(hd.unconverged(views.get, self.NAMES), [])


class FirstSuspicionsTest(unittest.TestCase):
    def test_counts_each_observers_first_suspicion_of_the_victim_after_t0(self):
        items = [
            (5 * MS, V, 2, "n9", "fail"),       # before the kill
            (130 * MS, V, 2, "n9", "fail"),
            (150 * MS, V, 2, "n9", "fail"),     # a second report
            (120 * MS, V, 3, "n9", "fail"),
            (110 * MS, V, 3, "n4", "fail"),     # another member
            (140 * MS, "other-8", 4, "n9", "fail"),  # another variant
            (125 * MS, V, 4, "n9", "alive"),
        ]
        got = hd.first_suspicions(items, V, "n9", {2, 3, 4}, 100 * MS, 200 * MS)
        self.assertEqual(got, {2: 30.0, 3: 20.0})

    def test_ignores_observers_not_asked_about_and_events_after_the_window(self):
        items = [(150 * MS, V, 9, "n2", "fail"), (300 * MS, V, 3, "n2", "fail")]
        self.assertEqual(hd.first_suspicions(items, V, "n2", {3}, 100 * MS, 200 * MS),
                         {})


class FalseSuspicionsTest(unittest.TestCase):
    def test_a_suspicion_of_a_live_member_is_false(self):
        items = [(2_000 * MS, V, 3, "n4", "fail")]
        got = hd.false_suspicions(items, V, 1_000 * MS, 9_000 * MS, {})
        self.assertEqual(got, [{"t_s": 1.0, "observer": 3, "member": "n4"}])

    def test_a_suspicion_of_a_killed_member_after_its_kill_is_not_false(self):
        items = [(3_000 * MS, V, 3, "n4", "fail"),   # after the kill: true
                 (1_500 * MS, V, 5, "n4", "fail")]   # before it: false
        got = hd.false_suspicions(items, V, 1_000 * MS, 9_000 * MS,
                                  {"n4": 2_000 * MS})
        self.assertEqual([e["observer"] for e in got], [5])

    def test_recoveries_and_events_outside_the_window_are_not_counted(self):
        items = [(2_000 * MS, V, 3, "n4", "alive"),
                 (500 * MS, V, 3, "n4", "fail"),
                 (9_500 * MS, V, 3, "n4", "fail")]
        self.assertEqual(hd.false_suspicions(items, V, 1_000 * MS, 9_000 * MS, {}),
                         [])


class ViewAtTest(unittest.TestCase):
    def test_the_last_report_before_the_instant_counts(self):
        items = [(1 * MS, V, 3, "n4", "fail"), (2 * MS, V, 3, "n4", "alive"),
                 (3 * MS, V, 3, "n5", "fail"), (9 * MS, V, 3, "n5", "alive"),
                 (4 * MS, V, 7, "n4", "fail")]
        self.assertEqual(hd.events_view_at(items, V, 3, 5 * MS),
                         {"n4": "alive", "n5": "fail"})


class VictimsTest(unittest.TestCase):
    def test_victims_are_spread_over_the_members_and_never_the_seed(self):
        self.assertEqual(hd.victims(100, 3), [18, 51, 84])
        self.assertEqual(hd.victims(10, 3), [3, 6, 9])

    def test_victims_are_distinct_and_in_range_when_kills_exceed_members(self):
        got = hd.victims(4, 5)
        self.assertEqual(len(got), len(set(got)))
        self.assertTrue(all(2 <= v <= 4 for v in got))

    def test_no_victim_in_a_cluster_too_small_to_observe_one(self):
        self.assertEqual(hd.victims(2, 3), [])


class RssTest(unittest.TestCase):
    def test_reads_vmrss_in_megabytes(self):
        status = "Name:\tphid\nVmPeak:\t  300000 kB\nVmRSS:\t   12000 kB\n"
        self.assertAlmostEqual(hd.rss_mb(status), 12.288)

    def test_none_when_the_process_has_no_rss_line(self):
        self.assertIsNone(hd.rss_mb("Name:\tphid\nState:\tZ (zombie)\n"))


if __name__ == "__main__":
    bench_testing.main()
