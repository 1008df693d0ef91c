"""Verdicts the benchmark report prints, computed from its numbers.

Every "phid wins", "phid loses" or "sooner" in BENCHMARKS.md comes from one
of these functions, so a verdict cannot contradict the numbers beside it
(verdicts_test.py and report_test.py check that it does not).

An outcome is "wins", "loses" or "ties" for phid in one comparison; lower is
better for every quantity compared here (milliseconds, bytes, CPU, false
suspicions). A comparison within TIE_TOLERANCE of equal is a tie.
"""

# Relative difference below which two numbers count as equal.
TIE_TOLERANCE = 0.05

# Scale: phid holds up at a cluster size while its phi=8 false suspicions stay
# at or below this many per node-hour (N=10 and 50 in the simulator: under 1).
FALSE_PER_NODE_HOUR_BOUND = 1.0


def outcome(phid, other):
    """"wins", "loses" or "ties" for phid; None if either is missing."""
    if phid is None or other is None:
        return None
    if abs(phid - other) <= TIE_TOLERANCE * max(abs(phid), abs(other)):
        return "ties"
    return "wins" if phid < other else "loses"


def overall(outcomes):
    """One verdict for several comparisons of the same kind.

    "wins"/"loses"/"ties" when every comparison agrees, "mixed" when they
    do not, None when there was nothing to compare.
    """
    known = [o for o in outcomes if o is not None]
    if not known:
        return None
    if all(o == known[0] for o in known):
        return known[0]
    return "mixed"


def phrase(verdict, subject="phid"):
    """The words for a verdict: "phid wins", "phid loses", "phid ties",
    "mixed results" or "not measured"."""
    if verdict is None:
        return "not measured"
    if verdict == "mixed":
        return "mixed results"
    return f"{subject} {verdict}"


def sooner_or_later(a_ms, b_ms):
    """How detection at a_ms compares with b_ms: "sooner", "later" or
    "as soon"; None if either is missing."""
    o = outcome(a_ms, b_ms)
    return {"wins": "sooner", "loses": "later", "ties": "as soon",
            None: None}[o]


def mostly(count, total):
    """True when count is more than half of total."""
    return total > 0 and count > total / 2


def relative_change(a, b):
    """|b - a| / a; None when a is missing or 0."""
    if a is None or b is None or a == 0:
        return None
    return abs(b - a) / abs(a)


def barely_moves(pairs, tolerance=0.1):
    """True when every (before, after) pair differs by at most tolerance
    (relative); None if no pair has both numbers."""
    changes = [relative_change(a, b) for a, b in pairs]
    changes = [c for c in changes if c is not None]
    if not changes:
        return None
    return max(changes) <= tolerance


def equal_bandwidth(phid_bytes, phid_ms, serf_bytes, serf_ms):
    """Which tool dominates the other: fewer bytes and no later detection.

    "serf" when Serf sends no more bytes and detects no later than phid (so
    at equal bandwidth Serf would detect sooner), "phid" for the reverse,
    None when neither point dominates or a number is missing.
    """
    if None in (phid_bytes, phid_ms, serf_bytes, serf_ms):
        return None
    if phid_bytes >= serf_bytes and phid_ms >= serf_ms:
        return "serf"
    if phid_bytes <= serf_bytes and phid_ms <= serf_ms:
        return "phid"
    return None


def losing_sizes(points, bound=FALSE_PER_NODE_HOUR_BOUND):
    """Cluster sizes at which phid's false suspicions exceed the bound.

    points: (N, false suspicions per node-hour) pairs.
    """
    return sorted(n for n, rate in points if rate > bound)


def sizes_phrase(sizes, all_sizes):
    """"from N=200 on" when sizes are the largest of all_sizes, else
    "at N=200, 1000"."""
    if not sizes:
        return None
    ordered = sorted(set(all_sizes))
    if ordered[len(ordered) - len(sizes):] == sorted(sizes):
        return f"from N={sizes[0]} on"
    return "at N=" + ", ".join(str(n) for n in sorted(sizes))


def goal(value, bound, strict=False):
    """"met" when value <= bound (value < bound if strict), else "missed";
    None if either is missing. Goals here are ratios against a baseline
    measured in the same run (e.g. phid's p50 / Serf lan's <= 0.12)."""
    if value is None or bound is None:
        return None
    ok = value < bound if strict else value <= bound
    return "met" if ok else "missed"


def goal_phrase(value, bound, strict=False):
    """"met (0.75 of the bound)" or "missed by 1.40× the bound"; the share
    of the bound that the value uses, or how far past it the value is."""
    g = goal(value, bound, strict)
    if g is None:
        return "not measured"
    if bound == 0:
        return g
    share = value / bound
    return (f"met ({share:.2f} of the bound)" if g == "met" else
            f"missed by {share:.2f}× the bound")


def rate_goal(rate, bound95, bound):
    """A bound on an event rate measured over a finite run: "met" when the
    95 % upper bound on the rate is within the goal (for a goal of 0: when
    nothing happened), "missed" when the measured rate is past it, and
    "not shown" when the rate is within the goal but the run was too short
    for its 95 % bound to be; None if a number is missing."""
    if rate is None or bound is None:
        return None
    if rate > bound:
        return "missed"
    if bound == 0:
        return "met"
    if bound95 is None:
        return None
    return "met" if bound95 <= bound else "not shown"
