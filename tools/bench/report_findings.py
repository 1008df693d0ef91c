"""BENCHMARKS.md section 4: the results in words. The measured (phid against
Serf) findings are here, the simulator's in report_sim_findings.

Every verdict here ("phid wins", "loses", "sooner", "barely moves") comes
from verdicts.py applied to the numbers it stands next to; an explanation of
why phid wins or loses is printed only with the verdict it explains. Facts
the numbers cannot tell (a later fix, why a run was cut short) come in as
`notes` (report.py --notes) and are printed as given.
"""

import bench_stats as st
import report_sim_findings
import verdicts
from report_tables import LABEL


def times(r):
    """ "×20" for a ratio of 20, "×0.50" for one below 1."""
    return f"×{r:.0f}" if r >= 1 else f"×{r:.2f}"


def times1(r):
    return f"×{r:.1f}" if r >= 1 else f"×{r:.2f}"


def analysis(vs, qos, scale, notes, out):
    """Section 4."""
    out.append("## 4. Reading the results: where phid wins, where it loses\n")
    crash = None
    if vs:
        stall = recent_stall_verdict(vs)
        crash = crash_finding(vs, stall, out)
        stall_finding(vs, out)
        recent_stall_finding(vs, notes, out)
        cost_finding(vs, qos, crash, out)
        lean_finding(vs, out)
        false_finding(vs, out)
    if qos:
        report_sim_findings.threshold_finding(vs, qos, out)
    if scale:
        report_sim_findings.scale_finding(scale, out)


def crash_finding(vs, stall, out):
    kill, p50s = [], []
    for b in vs["blocks"]:
        s = {v: st.detection_stats(b, v, "kill")
             for v in ("phid-8", "serf-lan", "serf-local")}
        p, sl, so = (s[v]["p50"] for v in ("phid-8", "serf-lan", "serf-local"))
        if p and sl and so:
            kill.append(f"N={b['n']}: {p:,.0f} ms vs {sl:,.0f} ms (lan) / "
                        f"{so:,.0f} ms (local), ratio {p / sl:.2f} / {p / so:.2f}")
            p50s += [verdicts.outcome(p, sl), verdicts.outcome(p, so)]
    if not kill:
        return None
    verdict = verdicts.overall(p50s)
    recent = [b["n"] for b in vs["blocks"]
              if (st.recently_stopped_share(b, "phid-8", "kill") or 0) > 0.5]
    aside = ""
    if recent:
        sizes = " and ".join(f"N={n}" for n in recent)
        slows = ", which slows phid" if stall == "later" else ""
        aside = (f" (At {sizes} most kill victims had been stopped less "
                 f"than {st.RECENT_STOP_S} s before{slows}; see the next "
                 f"bullets.)")
    why = ""
    if verdict == "wins" and st.phid_protocol(vs) == 2:
        why = (" Serf (memberlist/SWIM) probes one random member per second, "
               "waits out the probe timeout, then a suspicion timeout of "
               "SuspicionMult × log10(N) probe intervals (at least 4 s for "
               "lan, 3 s for local) before it declares a member failed. "
               "phid's protocol 2 has each member send a heartbeat straight "
               "to its 3 monitors every 100 ms; they report it when their "
               "phi reaches 2, and once 2 of 3 agree the report spreads with "
               "the monitors' interval statistics, so every observer "
               "schedules SUSPECT at the instant the quorum phi reaches its "
               "own threshold.")
    out.append(f"- **Crash detection: {verdicts.phrase(verdict)}.** kill -9, "
               f"p50 at φ=8 against Serf: " + "; ".join(kill) + "." + aside +
               why + "\n")
    return verdict


def stall_finding(vs, out):
    stops, serf_det, serf_expected, phid_det, phid_expected = [], 0, 0, 0, 0
    for b in vs["blocks"]:
        s = st.detection_stats(b, "phid-8", "stop3")
        phid_det += len(s["det"])
        phid_expected += s["expected"]
        for v in ("serf-lan", "serf-local"):
            s = st.detection_stats(b, v, "stop3")
            if s["expected"]:
                serf_det += len(s["det"])
                serf_expected += s["expected"]
                stops.append(f"{LABEL[v]} N={b['n']}: {len(s['det'])}/{s['expected']}"
                             f" ({s['late']} after the member had resumed)")
    if not stops:
        return
    phid = ("at every observer" if phid_det == phid_expected else
            f"at {phid_det} of {phid_expected} (observer, fault) pairs")
    if verdicts.mostly(serf_det, serf_expected):
        serf = "Serf mostly does too"
    elif verdicts.mostly(serf_expected - serf_det, serf_expected):
        serf = "Serf mostly does not"
    else:
        serf = "Serf does at half of them"
    out.append(
        f"- **Short stalls.** phid reports a 3 s SIGSTOP {phid} (it is a "
        f"real 3 s outage; phid recovers the member to ALIVE with the first "
        f"heartbeat after SIGCONT), {serf}: " + "; ".join(stops) + ". "
        "Whether that is a win depends on the consumer. A service that must "
        "not act on a 3 s stall subscribes with a higher threshold or a "
        "recovery threshold; with Serf it has no choice. A Serf failure that "
        "arrives after the member resumed is effectively a false alarm.\n")


