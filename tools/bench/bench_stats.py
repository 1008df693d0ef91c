"""The numbers the benchmark report derives from the results files.

Pure functions of data already validated by results_schema: percentiles,
per-cell detection statistics, the Chen-Toueg accuracy, bytes per live
member. The report's tables, plot and verdicts all take their numbers from
here, so each is computed in one place.
"""

import math

# A phid history holds 1,000 intervals of ~100 ms: a stall less than this
# long ago is still in the window that sets phi.
RECENT_STOP_S = 120

# Measured Serf points are drawn next to simulated panels of these sizes.
MEASURED_N_FOR_SIMULATED_N = {10: 10, 50: 25}

# Per UDP datagram: IPv4 (20) + UDP (8) headers, which the simulator's
# payload counts leave out.
UDP_IP_HEADER_BYTES = 28


def pct(values, q):
    """Nearest-rank percentile q (0 < q <= 1) of values; None if empty."""
    if not values:
        return None
    v = sorted(values)
    return v[max(0, math.ceil(q * len(v)) - 1)]


def ratio(a, b):
    """a / b, or None when either is missing or b is 0."""
    if a is None or b is None or b == 0:
        return None
    return a / b


def pause_ms(fault):
    """The pause of a "stopN" fault in ms; None for other faults."""
    return float(fault[len("stop"):]) * 1000 if fault.startswith("stop") else None


def fault_records(block, variant, fault):
    return [r for r in block["faults"]
            if r["variant"] == variant and r["fault"] == fault]


def detection_stats(block, variant, fault):
    """Detection statistics of one (N, tool variant, fault) cell.

    det: every (observer, repetition) detection time in ms; expected: the
    pairs that could have detected; late: SIGSTOP detections after the
    member had resumed (None for kill).
    """
    recs = fault_records(block, variant, fault)
    det = [d for r in recs for d in r["detection_ms"]]
    pause = pause_ms(fault)
    return {
        "late": sum(1 for d in det if d > pause) if pause else None,
        "reps": len(recs), "det": det,
        "expected": sum(r["observers"] for r in recs),
        "min": min(det) if det else None, "p50": pct(det, 0.5),
        "p99": pct(det, 0.99), "max": max(det) if det else None,
        "flaps": sum(r["flaps"] for r in recs),
        "false_by_victim": sum(r["false_by_victim"] for r in recs),
    }


def is_partial(stats):
    """True when a tool detected some but fewer than 90 % of the pairs."""
    return 0 < len(stats["det"]) < 0.9 * stats["expected"]


def split_by_recent_stop(block, variant, fault):
    """Detections of victims not stopped recently, and of those that were."""
    fresh, recent = [], []
    for r in fault_records(block, variant, fault):
        since = r.get("since_victim_last_stopped_s")
        target = recent if since is not None and since < RECENT_STOP_S else fresh
        target.extend(r["detection_ms"])
    return fresh, recent


def recently_stopped_share(block, variant, fault):
    """Share of the fault records whose victim was stopped recently."""
    recs = fault_records(block, variant, fault)
    if not recs:
        return None
    recent = [r for r in recs
              if r.get("since_victim_last_stopped_s") is not None and
              r["since_victim_last_stopped_s"] < RECENT_STOP_S]
    return len(recent) / len(recs)


def block_for(vs, n):
    return next((b for b in (vs or {}).get("blocks", []) if b["n"] == n), None)


def quiet_cost(vs, n, tool):
    """The quiet-window cost record of `tool` at cluster size n, or None."""
    b = block_for(vs, n)
    return b["quiet"].get(tool) if b else None


def kill_p50(vs, n, variant):
    b = block_for(vs, n)
    return detection_stats(b, variant, "kill")["p50"] if b else None


def accuracy(row, n):
    """1 - P_A for one threshold row (Chen-Toueg: P_A = 1 - lambda_M T_M).

    The simulator's rate is per observer-hour over its N-1 monitored peers;
    per monitored pair it is that / (N-1).
    """
    lam_pair_per_ms = row["false_per_node_hour"] / (n - 1) / 3.6e6
    return lam_pair_per_ms * row["mean_false_ms"]


def live_share(p):
    """All members / live members: the simulator divides a crash run's
    totals by all N, the crashed ones (silent while measured) included."""
    if p["scenario"] == "crash":
        return p["nodes"] / (p["nodes"] - p["victims"])
    return 1.0


def wire_bytes(p):
    """Bytes per member per second on the wire, IP/UDP headers included,
    over all N members. Simulators that print their protocol count the
    headers themselves; older ones counted payload only."""
    if "protocol" in p:
        return p["bytes_per_node_s"]
    return p["bytes_per_node_s"] + UDP_IP_HEADER_BYTES * p["packets_per_node_s"]


