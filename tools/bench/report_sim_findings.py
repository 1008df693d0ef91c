"""BENCHMARKS.md section 4, the simulator's findings: thresholds and loss
(simbench.py qos), and scale with issue 11's goals (simbench.py scale).

As in report_findings, every verdict comes from verdicts.py applied to the
numbers it stands next to, and an explanation is printed only with the
verdict it explains.
"""

import bench_stats as st
import report_sim_scale
import verdicts


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
        return f" Loss up to {worst * 100:g} % barely moves the curves."
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


def scale_finding(scale, out):
    """Detection, false suspicions and bytes against N (protocol 2), and
    how many of issue 11's simulator goals were met."""
    crash = [(p, r) for p, r, _ in st.scale_runs(scale, "crash") if r]
    healthy = st.longest_healthy(scale)
    if not crash and not healthy:
        return
    t = st.GOAL_THRESHOLD
    sizes = sorted({p["nodes"] for p, _ in crash + healthy})
    rates = []
    for p, r in healthy:
        row = st.row_at(r["rows"], t)
        if row:
            rates.append((p["nodes"], st.false_rate(p, row)["rate"]))
    undetected = sorted({p["nodes"] for p, r in crash
                         if (st.row_at(r["rows"], t) or {}).get("undetected")})
    losing = sorted(set(verdicts.losing_sizes(rates)) | set(undetected))
    where = verdicts.sizes_phrase(losing, sizes)
    title = (f"Scale: phid loses {where}" if losing else
             f"Scale: phid holds up to N={sizes[-1]:,}")
    parts = [size_text(n, crash, healthy, t) for n in sizes]
    bound = verdicts.FALSE_PER_NODE_HOUR_BOUND
    text = (f"- **{title}** (protocol 2, simulator; losing: more than "
            f"{bound:g} false suspicion per node-hour at φ={t}, or an "
            f"observer that never detected a crash). " + "; ".join(parts) +
            ".")
    text += trend_text(crash, healthy, t)
    text += goals_text(scale)
    unfinished = [(p, i) for p, r, i in st.scale_runs(scale, "crash") +
                  st.scale_runs(scale, "loss") if not r]
    if unfinished:
        text += (" Did not finish: " + "; ".join(
            f"{p['scenario']} at N={p['nodes']:,}, "
            f"{report_sim_scale.loss_text(p['loss'])} loss "
            f"({report_sim_scale.exit_text(i)} after "
            f"{i['wall_s_measured']:,.0f} s)" for p, i in unfinished) + ".")
    out.append(text + "\n")


def size_text(n, crash, healthy, t):
    """"N=1,000: φ=8 p99 599 / 601 ms at 0 / 5 % loss, ..." for one size."""
    words = []
    c = [(p, st.row_at(r["rows"], t), r) for p, r in crash if p["nodes"] == n]
    c = [(p, row, r) for p, row, r in c if row]
    if c:
        words.append(
            f"φ={t} crash p99 " +
            " / ".join(report_sim_ms(row["p99"]) for _, row, _ in c) +
            " ms at " + " / ".join(f"{p['loss'] * 100:g}" for p, _, _ in c) +
            " % loss")
        rumours = [r.get("rumour_ms") for _, _, r in c]
        if all(x is not None for x in rumours):
            words.append(f"reports everywhere within {max(rumours):,.0f} ms")
    h = [(p, r) for p, r in healthy if p["nodes"] == n]
    false = [(p, st.row_at(r["rows"], t)) for p, r in h]
    false = [st.false_rate(p, row) for p, row in false if row]
    if false:
        count = sum(f["count"] for f in false)
        hours = sum(f["node_hours"] for f in false)
        words.append(f"{count} false suspicions in {hours:,.1f} healthy "
                     f"node-hours")
    if h:
        words.append(f"{max(st.live_bytes(r) for _, r in h):,.0f} B/node/s "
                     f"steady")
    return f"N={n:,}: " + ", ".join(words)


def report_sim_ms(x):
    return "–" if x is None else f"{x:,.0f}"


def trend_text(crash, healthy, t):
    """Whether detection and bytes move from the smallest N to the largest."""
    def pairs(points):
        # (value at the smallest N, value at each other N), per loss.
        out = []
        for loss in sorted({p["loss"] for p, _ in points}):
            at = sorted((p["nodes"], v) for p, v in points if p["loss"] == loss)
            out += [(at[0][1], v) for _, v in at[1:]]
        return out
    det = pairs([(p, (st.row_at(r["rows"], t) or {}).get("p99"))
                 for p, r in crash])
    byt = pairs([(p, st.live_bytes(r)) for p, r in healthy])
    d, b = verdicts.barely_moves(det), verdicts.barely_moves(byt)
    if d is None and b is None:
        return ""
    said = []
    for what, verb, moves, ps in (
            (f"the φ={t} crash p99", "moves", d, det),
            ("the steady-state bytes per node", "move", b, byt)):
        if moves is None:
            continue
        change = max((c for c in (verdicts.relative_change(x, y)
                                  for x, y in ps) if c is not None),
                     default=0)
        said.append(f"{what} {'barely ' if moves else ''}{verb} "
                    f"(by up to {change:.0%})")
    text = " From the smallest N to the largest, " + ", and ".join(said) + "."
    if d and b:
        text += (" That is protocol 2's design: a member's cost is its "
                 "heartbeats to its K monitors and a summary every few "
                 "seconds whatever N, and every observer computes φ from "
                 "the statistics the monitors gossip, not from heartbeats "
                 "relayed to it.")
    return text


def goals_text(scale):
    """How many of issue 11's simulator goals were met, from section 3's
    goals table (report_sim_scale)."""
    lines = []
    report_sim_scale.goals_table(scale, lines)
    words = [cells[-1] for cells in
             ([c.strip() for c in line.strip("|").split("|")]
              for line in lines if line.startswith("| ") and
              not line.startswith("| N |"))]
    kinds = [("met", sum(w.startswith("met") for w in words)),
             ("missed", sum(w.startswith("missed") for w in words)),
             ("not shown at 95 %", sum(w.startswith("not shown")
                                       for w in words)),
             ("not measured (a run did not finish)",
              sum(w == "not measured" for w in words)),
             ("not run", sum(w == "not run" for w in words))]
    counted = ", ".join(f"{k} {what}" for what, k in kinds if k)
    return (f" Issue 11's simulator goals (section 3): {counted} of "
            f"{len(words)}.") if words else ""
