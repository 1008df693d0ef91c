"""BENCHMARKS.md section 4: the results in words.

Every verdict here ("phid wins", "loses", "sooner", "barely moves") comes
from verdicts.py applied to the numbers it stands next to; an explanation of
why phid wins or loses is printed only with the verdict it explains. Facts
the numbers cannot tell (a later fix, why a run was cut short) come in as
`notes` (report.py --notes) and are printed as given.
"""

import bench_stats as st
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
        threshold_finding(vs, qos, out)
    if scale:
        scale_finding(qos, scale, out)


def crash_finding(vs, stall, out):
    kill, p50s, p99s = [], [], []
    for b in vs["blocks"]:
        s = {v: st.detection_stats(b, v, "kill")
             for v in ("phid-8", "serf-lan", "serf-local")}
        p, sl, so = (s[v]["p50"] for v in ("phid-8", "serf-lan", "serf-local"))
        if p and sl and so:
            kill.append(f"N={b['n']}: {p:,.0f} ms vs {sl:,.0f} ms (lan) / "
                        f"{so:,.0f} ms (local), ratio {p / sl:.2f} / {p / so:.2f}")
            p50s += [verdicts.outcome(p, sl), verdicts.outcome(p, so)]
            p99s += [verdicts.outcome(s["phid-8"]["p99"], s[v]["p99"])
                     for v in ("serf-lan", "serf-local")]
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
    elif verdict == "wins":
        why = (" Serf (memberlist/SWIM) probes "
               "one random member per second, waits out the probe timeout, "
               "then a suspicion timeout of SuspicionMult × log10(N) probe "
               "intervals (at least 4 s for lan, 3 s for local, up to 6× that "
               "without independent confirmations) before it declares a "
               "member failed. phid's observers all hear every member's "
               "heartbeat within a few 100 ms rounds and schedule SUSPECT at "
               "the instant phi reaches the threshold, so a crash shows in "
               "well under a second.")
        if verdicts.overall(p99s) == "wins":
            why += (" Serf's tail is also much longer: an observer whose "
                    "suspicion is not confirmed by others waits for the "
                    "maximum timeout.")
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
        text += (" The heartbeat history records the 3 s or 6 s gap as an "
                 "ordinary interval (`HeartbeatHistory` refuses only "
                 "intervals above `max_interval` = max(10 s, 100 rounds)), "
                 "and one 6 s sample among 1,000 intervals of ~100 ms raises "
                 "the standard deviation from the 50 ms floor to about "
                 "200 ms, which delays the φ=8 crossing for as long as the "
                 "sample stays in the window (~100 s). Serf has no such "
                 "memory. What would fix it: do not record an interval "
                 "during which the member was suspected at the default "
                 "threshold (or clamp recorded intervals to mean + k·σ), "
                 "keeping `max_interval` for the outage case.")
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
            "The heartbeat rate is what buys sub-second detection; the "
            "lean preset (500 ms rounds) trades it back (next bullet).")
        noisy = [(b["n"], b["quiet_false_failures"].get("phid-8", 0))
                 for b in vs["blocks"]
                 if b["quiet_false_failures"].get("phid-8", 0)]
        if noisy:
            text += (" The quiet window itself held false suspicions at φ=8 "
                     "(" + ", ".join(f"{k} at N={n}" for n, k in noisy) +
                     "), whose reports and rumours are in its bytes "
                     "(compare the payload metric across sizes).")
    elif bv == "loses":
        text += (
            " Why: phid sends a digest to 3 peers "
            "every 100 ms (30 datagrams per node per second) whether or "
            "not anything changed, and each digest carries heartbeat "
            "entries (with interval statistics) for up to a packet's "
            "worth of members, so the bytes grow with N until a "
            "datagram is full (1,400 bytes: about 40 KB/node/s from "
            "N ≈ 20 on, see the simulator rows). Serf's steady state is "
            "one ping/ack per node per second plus a push-pull every "
            "30 s (lan; 15 s local); it gossips only when there is news. "
            "The CPU follows the packet count. What would fix it: "
            "detection time is a multiple of the heartbeat interval, so "
            "phid buys its sub-second detection with a 10× higher "
            "message rate than Serf's 1 s probe. To trade back: a longer "
            "`--gossip_interval` (detection scales with it; " +
            slow_round_text(qos, vs, crash) + "). Cheaper per round: compact "
            "entries only (drop the statistics from steady-state "
            "digests and send them only on join or on change), or "
            "delta digests that omit members whose heartbeat the peer "
            "already has.")
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
        whos.append(verdicts.equal_bandwidth(lean["bytes_per_node_s"], lk,
                                             serf["bytes_per_node_s"], sk))
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
             None: "lean preset: neither it nor Serf lan is cheaper and "
                   "sooner"}.get(who, "lean preset")
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
    """phid at 1 s rounds (simulated, N=10) against Serf lan at N=10."""
    p = st.sim_point(qos, 10, "crash", 0.0, "1s")
    r = st.row_at(p["rows"], 8) if p else None
    if not (r and r["p50"] is not None):
        return "see the interval trade-off table"
    phid_bytes = st.live_bytes_with_headers(p)
    text = (f"in the simulator at 1 s rounds and N=10, phid sends "
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


def threshold_finding(vs, qos, out):
    r10 = st.sim_row(qos, 10, "crash", 0.0, 8)
    r50 = st.sim_row(qos, 50, "crash", 0.05, 8)
    step10 = st.threshold_step(qos, 10, 0.0, 8, 16)
    step50 = st.threshold_step(qos, 50, 0.0, 8, 16)
    down50 = st.threshold_step(qos, 50, 0.0, 8, 2)
    low = st.sim_row(qos, 50, "crash", 0.0, 2)
    if not (r10 and r50 and step10 is not None and step50 is not None and
            down50 is not None and low):
        return
    base = [st.sim_row(qos, n, "crash", 0.0, 8) for n in (10, 50)]
    rare = all(b and b["false_per_node_hour"] <= verdicts.FALSE_PER_NODE_HOUR_BOUND
               for b in base)
    for_what = (" for mistakes that were already rare" if rare else
                " to cut the false suspicions")
    text = (f"- **Thresholds.** In the simulator φ=8 detects a crash in "
            f"{r10['p50']:,.0f} ms (p50) at N=10 and {r50['p50']:,.0f} ms "
            f"at N=50 with 5 % loss, with {r10['false_per_node_hour']:g} and "
            f"{r50['false_per_node_hour']:g} false suspicions per "
            f"node-hour. Going down to φ=2 saves "
            f"{-down50:,.0f} ms at N=50 and "
            f"costs {low['false_per_node_hour']:,.0f} false suspicions "
            f"per node-hour at N=50; going up from φ=8 to φ=16 costs "
            f"{step10:,.0f} ms (N=10) and {step50:,.0f} ms (N=50){for_what}.")
    text += loss_sentence(qos) + measured_vs_simulated(vs, qos)
    out.append(text + "\n")


def loss_sentence(qos):
    """How much loss moves the crash detection times, every threshold."""
    losses = sorted({p["loss"] for p in qos["points"] if p["scenario"] == "crash"})
    if len(losses) < 2:
        return ""
    worst = losses[-1]
    pairs = []
    for p in qos["points"]:
        if (p["scenario"], p["loss"], st.interval_of(p)) != ("crash", 0.0, "100ms"):
            continue
        for r in p["rows"]:
            lossy = st.sim_row(qos, p["nodes"], "crash", worst, r["threshold"])
            pairs.append((r["p50"], lossy and lossy["p50"]))
    moves = verdicts.barely_moves(pairs)
    if moves is None:
        return ""
    if moves:
        return (f" Loss up to {worst * 100:g} % barely moves the curves: each "
                f"heartbeat reaches an observer by several gossip paths.")
    change = max(c for c in (verdicts.relative_change(a, b) for a, b in pairs)
                 if c is not None)
    return (f" Loss up to {worst * 100:g} % moves the detection times by up "
            f"to {change:.0%}.")


def measured_vs_simulated(vs, qos):
    """Measured phid detection (real daemons) against the simulator's."""
    sim = {st.sim_protocol(p["command"]) for p in qos["points"]}
    if sim != {st.phid_protocol(vs)}:
        return (f" The measured phid points (section 1) are protocol "
                f"{st.phid_protocol(vs)} and these simulator runs protocol "
                f"{', '.join(str(p) for p in sorted(sim))}, so they are not "
                f"compared here.")
    whens, sizes = [], []
    for sim_n, real_n in sorted(st.MEASURED_N_FOR_SIMULATED_N.items()):
        for phi in (8, 12):
            measured = st.kill_p50(vs, real_n, f"phid-{phi}")
            row = st.sim_row(qos, sim_n, "crash", 0.0, phi)
            if measured is None or not row or row["p50"] is None:
                continue
            whens.append(verdicts.sooner_or_later(measured, row["p50"]))
            if real_n not in sizes:
                sizes.append(real_n)
    when = verdicts.overall(whens)
    if when is None:
        return ""
    which = {"sooner": "detect sooner than the simulator predicts for the "
                       "same φ; the simulator is the conservative side here",
             "later": "detect later than the simulator predicts for the same "
                      "φ; the simulator is the optimistic side here",
             "as soon": "detect as soon as the simulator predicts for the "
                        "same φ",
             "mixed": "detect sooner at some sizes and later at others than "
                      "the simulator predicts for the same φ"}[when]
    return (f" The measured phid points (real daemons, N="
            f"{' and '.join(str(n) for n in sizes)}) {which} (not "
            f"investigated further).")


def scale_finding(qos, scale, out):
    trend = st.crash_trend(qos, scale)
    if not trend:
        return
    losing = verdicts.losing_sizes([(n, r8["false_per_node_hour"])
                                    for n, r8, _ in trend])
    where = verdicts.sizes_phrase(losing, [n for n, _, _ in trend])
    title = (f"Scale: phid loses {where}" if losing else
             f"Scale: phid holds up to N={trend[-1][0]}")
    parts = []
    for n, r8, run in trend:
        det = (f"{r8['p50']:,.0f} ms p50" if r8["p50"] is not None
               else "no detection")
        und = (f", {r8['undetected']} of {n - run['victims']} observers "
               f"not within the run" if r8["undetected"] else "")
        parts.append(f"N={n}: {det}{und}, {r8['false_per_node_hour']:,.1f} "
                     f"false/node-h")
    bound = verdicts.FALSE_PER_NODE_HOUR_BOUND
    text = (f"- **{title}** (more than {bound:g} false suspicion per "
            f"node-hour at φ=8). φ=8 crash detection and false suspicions "
            f"(simulator, loss 0, lan options): " + "; ".join(parts) + ".")
    exponential = [
        f"with `--model=exponential` (Cassandra's) N={n} gives "
        f"{r8['p50']:,.0f} ms p50 and {r8['false_per_node_hour']:,.1f} "
        f"false/node-h" for n, r8 in st.exponential_runs(scale)
        if r8["p50"] is not None]
    if losing:
        text += (
            " A datagram "
            "(1,400 bytes) holds about a dozen full entries, so from "
            "N ≈ 20 on the bytes per node stop growing (~38 KB/s) and "
            "instead each observer hears of a given member less often: "
            "about fanout × entries / N times per round. The intervals, "
            "hence the detection time, grow with N, and their variance "
            "makes false suspicions. The arrivals at this size come "
            "at random moments (close to a Poisson process), which the "
            "normal model's light tail does not fit" +
            "".join("; " + e for e in exponential) +
            ". Serf's detection grows only with "
            "log10(N) and its cost per node stays constant.")
    elif exponential:
        text += " " + "; ".join(exponential).replace("with", "With", 1) + "."
    text += five_thousand_text(scale)
    if losing:
        text += (" What would fix it: judge each member "
                 "directly from only k monitors (e.g. its successors on a "
                 "ring, heartbeats sent to them point to point) and gossip "
                 "the verdicts, which phid's `suspected_by` opinions already "
                 "carry; then the per-node cost is O(k) and detection no "
                 "longer depends on N.")
    out.append(text + "\n")


def five_thousand_text(scale):
    fivek = next((i for i in scale["runs"] if "nodes=5000" in i["command"]), None)
    if fivek and fivek["rc"] == "timeout":
        return (f" The 5,000-node simulation did not complete "
                f"within its {fivek.get('limit_s')} s limit "
                f"(joining 5,000 members alone takes 10 simulated "
                f"seconds; the simulator keeps N² detectors in one "
                f"process).")
    if fivek and fivek["rc"] != 0:
        return (f" The 5,000-node simulation did not complete: "
                f"exit {fivek['rc']} after "
                f"{fivek['wall_s_measured']:.0f} s at "
                f"{fivek.get('max_rss_mb', 0) / 1024:.1f} GiB RSS "
                f"(limit {fivek.get('max_gib')} GiB; joining 5,000 members "
                f"alone takes 10 simulated seconds); "
                f"the simulator keeps N² detectors in one process.")
    return ""