def live_bytes(p):
    """Bytes on the wire (headers included) per live member per second."""
    return wire_bytes(p) * live_share(p)


def interval_s(text):
    """Seconds of a gossip interval as the simulator prints it ("300ms")."""
    return float(text[:-2]) / 1000 if text.endswith("ms") else float(text[:-1])


def interval_of(p):
    return p.get("gossip_interval", "100ms")


def row_at(rows, threshold):
    return next((r for r in rows if r["threshold"] == threshold), None)


def sim_row(qos, n, scenario, loss, threshold, interval="100ms"):
    """The row of one threshold in one simulated QoS point, or None."""
    for p in (qos or {}).get("points", []):
        if ((p["nodes"], p["scenario"], p["loss"], interval_of(p)) ==
                (n, scenario, loss, interval)):
            return row_at(p["rows"], threshold)
    return None


def sim_point(qos, n, scenario, loss, interval="100ms"):
    for p in (qos or {}).get("points", []):
        if ((p["nodes"], p["scenario"], p["loss"], interval_of(p)) ==
                (n, scenario, loss, interval)):
            return p
    return None


def threshold_step(qos, n, loss, lo, hi):
    """How much later (ms, p50) a crash is detected at phi `hi` than `lo`."""
    a = sim_row(qos, n, "crash", loss, lo)
    b = sim_row(qos, n, "crash", loss, hi)
    if a and b and a["p50"] and b["p50"]:
        return b["p50"] - a["p50"]
    return None


# ------------------------------------------------- simulator scale (issue 11)

# Issue 11's simulator goals (lan preset, 1 ms +- 1 ms links, keyring off):
# N -> (crash -> phi 8 at every observer, p99 ms; false suspicions per
# node-hour at phi 8 and 5 % loss; steady-state bytes out per node per
# second, IP/UDP headers included).
SIM_GOALS = {10: (700.0, 0.0, 1500.0), 1000: (1000.0, 0.01, 1500.0),
             10000: (1200.0, 0.01, 2000.0)}
GOAL_THRESHOLD = 8
GOAL_LOSS = 0.05


def scale_runs(scale, scenario):
    """(plan, run, info) of every planned scale run of `scenario` ("crash"
    or "loss"), by N then loss; run is None when it did not finish."""
    out = []
    for info in (scale or {}).get("runs", []):
        plan = info.get("plan")
        if not plan or plan["scenario"] != scenario:
            continue
        run = info["runs"][0] if info["rc"] == 0 and info["runs"] else None
        out.append((plan, run, info))
    out.sort(key=lambda t: (t[0]["nodes"], t[0]["loss"],
                            t[0]["duration_s"]))
    return out


def longest_healthy(scale):
    """(plan, run) of the longest finished healthy run at every (N, loss),
    by N then loss: a longer run at the same seed repeats the shorter one's
    first seconds, so node-hours of two runs are never added."""
    best = {}
    for plan, run, _ in scale_runs(scale, "loss"):
        key = (plan["nodes"], plan["loss"])
        if run and (key not in best or
                    plan["duration_s"] > best[key][0]["duration_s"]):
            best[key] = (plan, run)
    return [best[k] for k in sorted(best)]


def poisson_upper(k, confidence=0.95):
    """One-sided upper confidence bound on a Poisson mean after k events:
    the mean at which k or fewer events happen with probability
    1 - confidence (3.0 for k = 0 at 95 %)."""
    def at_most_k(mean):
        term = total = math.exp(-mean)
        for i in range(1, k + 1):
            term *= mean / i
            total += term
        return total
    lo, hi = 0.0, 10.0 + 3 * k
    for _ in range(100):
        mid = (lo + hi) / 2
        if at_most_k(mid) > 1 - confidence:
            lo = mid
        else:
            hi = mid
    return hi


def false_rate(plan, row):
    """False suspicions of one threshold row of a healthy run, per
    node-hour: the count, node-hours, the rate and its 95 % upper bound."""
    hours = plan["nodes"] * plan["duration_s"] / 3600
    count = row["false"]
    return {"count": count, "node_hours": hours,
            "rate": count / hours if hours else None,
            "bound95": poisson_upper(count) / hours if hours else None}