def recent_stall_block(vs):
    """The block with the most phid-8 kill detections of a recently stopped
    victim, and its (fresh, recent) detections; None if there are none."""
    best = None
    for b in vs["blocks"]:
        fresh, recent = st.split_by_recent_stop(b, "phid-8", "kill")
        if fresh and recent and (best is None or len(recent) > len(best[2])):
            best = (b, fresh, recent)
    return best


def recent_stall_verdict(vs):
    best = recent_stall_block(vs)
    if not best:
        return None
    return verdicts.sooner_or_later(st.pct(best[2], .5), st.pct(best[1], .5))


def recent_stall_finding(vs, notes, out):
    best = recent_stall_block(vs)
    if not best:
        return
    b, fresh, recent = best
    when = verdicts.sooner_or_later(st.pct(recent, .5), st.pct(fresh, .5))
    title = {"later": "phid is slower to detect a member that stalled recently",
             "sooner": "phid is quicker to detect a member that stalled recently",
             "as soon": "phid detects a member that stalled recently as soon "
                        "as any other"}[when]
    text = (f"- **{title}.** kill -9 at N={b['n']}, φ=8: p50 "
            f"{st.pct(fresh, .5):,.0f} ms when the victim had not been "
            f"stopped in the last {st.RECENT_STOP_S} s ({len(fresh)} samples), "
            f"{st.pct(recent, .5):,.0f} ms when it had ({len(recent)} "
            f"samples).")
    if when == "later":
        text += (" The heartbeat history recorded the stall as an interval, "
                 "which widens its standard deviation, and so delays the φ=8 "
                 "crossing, for as long as it stays in the window.")
    if notes.get("recent_stall"):
        text += " " + notes["recent_stall"]
    out.append(text + "\n")


def cost_finding(vs, qos, crash, out):
    costs, byte_outcomes, cpu_outcomes = [], [], []
    for n in (b["n"] for b in vs["blocks"]):
        ph, sl = st.quiet_cost(vs, n, "phid"), st.quiet_cost(vs, n, "serf-lan")
        if not (ph and sl and sl["bytes_per_node_s"]):
            continue
        rb = ph["bytes_per_node_s"] / sl["bytes_per_node_s"]
        rc = ph["cpu_s_per_node_s"] / max(sl["cpu_s_per_node_s"], 1e-9)
        byte_outcomes.append(verdicts.outcome(ph["bytes_per_node_s"],
                                              sl["bytes_per_node_s"]))
        cpu_outcomes.append(verdicts.outcome(ph["cpu_s_per_node_s"],
                                             sl["cpu_s_per_node_s"]))
        costs.append(
            f"N={n}: {ph['bytes_per_node_s']:,.0f} vs "
            f"{sl['bytes_per_node_s']:,.0f} B/node/s ({times(rb)}), "
            f"CPU {1000 * ph['cpu_s_per_node_s']:.1f} vs "
            f"{1000 * sl['cpu_s_per_node_s']:.1f} ms/node/s ({times1(rc)})")
    if not costs:
        return
    bv, cv = verdicts.overall(byte_outcomes), verdicts.overall(cpu_outcomes)
    title = (f"Bandwidth and CPU: {verdicts.phrase(bv)}" if bv == cv else
             f"Bandwidth: {verdicts.phrase(bv)}; CPU: {verdicts.phrase(cv)}")
    text = f"- **{title}.** phid against Serf lan: " + "; ".join(costs) + "."
    if bv == "loses" and st.phid_protocol(vs) == 2:
        packets = [st.quiet_cost(vs, b["n"], "phid")["udp_packets_per_node_s"]
                   for b in vs["blocks"] if st.quiet_cost(vs, b["n"], "phid")]
        text += (
            " Why: protocol 2's lan preset sends each of a member's 3 "
            "monitors a 20-byte heartbeat (48 bytes with IP and UDP "
            "headers) every 100 ms, 30 datagrams and 1,440 B per node per "
            "second whatever N (measured: " +
            ", ".join(f"{p:.1f}" for p in packets) + " datagrams/node/s), "
            "plus a small summary every 2 s; Serf's steady state is one "
            "ping/ack per node per second plus a TCP push-pull every 30 s. "
            "The heartbeat rate is what buys sub-second detection; slower "
            "heartbeats trade it back: " + slow_round_text(qos, vs, crash) +
            "; the lean preset (600 ms heartbeats) is measured in the next "
            "bullet.")
        noisy = [(b["n"], b["quiet_false_failures"].get("phid-8", 0))
                 for b in vs["blocks"]
                 if b["quiet_false_failures"].get("phid-8", 0)]
        if noisy:
            text += (" The quiet window itself held false suspicions at φ=8 "
                     "(" + ", ".join(f"{k} at N={n}" for n, k in noisy) +
                     "), whose reports and rumours are in its bytes "
                     "(compare the payload metric across sizes).")
    out.append(text + "\n")


