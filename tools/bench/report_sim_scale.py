"""BENCHMARKS.md section 3's simulator tables: issue 11's table at every N
(simbench.py scale) and its goals, met or missed from the numbers.

Each function appends Markdown lines to `out`; the numbers come from
bench_stats (scale_runs, false_rate, sim_goal_numbers) and the words of
every verdict from verdicts.
"""

import bench_stats as st
import verdicts
from report_tables import ms


def exit_text(info):
    rc = info["rc"]
    if rc == "timeout":
        return f"killed after {info['limit_s']} s"
    if rc in (134, -6):
        return (f"aborted (allocation failed at the "
                f"{info.get('max_gib', '?')} GiB address-space limit)")
    return f"exit {rc}"


def loss_text(loss):
    return f"{loss * 100:g} %"


def thresholds_of(runs):
    """Every threshold in the finished runs' rows, ascending."""
    return sorted({r["threshold"] for _, run, _ in runs if run
                   for r in run["rows"]})


def resources(info, run):
    """wall s and peak RSS MB of a run: /usr/bin/time's, else the
    simulator's own."""
    rss = info.get("max_rss_mb") or (run or {}).get("peak_rss_mb")
    return (f"{info['wall_s_measured']:,.0f}",
            "–" if not rss else f"{rss:,.0f}")


def scale_tables(scale, out):
    """The crash and healthy-cluster tables, then the goals."""
    out.append(f"Run {runs_text(scale)}. "
               "Every run: gossip protocol 2 with the lan preset's defaults "
               "(K = 3 monitors, quorum 2, report level φ = 2, 100 ms "
               "heartbeats, 2 s summaries), 1 ms ± 1 ms links, seed 1, "
               "keyring off, one seed per 500 nodes, two threads "
               "(deterministic: any thread count gives the same result). "
               "Bytes include 28 bytes of IP/UDP header a datagram. Wall "
               "time and peak RSS are the whole run's (join and warm-up "
               "included), from `/usr/bin/time -v`; the machine was shared "
               "(see Machine), so wall times are upper bounds, while the "
               "simulated results do not depend on the load." +
               prejoined_text(scale) + "\n")
    crash_table(scale, out)
    healthy_table(scale, out)
    goals_table(scale, out)


def runs_text(scale):
    """When and at which commit the runs ran: "2026-12-01 16:39:13 (UTC),
    commit 10139e9", or one such phrase per commit with the sizes it ran."""
    groups = {}
    for info in scale.get("runs", []):
        key = (info.get("commit", scale["commit"]),
               info.get("date", scale["date"])[:10])
        groups.setdefault(key, set()).add(
            (info.get("plan") or {}).get("nodes"))
    if len(groups) <= 1:
        return f"{scale['date']} (UTC), commit {scale['commit']}"
    parts = []
    # Runs from before the plan record name no size: their group says so.
    for (commit, day), sizes in sorted(
            groups.items(), key=lambda kv: min(kv[1] - {None}, default=0)):
        named = sorted(sizes - {None})
        ns = ("N = " + ", ".join(f"{n:,}" for n in named) if named
              else "runs of unrecorded size")
        parts.append(f"{ns} on {day} at commit {commit}")
    return "; ".join(parts) + " (UTC dates)"


def size_cell(plan):
    """The N column: the size, marked when the run started prejoined."""
    return f"{plan['nodes']:,}" + (" ‡" if plan.get("prejoined") else "")


def prejoined_text(scale):
    sizes = sorted({p["nodes"] for kind in ("crash", "loss")
                    for p, _, _ in st.scale_runs(scale, kind)
                    if p.get("prejoined")})
    if not sizes:
        return ""
    return (" ‡: started prejoined (`--prejoined`, see the caveats): the "
            "join itself is not simulated at N = " +
            ", ".join(f"{n:,}" for n in sizes) + ".")


