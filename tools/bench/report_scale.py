"""BENCHMARKS.md sections 1b to 3: many daemons on one host, quality of
service, scale (its simulator tables in report_sim_scale). Markdown, as
report_tables does for section 1.

Each section function appends lines to `out` and takes its numbers from
bench_stats.
"""

import os

import bench_stats as st
import report_sim_scale
from report_tables import ms, ratio_text


def qos_section(qos, png_link, out):
    """png_link: the plot's path relative to the Markdown file, or None."""
    out.append("## 2. QoS curves (simulator)\n")
    out.append("`tools/bench/simbench.py qos` runs "
               "`bazel-bin/tools/simulator/simulator` (in-memory network, "
               "simulated clock, 1 ms delay + up to 1 ms jitter, lan options, "
               "the gossip protocol its commands name: `--protocol=2` since "
               "protocol 2 became the default) and parses its tables.\n")
    if png_link:
        out.append(f"![detection time vs mistake rate]({png_link})\n")
        out.append(
            "Each line is one simulated condition, its points the "
            "thresholds φ = 1, 2, 4, 8, 12, 16 from the bottom up. Big "
            "markers are measured on this machine (section 1, kill -9): "
            "detection p50 against false failures per node-hour over the "
            "whole run; hollow markers saw no false failure and sit at one "
            "event per run (an upper bound on the rate, not a measurement). "
            "The simulated N = 50 panel carries the measured N = 25 points, "
            "the largest run.\n")
    if not qos:
        out.append("*Not run (tools/bench/run_all.sh qos).*\n")
        return
    out.append(
        "Chen–Toueg metrics per threshold: T_D detection time (from the fault "
        "to phi crossing the threshold, every surviving observer × victim), "
        "λ_M mistake rate (false suspicions per observer-hour: a healthy "
        "member's phi crossed the threshold before its next heartbeat "
        "arrived), T_M mean mistake duration, and 1 − P_A = λ_M(per pair) × "
        "T_M, the probability that a query of one pair at a random time "
        "gets a wrong SUSPECT. Crash rows: the members counted by ×k crash "
        "after a 20 s warm-up; false suspicions are counted among the others for "
        "the rest of the run. Pause rows: one member stopped for 3 s.\n")
    main_points = [p for p in qos["points"] if st.interval_of(p) == "100ms"]
    for n in sorted({p["nodes"] for p in main_points}):
        pts = [p for p in main_points if p["nodes"] == n]
        out.append(f"#### N = {n}\n")
        out.append("| scenario | loss | φ | T_D p50 | T_D p99 | T_D max | "
                   "samples | false | λ_M / node-h | T_M ms | 1 − P_A |")
        out.append("|---|---|---|---|---|---|---|---|---|---|---|")
        for p in pts:
            samples = (p["nodes"] - p["victims"]) * p["victims"]
            for r in p["rows"]:
                acc = st.accuracy(r, n)
                out.append(
                    f"| {p['scenario']} ×{p['victims']} | {p['loss'] * 100:g}% | "
                    f"{r['threshold']:g} | {ms(r['p50'])} | {ms(r['p99'])} | "
                    f"{ms(r['max'])} | {samples - r['undetected']} | {r['false']} | "
                    f"{r['false_per_node_hour']:.2f} | {r['mean_false_ms']:.0f} | "
                    f"{'0' if acc == 0 else f'{acc:.1e}'} |")
        bw = ", ".join(f"{p['scenario']} loss {p['loss'] * 100:g}%: "
                       f"{st.live_bytes(p):,.0f} B/node/s" for p in pts)
        out.append(f"\nSimulated gossip bandwidth (per live member, IP/UDP "
                   f"headers included): {bw}.\n")
    trade = [p for p in qos["points"] if p["scenario"] == "crash" and
             p["loss"] == 0 and p["nodes"] in (10, 50)]
    if all(st.interval_of(p) == "100ms" for p in trade):
        return
    out.append("#### The interval trade-off\n")
    out.append("The same crash (loss 0) at slower heartbeats "
               "(`--gossip_interval`: protocol 2's heartbeat interval, and "
               "protocol 1's gossip round; the detector defaults follow it; "
               "the lean preset's heartbeat, 600 ms, lies between the last "
               "two). This is the knob that trades "
               "phid's detection time for bandwidth; compare Serf's "
               "measured cost in section 1.\n")
    out.append("| N | heartbeat interval | φ=8 T_D p50 | p99 | max | false / node-h "
               "| B / live node / s | packets / live node / s |")
    out.append("|---|---|---|---|---|---|---|---|")
    for p in sorted(trade, key=lambda p: (p["nodes"], st.interval_s(st.interval_of(p)))):
        r = st.row_at(p["rows"], 8)
        if not r:
            continue
        out.append(f"| {p['nodes']} | {st.interval_of(p)} | "
                   f"{ms(r['p50'])} | {ms(r['p99'])} | {ms(r['max'])} | "
                   f"{r['false_per_node_hour']:.2f} | {st.live_bytes(p):,.0f} | "
                   f"{p['packets_per_node_s'] * st.live_share(p):.1f} |")
    out.append("")


