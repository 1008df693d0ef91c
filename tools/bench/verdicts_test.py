"""Tests of verdicts.py: each verdict follows from the numbers given."""

import unittest

import bench_testing
import verdicts


class OutcomeTest(unittest.TestCase):
    def test_lower_is_a_win_and_higher_a_loss(self):
        self.assertEqual(verdicts.outcome(500, 6000), "wins")
        self.assertEqual(verdicts.outcome(6000, 500), "loses")

    def test_within_the_tolerance_is_a_tie(self):
        self.assertEqual(verdicts.outcome(1000, 1040), "ties")
        self.assertEqual(verdicts.outcome(1040, 1000), "ties")
        self.assertEqual(verdicts.outcome(1000, 1100), "wins")

    def test_a_missing_number_gives_no_outcome(self):
        self.assertIsNone(verdicts.outcome(None, 1))
        self.assertIsNone(verdicts.outcome(1, None))


class OverallTest(unittest.TestCase):
    def test_agreeing_outcomes_keep_their_verdict(self):
        self.assertEqual(verdicts.overall(["loses", "loses", None]), "loses")

    def test_disagreeing_outcomes_are_mixed(self):
        self.assertEqual(verdicts.overall(["wins", "loses"]), "mixed")

    def test_nothing_compared_is_no_verdict(self):
        self.assertIsNone(verdicts.overall([None, None]))
        self.assertEqual(verdicts.phrase(None), "not measured")

    def test_phrases_name_phid(self):
        self.assertEqual(verdicts.phrase("wins"), "phid wins")
        self.assertEqual(verdicts.phrase("loses"), "phid loses")
        self.assertEqual(verdicts.phrase("mixed"), "mixed results")


class ComparisonWordsTest(unittest.TestCase):
    def test_sooner_or_later_follows_the_times(self):
        self.assertEqual(verdicts.sooner_or_later(500, 900), "sooner")
        self.assertEqual(verdicts.sooner_or_later(900, 500), "later")
        self.assertEqual(verdicts.sooner_or_later(500, 510), "as soon")

    def test_mostly_means_more_than_half(self):
        self.assertTrue(verdicts.mostly(3, 5))
        self.assertFalse(verdicts.mostly(2, 4))
        self.assertFalse(verdicts.mostly(0, 0))

    def test_barely_moves_within_ten_percent(self):
        self.assertTrue(verdicts.barely_moves([(1000, 1090), (500, 480)]))
        self.assertFalse(verdicts.barely_moves([(1000, 1090), (500, 600)]))
        self.assertIsNone(verdicts.barely_moves([(None, 5)]))

    def test_equal_bandwidth_names_the_dominating_tool(self):
        # phid spends more bytes and is still slower: Serf dominates.
        self.assertEqual(verdicts.equal_bandwidth(876, 7915, 271, 6077), "serf")
        self.assertEqual(verdicts.equal_bandwidth(200, 5000, 271, 6077), "phid")
        self.assertIsNone(verdicts.equal_bandwidth(876, 5000, 271, 6077))


class ScaleTest(unittest.TestCase):
    def test_sizes_over_the_false_suspicion_bound_lose(self):
        points = [(10, 0.6), (50, 0.0), (200, 141.6), (1000, 1565.8)]
        self.assertEqual(verdicts.losing_sizes(points), [200, 1000])

    def test_the_largest_sizes_read_from_n_on(self):
        self.assertEqual(verdicts.sizes_phrase([200, 1000], [10, 200, 1000]),
                         "from N=200 on")
        self.assertEqual(verdicts.sizes_phrase([200], [10, 200, 1000]),
                         "at N=200")
        self.assertIsNone(verdicts.sizes_phrase([], [10]))


class GoalTest(unittest.TestCase):
    def test_a_ratio_at_or_under_its_bound_meets_the_goal(self):
        self.assertEqual(verdicts.goal(0.09, 0.12), "met")
        self.assertEqual(verdicts.goal(0.12, 0.12), "met")
        self.assertEqual(verdicts.goal(0.13, 0.12), "missed")

    def test_a_strict_goal_is_missed_at_its_bound(self):
        self.assertEqual(verdicts.goal(1.0, 1.0, strict=True), "missed")
        self.assertEqual(verdicts.goal(0.99, 1.0, strict=True), "met")

    def test_a_missing_number_meets_no_goal(self):
        self.assertIsNone(verdicts.goal(None, 5))
        self.assertEqual(verdicts.goal_phrase(None, 5), "not measured")

    def test_the_phrase_says_how_much_of_the_bound_is_used_or_exceeded(self):
        self.assertEqual(verdicts.goal_phrase(3.0, 5.0), "met (0.60 of the bound)")
        self.assertEqual(verdicts.goal_phrase(7.0, 5.0),
                         "missed by 1.40× the bound")


class RateGoalTest(unittest.TestCase):
    def test_a_rate_past_the_goal_is_missed(self):
        self.assertEqual(verdicts.rate_goal(0.02, 0.05, 0.01), "missed")

    def test_a_goal_of_zero_is_met_only_by_no_events(self):
        self.assertEqual(verdicts.rate_goal(0.0, 9.0, 0.0), "met")
        self.assertEqual(verdicts.rate_goal(0.1, 0.5, 0.0), "missed")

    def test_within_the_goal_but_a_short_run_is_not_shown(self):
        self.assertEqual(verdicts.rate_goal(0.0, 0.09, 0.01), "not shown")
        self.assertEqual(verdicts.rate_goal(0.0, 0.009, 0.01), "met")

    def test_missing_numbers_give_no_verdict(self):
        self.assertIsNone(verdicts.rate_goal(None, 0.1, 0.01))


if __name__ == "__main__":
    bench_testing.main()