def lean_finding(vs, out):
    """The lean preset against Serf lan: fewer bytes and sooner?"""
    parts, whos = [], []
    for b in vs["blocks"]:
        n = b["n"]
        lean, serf = st.quiet_cost(vs, n, "phid-lean"), st.quiet_cost(vs, n, "serf-lan")
        lk, sk = st.kill_p50(vs, n, "phid-lean-8"), st.kill_p50(vs, n, "serf-lan")
        if not (lean and serf and lk and sk):
            continue
        # Both measured, and neither dominates: a result, not a gap, so it
        # must not drop out of the overall verdict.
        whos.append(verdicts.equal_bandwidth(lean["bytes_per_node_s"], lk,
                                             serf["bytes_per_node_s"], sk)
                    or "neither")
        parts.append(
            f"N={n}: {lean['bytes_per_node_s']:,.0f} vs "
            f"{serf['bytes_per_node_s']:,.0f} B/node/s "
            f"({times1(lean['bytes_per_node_s'] / serf['bytes_per_node_s'])}), "
            f"kill -9 p50 at φ=8 {lk:,.0f} vs {sk:,.0f} ms ({times1(lk / sk)})")
    if not parts:
        return
    who = verdicts.overall(whos)
    title = {"phid": "lean preset: fewer bytes than Serf lan and sooner",
             "serf": "lean preset: Serf lan sends no more and detects no later",
             "mixed": "lean preset: mixed against Serf lan",
             "neither": "lean preset: neither it nor Serf lan is cheaper "
                        "and sooner"}.get(who, "lean preset")
    text = (f"- **The {title}.** `--preset=lean` against Serf lan: " +
            "; ".join(parts) + ".")
    if who != "phid":
        text += (" The claim \"sends no more bytes per node than Serf lan and "
                 "still detects faster\" does not hold at every size measured "
                 "(see the goals table for by how much).")
    out.append(text + "\n")


def largest_burst(events, window_s=1.0):
    """(observers, member) of the most observers that reported one member
    within window_s of each other; (0, None) if there are no events."""
    best = (0, None)
    for e in events:
        k = len({f["observer"] for f in events if f["member"] == e["member"]
                 and 0 <= f["t_s"] - e["t_s"] <= window_s})
        best = max(best, (k, e["member"]), key=lambda b: b[0])
    return best


def false_finding(vs, out):
    """False failures of phid (lan, φ=8) against Serf lan, per size."""
    parts, outcomes, bursts = [], [], []
    for b in vs["blocks"]:
        f = b.get("false", {})
        ph, sl = f.get("phid-8"), f.get("serf-lan")
        if not ph or not sl:
            continue
        outcomes.append(verdicts.outcome(ph["per_node_hour"], sl["per_node_hour"]))
        parts.append(f"N={b['n']}: {ph['false_failures']} vs "
                     f"{sl['false_failures']} in {ph['node_hours']:.2f} "
                     f"node-hours")
        k, member = largest_burst(ph["events"])
        if k > 1:
            bursts.append(f"at N={b['n']}, {k} observers suspected {member} "
                          f"within one second")
    if not parts:
        return
    verdict = verdicts.overall(outcomes)
    text = (f"- **False failures: {verdicts.phrase(verdict)}.** phid φ=8 "
            f"against Serf lan, whole run: " + "; ".join(parts) + ".")
    if bursts:
        text += (" Most came together: " + "; ".join(bursts) + " (a "
                 "cluster-wide report, which protocol 2 spreads only once "
                 "a quorum of the member's monitors agree); compare the "
                 "load averages in the Machine section.")
    out.append(text + "\n")


def slow_round_text(qos, vs, crash):
    """phid at 1 s heartbeats (simulated, N=10) against Serf lan at N=10."""
    p = st.sim_point(qos, 10, "crash", 0.0, "1s")
    r = st.row_at(p["rows"], 8) if p else None
    if not (r and r["p50"] is not None):
        return "see the interval trade-off table"
    phid_bytes = st.live_bytes(p)
    text = (f"in the simulator at 1 s heartbeats and N=10, phid sends "
            f"{phid_bytes:,.0f} B/node/s with headers and "
            f"detects in {r['p50']:,.0f} ms p50 at φ=8")
    serf = st.quiet_cost(vs, 10, "serf-lan")
    sk = st.kill_p50(vs, 10, "serf-lan")
    if serf and sk:
        text += (f", against Serf lan's measured "
                 f"{serf['bytes_per_node_s']:,.0f} B/node/s and {sk:,.0f} ms")
        who = verdicts.equal_bandwidth(phid_bytes, r["p50"],
                                       serf["bytes_per_node_s"], sk)
        if who == "serf":
            text += ": at equal bandwidth Serf detects sooner"
            if crash == "wins":
                text += ", so phid's lead is bought with bytes"
        elif who == "phid":
            text += ": phid detects sooner on fewer bytes even then"
        else:
            text += ": neither detects sooner on fewer bytes"
    return text