def sim_goal_numbers(scale, n):
    """What SIM_GOALS bounds at N = n, from the finished scale runs; a
    quantity whose runs are absent (or none finished) is None.

    p99: the worst phi-8 crash p99 over the losses run, with `undetected`
    (observers that never crossed, all losses) and `losses`; false:
    false_rate at phi 8 in the healthy run at GOAL_LOSS; bytes: the most
    bytes per node per second of the healthy runs (steady state).
    unfinished: the scenarios planned at n of which no run finished."""
    planned = {s: [r for p, r, _ in scale_runs(scale, s) if p["nodes"] == n]
               for s in ("crash", "loss")}
    unfinished = {s for s, runs in planned.items()
                  if runs and not any(runs)}
    crash = [(p, r) for p, r, _ in scale_runs(scale, "crash")
             if p["nodes"] == n and r]
    rows = [(p, row_at(r["rows"], GOAL_THRESHOLD)) for p, r in crash]
    rows = [(p, row) for p, row in rows if row]
    p99 = None
    if rows:
        times = [row["p99"] for _, row in rows if row["p99"] is not None]
        p99 = {"value": max(times) if times else None,
               "undetected": sum(row["undetected"] for _, row in rows),
               "losses": [p["loss"] for p, _ in rows]}
    healthy = [(p, r) for p, r in longest_healthy(scale) if p["nodes"] == n]
    false = None
    for p, r in healthy:
        row = row_at(r["rows"], GOAL_THRESHOLD)
        if p["loss"] == GOAL_LOSS and row:
            false = false_rate(p, row)
    bytes_ = None
    if healthy:
        bytes_ = {"value": max(live_bytes(r) for _, r in healthy),
                  "losses": [p["loss"] for p, _ in healthy]}
    return {"p99": p99, "false": false, "bytes": bytes_,
            "unfinished": unfinished}


def run_loads(machine, vs):
    """1-minute load averages seen: the machine's, then one per fault."""
    loads = list((machine or {}).get("loadavg", [])[:1])
    if vs:
        loads += [r["load"][0] for b in vs["blocks"] for r in b["faults"]]
    return loads


# ------------------------------------------------------- protocol and goals

# Issue 11's goals on real processes, against Serf lan measured in the same
# run: (what, phid variant or tool, quantity, bound, strict). Quantities:
# "p50" (kill -9 detection p50, ratio to Serf lan's), "bytes" and "cpu"
# (quiet-window cost per node, ratio to Serf lan's). strict: "< bound".
GOALS = (
    ("detection p50 ≤ 0.12× Serf lan", "phid-8", "p50", 0.12, False),
    ("bytes per node ≤ 5× Serf lan", "phid", "bytes", 5.0, False),
    ("CPU per node ≤ 2× Serf lan", "phid", "cpu", 2.0, False),
    ("lean: bytes per node ≤ 1× Serf lan", "phid-lean", "bytes", 1.0, False),
    ("lean: detection p50 < Serf lan's", "phid-lean-8", "p50", 1.0, True),
)


def phid_protocol(vs):
    """The gossip protocol the run's phid (lan preset) spoke.

    An explicit --protocol=N in its recorded flags wins. Runs that record
    phid_flags at all are from vs_serf.py after protocol 2 became every
    preset's default (commit 417423b); runs without them predate it (1).
    """
    flags = (vs or {}).get("phid_flags")
    if flags is None:
        return 1
    for word in flags.get("phid", "").split():
        if word.startswith("--protocol="):
            return int(word.split("=", 1)[1])
    return 2


def sim_protocol(command):
    """The protocol of a simulator command line: its --protocol=N, else 1
    (simbench.py's commands before protocol 2 did not name it)."""
    for word in command.split():
        if word.startswith("--protocol="):
            return int(word.split("=", 1)[1])
    return 1


def present_variants(vs, order):
    """The variants of `order` that have fault records in the run."""
    seen = {r["variant"] for b in (vs or {}).get("blocks", []) for r in b["faults"]}
    return [v for v in order if v in seen]


def goal_ratio(vs, n, who, quantity):
    """The ratio a GOALS entry bounds at cluster size n; None if unmeasured."""
    if quantity == "p50":
        return ratio(kill_p50(vs, n, who), kill_p50(vs, n, "serf-lan"))
    key = {"bytes": "bytes_per_node_s", "cpu": "cpu_s_per_node_s"}[quantity]
    mine, serf = quiet_cost(vs, n, who), quiet_cost(vs, n, "serf-lan")
    if not mine or not serf:
        return None
    return ratio(mine[key], serf[key])


def hundred_stats(block):
    """Detection over every kill of one hundred_daemons block, pooled."""
    det = [d for k in block["kills"] for d in k["detection_ms"]]
    return {"det": det, "expected": sum(k["observers"] for k in block["kills"]),
            "min": min(det) if det else None, "p50": pct(det, 0.5),
            "p99": pct(det, 0.99), "max": max(det) if det else None}