def crash_table(scale, out):
    runs = st.scale_runs(scale, "crash")
    if not runs:
        return
    ts = thresholds_of(runs)
    out.append("#### Crash of one member\n")
    out.append(f"`simulator --protocol=2 --nodes=N --loss=L "
               f"--warmup={warmup_of(runs)} --duration=40s "
               f"--thresholds={','.join(f'{t:g}' for t in ts)}`. "
               "Detection: ms from the crash until φ reached the threshold, "
               "p50 / p99 over every surviving observer; *undetected*: "
               "observers that never crossed it within the run. *Reports "
               "everywhere*: from the crash until every observer held a "
               "quorum of reports on the victim (sampled once per 1 ms "
               "window). Bytes and packets per live member per second over "
               "the 40 s after the crash, so they include the crash's "
               "rumour; the steady state is the next table.\n")
    out.append("| N | loss | " +
               " | ".join(f"φ={t:g} p50 / p99" for t in ts) +
               " | undetected | reports everywhere | B / node / s | "
               "packets / node / s | wall s | peak RSS MB |")
    out.append("|---|---|" + "---|" * len(ts) + "---|---|---|---|---|---|")
    for plan, run, info in runs:
        head = f"| {size_cell(plan)} | {loss_text(plan['loss'])} |"
        wall, rss = resources(info, run)
        if not run:
            out.append(head + f" did not finish: {exit_text(info)} |" +
                       " – |" * (len(ts) + 3) + f" {wall} | {rss} |")
            continue
        rows = [st.row_at(run["rows"], t) for t in ts]
        det = " | ".join("–" if not r else f"{ms(r['p50'])} / {ms(r['p99'])}"
                         for r in rows)
        und = " / ".join("–" if not r else str(r["undetected"]) for r in rows)
        rumour = run.get("rumour_ms")
        out.append(
            f"{head} {det} | {und} | "
            f"{'not within the run' if rumour is None else ms(rumour) + ' ms'}"
            f" | {st.live_bytes(run):,.0f} | "
            f"{run['packets_per_node_s'] * st.live_share(run):.1f} | "
            f"{wall} | {rss} |")
    out.append("")


def warmup_of(runs):
    """The warm-up flag of the runs' commands, e.g. "30s"."""
    for _, _, info in runs:
        for word in info["command"].split():
            if word.startswith("--warmup="):
                return word.split("=", 1)[1]
    return "?"


def healthy_table(scale, out):
    runs = st.scale_runs(scale, "loss")
    if not runs:
        return
    ts = thresholds_of(runs)
    goal_t = st.GOAL_THRESHOLD
    out.append("#### Healthy cluster: false suspicions and steady state\n")
    out.append(f"`simulator --protocol=2 --scenario=loss --nodes=N --loss=L "
               f"--warmup={warmup_of(runs)} --duration=S "
               f"--thresholds={','.join(f'{t:g}' for t in ts)}`: nobody "
               "fails; a false suspicion is a healthy member whose φ at an "
               "observer crossed the threshold before its next evidence "
               "arrived, or (simulators from 06774ed on) still stood above "
               "it at the end of the run. Node-hours are N × S. The 95 % bound is the "
               "rate that would leave this few events (or fewer) 5 % of the "
               "time: 3.0 / node-hours for none.\n")
    out.append("| N | loss | S | false suspicions " +
               " / ".join(f"φ={t:g}" for t in ts) +
               f" | node-hours | φ={goal_t} per node-hour | φ={goal_t} 95 % "
               "bound per node-hour | B / node / s | packets / node / s | "
               "wall s | peak RSS MB |")
    out.append("|---|---|---|---|---|---|---|---|---|---|---|")
    for plan, run, info in runs:
        head = (f"| {size_cell(plan)} | {loss_text(plan['loss'])} | "
                f"{plan['duration_s']:,.0f} |")
        wall, rss = resources(info, run)
        if not run:
            out.append(head + f" did not finish: {exit_text(info)} |" +
                       " – |" * 5 + f" {wall} | {rss} |")
            continue
        rows = [st.row_at(run["rows"], t) for t in ts]
        counts = " / ".join("–" if not r else str(r["false"]) for r in rows)
        r8 = st.row_at(run["rows"], goal_t)
        f = st.false_rate(plan, r8) if r8 else None
        rate = "–" if not f else f"{f['rate']:.3g}"
        bound = "–" if not f else f"< {f['bound95']:.2g}"
        out.append(
            f"{head} {counts} | {plan['nodes'] * plan['duration_s'] / 3600:,.2f}"
            f" | {rate} | {bound} | "
            f"{st.live_bytes(run):,.0f} | {run['packets_per_node_s']:.1f} | "
            f"{wall} | {rss} |")
    out.append("")