# ------------------------------------------------------------------- scale


def scale_section(scale, results_dir, out):
    out.append("## 3. Scale\n")
    out.append("`tools/bench/simbench.py scale` runs issue 11's simulator "
               "table: for every N (`--sizes`, default 10, 100, 1,000) and "
               "loss (`--losses`, default 0 and 5 %), a crash of one member "
               "and a healthy cluster, each under `/usr/bin/time -v` with a "
               "time limit and an address-space limit.\n")
    if not scale or not st.scale_runs(scale, "crash") + \
            st.scale_runs(scale, "loss"):
        out.append("*Simulator scale runs not run (tools/bench/run_all.sh "
                   "scale).*\n")
    else:
        report_sim_scale.scale_tables(scale, out)
    for w in (1000, 10000):
        watch_bench(os.path.join(results_dir, f"watch_bench_{w}.txt"), w, out)


def watch_bench(path, watchers, out):
    try:
        with open(path) as f:
            text = f.read().strip()
    except OSError:
        text = ""
    out.append(f"`bazel run -c opt //server:watch_bench -- --watchers={watchers}`:\n")
    if text:
        out.append("```\n" + text + "\n```\n")
        return
    err = ""
    try:
        with open(path.replace(".txt", ".err")) as f:
            err = "\n".join(f.read().strip().splitlines()[-3:])
    except OSError:
        pass
    out.append("*No output* " + (f"(stderr tail:)\n```\n{err}\n```\n" if err
                                 else "(not run)\n"))


# --------------------------------------------------------- hundred daemons


def hundred_section(hd, out):
    """Section 1b: many real daemons on one host (hundred_daemons.py)."""
    out.append("## 1b. Many real daemons on one host\n")
    out.append(
        "`bazel run -c opt //tools/bench:hundred_daemons` starts N real "
        "`phid` daemons (flags below), member i on 127.0.3.i (gossip :19500, "
        "gRPC :19501, /metrics :19502), all joining through member 1, and "
        "one `watch_tap` holding a Watch on every daemon. It waits until "
        "every daemon lists every other member ALIVE, measures a quiet "
        "window (bytes and packets by iptables on loopback, IP and UDP "
        "headers included, both directions; CPU; VmRSS of every daemon), "
        "then kill -9s members one after another (not restarted) and "
        "records, at every surviving observer, the arrival of SUSPECT on "
        "its Watch, from the instant just before the signal. The smaller "
        "size is the baseline: both ran in the same command, one after the "
        "other, on the same shared machine.\n")
    if not hd:
        out.append("*Not run (bazel run -c opt //tools/bench:hundred_daemons "
                   "-- --out=tools/bench/results/hundred_daemons.json).*\n")
        return
    out.append(f"Run {hd['started']} (UTC), commit {hd['commit']}, "
               f"`{' '.join(hd['phid_version'].split())}`, {hd['nproc']} CPUs; "
               f"command: `{hd['command']}`; wall time "
               f"{hd.get('wall_s', 0) / 60:.1f} min.\n")
    base = hd["blocks"][0] if hd["blocks"] else None
    out.append("| N | flags | converged after | bytes / node / s | packets / "
               "node / s | phid payload metric | CPU ms / node / s | RSS MB "
               "per daemon p50 / max | kill -9 → SUSPECT at φ=8, ms p50 / "
               "p99 / max (detected) | false suspicions (node-hours) |")
    out.append("|---|---|---|---|---|---|---|---|---|---|")
    for b in hd["blocks"]:
        q = b["quiet"]
        s = st.hundred_stats(b)
        conv = (f"{b['converged_s']:.1f} s" if b["converged_s"] is not None
                else f"never ({len(b['unconverged'])} observers incomplete)")
        metric = q.get("phid_metric_payload_bytes_per_node_s")
        rss = b["rss_mb"]
        out.append(
            f"| {b['n']} | `{b['flags']}` | {conv} | "
            f"{q['bytes_per_node_s']:,.0f} | {q['udp_packets_per_node_s']:.1f} | "
            f"{'–' if metric is None else f'{metric:,.0f}'} | "
            f"{1000 * q['cpu_s_per_node_s']:.1f} | "
            f"{ms1(st.pct(rss, 0.5))} / {ms1(max(rss) if rss else None)} | "
            f"{ms(s['p50'])} / {ms(s['p99'])} / {ms(s['max'])} "
            f"({len(s['det'])}/{s['expected']}) | "
            f"{b['false_suspicions']} ({b['node_hours']:.2f}) |")
    out.append("")
    if base and len(hd["blocks"]) > 1:
        bs = st.hundred_stats(base)
        out.append(f"Against the N = {base['n']} baseline of the same command:\n")
        out.append(f"| N | bytes / node × | CPU / node × | RSS p50 × | "
                   f"detection p50 × | p99 × |")
        out.append("|---|---|---|---|---|---|")
        for b in hd["blocks"][1:]:
            s = st.hundred_stats(b)
            out.append(
                f"| {b['n']} | "
                f"{ratio_text(b['quiet']['bytes_per_node_s'], base['quiet']['bytes_per_node_s'])} | "
                f"{ratio_text(b['quiet']['cpu_s_per_node_s'], base['quiet']['cpu_s_per_node_s'])} | "
                f"{ratio_text(st.pct(b['rss_mb'], 0.5), st.pct(base['rss_mb'], 0.5))} | "
                f"{ratio_text(s['p50'], bs['p50'])} | {ratio_text(s['p99'], bs['p99'])} |")
        out.append("")
    out.append("Per kill:\n")
    out.append("| N | victim | load (1 min) | detected | min | p50 | p99 | max |")
    out.append("|---|---|---|---|---|---|---|---|")
    for b in hd["blocks"]:
        for k in b["kills"]:
            d = k["detection_ms"]
            out.append(f"| {b['n']} | {k['victim']} | {k['load'][0]:.1f} | "
                       f"{len(d)}/{k['observers']} | {ms(min(d) if d else None)} | "
                       f"{ms(st.pct(d, 0.5))} | {ms(st.pct(d, 0.99))} | "
                       f"{ms(max(d) if d else None)} |")
    out.append("")
    for b in hd["blocks"]:
        if b.get("startup_suspicions"):
            out.append(f"While the N = {b['n']} daemons joined (before the "
                       f"quiet window): {b['startup_suspicions']} SUSPECT "
                       f"transitions at φ={b['threshold']:g} over all "
                       f"observers, {b.get('startup_suspicions_open', 0)} "
                       f"still standing when the quiet window began.\n")
        if b["unconverged"]:
            who = "; ".join(f"{u['observer']} missed {u['missing_count']} "
                            f"({', '.join(u['missing'][:5])})"
                            for u in b["unconverged"][:10])
            out.append(f"At N = {b['n']}, {len(b['unconverged'])} daemons "
                       f"never saw every member ALIVE: {who}.\n")
        if b["false_events"]:
            ev = "; ".join(f"{e['observer']}→{e['member']} at {e['t_s']:.1f} s"
                           for e in b["false_events"][:10])
            out.append(f"False suspicions at N = {b['n']} (observer → "
                       f"member, time since the quiet window began): {ev}.\n")
        if b["exited_before_quiet"]:
            out.append(f"At N = {b['n']}, daemons exited on their own: "
                       f"{', '.join(b['exited_before_quiet'])}.\n")


def ms1(x):
    return "–" if x is None else f"{x:,.1f}"