GOAL_TEXT = (
    "crash → φ=8 at every observer, p99 ≤ {:,.0f} ms",
    "false suspicions at φ=8, 5 % loss, ≤ {:g} per node-hour",
    "bytes out per node per second, steady state, ≤ {:,.0f}",
)


def losses_text(losses):
    return ", ".join(loss_text(x) for x in sorted(losses)) + " loss"


def absent(numbers, scenario):
    """The cells of a goal whose runs are missing."""
    if scenario in numbers["unfinished"]:
        return "did not finish (see above)", "not measured"
    return "not run", "not run"


def p99_cells(numbers, bound):
    p = numbers["p99"]
    if p is None:
        return absent(numbers, "crash")
    where = "worst of " + losses_text(p["losses"])
    if p["undetected"]:
        return (f"{p['undetected']} observers never crossed ({where})",
                "missed")
    if p["value"] is None:
        return f"no detection ({where})", "missed"
    return (f"{p['value']:,.0f} ms ({where})",
            verdicts.goal_phrase(p["value"], bound))


def false_cells(numbers, bound):
    f = numbers["false"]
    if f is None:
        return absent(numbers, "loss")
    measured = (f"{f['count']} in {f['node_hours']:,.1f} node-hours "
                f"({f['rate']:.3g} per node-hour; 95 % bound "
                f"{f['bound95']:.2g})")
    g = verdicts.rate_goal(f["rate"], f["bound95"], bound)
    if g == "met":
        return measured, "met" + ("" if bound == 0 else
                                  f" (95 % bound {f['bound95'] / bound:.2f} "
                                  f"of the goal)")
    if g == "missed":
        return measured, ("missed" if bound == 0 else
                          f"missed by {f['rate'] / bound:.2f}× the bound")
    needed = st.poisson_upper(f["count"]) / bound
    return measured, (f"not shown at 95 %: the rate measured is within the "
                      f"goal, but showing it takes {needed:,.0f} node-hours "
                      f"with {f['count']} events")


def bytes_cells(numbers, bound):
    b = numbers["bytes"]
    if b is None:
        return absent(numbers, "loss")
    return (f"{b['value']:,.0f} B/s (most of {losses_text(b['losses'])})",
            verdicts.goal_phrase(b["value"], bound))


def goals_table(scale, out):
    """Issue 11's simulator goals at every N it names."""
    out.append("#### Goals (issue 11), simulator\n")
    out.append(f"Each verdict is computed from the number beside it: "
               f"detection from the crash runs (the worst p99 over the "
               f"losses run), false suspicions from the longest healthy run "
               f"at {loss_text(st.GOAL_LOSS)} loss (met only when the 95 % "
               f"bound is within the goal), bytes from the healthy runs "
               f"(the most of them). A size that was not run says so.\n")
    out.append("| N | goal | measured | verdict |")
    out.append("|---|---|---|---|")
    for n, bounds in sorted(st.SIM_GOALS.items()):
        numbers = st.sim_goal_numbers(scale, n)
        for text, cells, bound in zip(GOAL_TEXT,
                                      (p99_cells, false_cells, bytes_cells),
                                      bounds):
            measured, verdict = cells(numbers, bound)
            out.append(f"| {n:,} | {text.format(bound)} | {measured} | "
                       f"{verdict} |")
    out.append("")
