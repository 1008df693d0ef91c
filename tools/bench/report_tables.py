"""BENCHMARKS.md sections 1 to 3: the measured tables, in Markdown.

Each section function appends lines to `out` and takes its numbers from
bench_stats; sentences that compare numbers take their words from verdicts.
"""

import os

import bench_stats as st
import verdicts

VARIANTS = ["phid-8", "phid-12", "phid-lean-8", "serf-lan", "serf-local"]
LABEL = {"phid-8": "phid φ=8", "phid-12": "phid φ=12",
         "phid-lean-8": "phid lean φ=8",
         "serf-lan": "Serf lan", "serf-local": "Serf local",
         "phid": "phid (lan preset)", "phid-lean": "phid (lean preset)"}
FAULT_LABEL = {"kill": "kill -9", "stop3": "SIGSTOP 3 s", "stop6": "SIGSTOP 6 s"}

# How each results_schema.BYTES_METHODS counted, for the cost table.
BYTES_METHOD_TEXT = {
    "iptables": (
        "Bytes: iptables counters in a chain of our own, jumped to from "
        "OUTPUT for packets to 127.0.3.0/24, one rule per tool's gossip port "
        "(UDP, and TCP both directions for Serf's push-pull), IP and UDP/TCP "
        "headers included (28 bytes per UDP datagram). That jump missed "
        "Serf's TCP push-pull replies, which go to the dialer's 127.0.0.1 "
        "source address, so this run undercounts Serf's TCP bytes; packets "
        "are UDP only."),
    "iptables-both": (
        "Bytes: iptables counters in a chain of our own on OUTPUT for "
        "loopback, one rule per tool and protocol matching its gossip port "
        "as source or destination, so every datagram and segment between "
        "members is counted once, both directions of Serf's TCP push-pull "
        "included, IP and UDP/TCP headers included (28 bytes per UDP "
        "datagram); packets are UDP + TCP."),
    "none": "Bytes: not measured (iptables was unavailable).",
}


def ms(x):
    return "–" if x is None else f"{x:,.0f}"


def ratio_text(a, b):
    r = st.ratio(a, b)
    return "n/a" if r is None else f"{r:.2f}"


# ----------------------------------------------------------------- vs Serf


# How each preset's phid runs, by protocol (bench_stats.phid_protocol).
PRESET_TEXT = {
    (1, "lan"): "gossip every 100 ms to 3 peers, every heartbeat relayed to "
                "every member (protocol 1)",
    (2, "lan"): "protocol 2: 20-byte heartbeats every 100 ms straight to K=3 "
                "ring-neighbour monitors, quorum (2 of 3) reports gossiped "
                "only on change, a summary every 2 s",
    (2, "lean"): "protocol 2 at 500 ms rounds, a summary every 4 s",
}
FAULT_WORDS = {"kill": "kill -9 of a member (restarted afterwards with the "
                       "same name)",
               "stop3": "SIGSTOP for 3 s", "stop6": "SIGSTOP for 6 s"}


def phid_tools_text(vs):
    """"phid (`--preset=lan`: ...)" for every phid tool of the run."""
    protocol = st.phid_protocol(vs)
    flags = (vs or {}).get("phid_flags") or {"phid": "--preset=lan"}
    parts = []
    for tool in ("phid", "phid-lean"):
        if tool not in vs.get("tools", ["phid"]) or tool not in flags:
            continue
        preset = flags[tool].split("--preset=", 1)[-1].split()[0]
        how = PRESET_TEXT.get((protocol, preset), "")
        parts.append(f"{tool} (`{flags[tool]}`" + (f": {how}" if how else "") + ")")
    return parts


def vs_serf_section(vs, out):
    out.append("## 1. Detection: phid vs Serf, real processes\n")
    if not vs:
        out.append("`tools/bench/vs_serf.py` starts phid and Serf clusters "
                   "side by side on loopback and kills members.\n")
        out.append("*Not run (tools/bench/run_all.sh vs_serf).*\n")
        return
    tools = phid_tools_text(vs) + [f"`serf agent -profile={t[5:]}`"
                                   for t in vs["tools"] if t.startswith("serf-")]
    quiet = [q["seconds"] for b in vs["blocks"] for q in b["quiet"].values()]
    faults = [FAULT_WORDS[f] for f in vs["faults"]]
    thresholds = ("thresholds 8 and 12, one stream each" if
                  "phid-lean" not in vs["tools"] else
                  "thresholds 8 and 12 for the lan preset, 8 for lean; one "
                  "stream each")
    out.append(
        f"`tools/bench/vs_serf.py` (driven by `run_all.sh`) starts, for each "
        f"N, {len(tools)} clusters side by side: " + ", ".join(tools) +
        f", each member on its own 127.0.3.N. After a 10 s warm-up and a "
        f"{max(quiet, default=30):.0f} s quiet window it injects, one tool "
        f"at a time and rotating which tool goes first, " +
        ", ".join(faults) + ", each time on a different member (2..N). "
        "phid's detection time at an observer is the arrival of the SUSPECT "
        f"transition on a Watch ({thresholds}) "
        "opened by `tools/bench/watch_tap` (//client:client), stamped with "
        "CLOCK_MONOTONIC on arrival; Serf's is the arrival of the "
        "`serf: EventMemberFailed: <victim>` line on the agent's stdout "
        "pipe, stamped by the harness on the same clock. Both are "
        "measured from the instant just before the signal.\n")
    blocks = vs["blocks"]
    reps = ", ".join(f"R={r} at N={n}" for n, r in
                     sorted((int(k), v) for k, v in vs["reps"].items()))
    command = (f" Command: `{vs['command']}`." if vs.get("command") else "")
    version = (f" phid: `{' '.join(vs['phid_version'].split())}`."
               if vs.get("phid_version") else "")
    out.append(
        f"Serf: Debian package `serf` {vs.get('serf_package') or '?'} "
        f"(`serf version` prints `{vs.get('serf_version', '?').splitlines()[0]}`)."
        f"{version} Repetitions: {reps} per tool and fault. Total wall time "
        f"{vs.get('wall_s', 0) / 60:.0f} min.{command}\n")
    goals_table(vs, out)
    detection_table(vs, out)
    detail_table(vs, out)
    recent_pause_table(blocks, vs["faults"], out)
    false_table(vs, out)
    cost_table(vs, out)


def goals_table(vs, out):
    """Issue 11's real-process goals, met or missed, from the numbers."""
    rows = []
    for what, who, quantity, bound, strict in st.GOALS:
        if who not in st.present_variants(vs, VARIANTS) and \
                who not in vs["tools"]:
            continue
        for b in vs["blocks"]:
            r = st.goal_ratio(vs, b["n"], who, quantity)
            if r is None:
                continue
            rows.append(f"| {b['n']} | {what} | {r:.2f} | "
                        f"{verdicts.goal_phrase(r, bound, strict)} |")
    if not rows:
        return
    out.append("### Goals (issue 11), against Serf lan in the same run\n")
    out.append("Each ratio is phid's number over Serf lan's, both measured in "
               "this run (kill -9 detection p50 at φ=8; bytes and CPU per node "
               "per second over the quiet window). The verdict is computed "
               "from the ratio and the bound.\n")
    out.append("| N | goal | ratio | verdict |")
    out.append("|---|---|---|---|")
    out.extend(rows)
    out.append("")


def detection_table(vs, out):
    variants = st.present_variants(vs, VARIANTS)
    phids = [v for v in variants if v.startswith("phid")]
    serfs = [v for v in variants if v.startswith("serf")]
    out.append("### Detection time (ms, p50 / p99) and the ratio phid / Serf\n")
    out.append("Ratios are of the p50 (and p99) detection times: below 1 means "
               "phid detects sooner. `n/a`: Serf declared no failure in that "
               "cell. (k/n) and †: the tool reported the failure at only k "
               "of the n (observer, fault) pairs, so its times describe the "
               "few that did (see *detected* below).\n")
    pairs = [(a, c) for a in phids for c in serfs]
    short = {"phid-8": "φ8", "phid-12": "φ12", "phid-lean-8": "lean φ8",
             "serf-lan": "lan", "serf-local": "local"}
    out.append("| N | fault | " + " | ".join(LABEL[v] for v in variants) + " | " +
               " | ".join(f"{short[a]} / {short[c]}" for a, c in pairs) + " |")
    out.append("|---|---|" + "---|" * (len(variants) + len(pairs)))
    for b in vs["blocks"]:
        for fault in vs["faults"]:
            s = {v: st.detection_stats(b, v, fault) for v in variants}
            cells = [f"{ms(s[v]['p50'])} / {ms(s[v]['p99'])}" +
                     (f" ({len(s[v]['det'])}/{s[v]['expected']})"
                      if st.is_partial(s[v]) else "") for v in variants]

            def r(a, c):
                mark = " †" if st.is_partial(s[c]) else ""
                return (f"{ratio_text(s[a]['p50'], s[c]['p50'])} / "
                        f"{ratio_text(s[a]['p99'], s[c]['p99'])}{mark}")
            out.append(f"| {b['n']} | {FAULT_LABEL[fault]} | " + " | ".join(cells) +
                       " | " + " | ".join(r(a, c) for a, c in pairs) + " |")
    out.append("")


def detail_table(vs, out):
    out.append("### Detection detail\n")
    out.append("Samples are (observer, repetition) pairs: every surviving member "
               "observes. *detected* counts the pairs that reported the failure "
               "inside the window (kill: until every observer had, at most 60 s; "
               "SIGSTOP: the pause + 3 s + until every view is ALIVE again). "
               "*flaps*: failure reports beyond the first per observer and fault. "
               "*by victim*: failures of others reported by the stopped/restarted "
               "member itself during its window. *after resume*: SIGSTOP "
               "detections that arrived when the member was already running "
               "again. p99 is nearest-rank, so with fewer than 100 samples it "
               "is close to the max.\n")
    out.append("| N | fault | tool | detected | min | p50 | p99 | max | flaps | "
               "by victim | after resume |")
    out.append("|---|---|---|---|---|---|---|---|---|---|---|")
    for b in vs["blocks"]:
        for fault in vs["faults"]:
            for v in st.present_variants(vs, VARIANTS):
                s = st.detection_stats(b, v, fault)
                out.append(f"| {b['n']} | {FAULT_LABEL[fault]} | {LABEL[v]} | "
                           f"{len(s['det'])}/{s['expected']} | {ms(s['min'])} | "
                           f"{ms(s['p50'])} | {ms(s['p99'])} | {ms(s['max'])} | "
                           f"{s['flaps']} | {s['false_by_victim']} | "
                           f"{'–' if s['late'] is None else s['late']} |")
    out.append("")


def recent_pause_table(blocks, faults, out):
    """phid's detections of victims stopped less than RECENT_STOP_S before."""
    rows, whens, recent_by_n = [], [], {}
    for b in blocks:
        for v in ("phid-8", "phid-12"):
            for fault in faults:
                fresh, recent = st.split_by_recent_stop(b, v, fault)
                recent_by_n[b["n"]] = recent_by_n.get(b["n"], 0) + len(recent)
                whens.append(verdicts.sooner_or_later(st.pct(recent, .5),
                                                      st.pct(fresh, .5)))
                if recent:
                    rows.append(f"| {b['n']} | {LABEL[v]} | {FAULT_LABEL[fault]} | "
                                f"{ms(st.pct(fresh, .5))} ({len(fresh)}) | "
                                f"{ms(st.pct(recent, .5))} ({len(recent)}) |")
    if not rows:
        return
    when = verdicts.overall(whens)
    detected = {"later": "detected later", "sooner": "detected sooner",
                "as soon": "detected as soon",
                "mixed": "detected sooner or later (see the table)",
                None: "detected"}[when]
    why = (", because the 3 s or 6 s gap was recorded as an interval and "
           "widened the distribution (see section 4)" if when == "later" else "")
    most_n = max(recent_by_n, key=recent_by_n.get)
    window = st.RECENT_STOP_S
    out.append(f"**phid after a recent pause.** A fault (any kind) of a "
               f"member whose previous SIGSTOP was less than {window} s earlier "
               f"(the history window: 1000 intervals of ~100 ms) is "
               f"{detected}{why}. "
               f"With N−1 possible victims this happens mostly at N = {most_n}. "
               f"p50 of the detections (samples):\n")
    out.append(f"| N | tool | fault | no stop in the last {window} s | "
               f"stopped < {window} s before |")
    out.append("|---|---|---|---|---|")
    out.extend(rows)
    out.append("")


def false_table(vs, out):
    blocks = vs["blocks"]
    out.append("### False failures\n")
    out.append("A failure reported for a member that was not the victim of the "
               "fault in progress, at any observer, from the start of the quiet "
               "window to the end of the last fault (the clusters ran side by "
               "side, so every tool was exposed to the same machine load). "
               "Zero observed over *h* node-hours means the rate is below about "
               "3/*h* (95 %).\n")
    out.append("| N | tool | false failures | node-hours | per node-hour |")
    out.append("|---|---|---|---|---|")
    for b in blocks:
        for v in st.present_variants(vs, VARIANTS):
            f = b.get("false", {}).get(v)
            if not f:
                continue
            out.append(f"| {b['n']} | {LABEL[v]} | {f['false_failures']} | "
                       f"{f['node_hours']:.2f} | {f['per_node_hour']:.2f} |")
    out.append("")


def cost_ratio_text(tool, mine, other):
    """"CPU a, bytes b": phid's (mine) cost over a Serf row's; "–" for a
    phid row."""
    if tool.startswith("phid"):
        return "–"
    return (f"CPU {ratio_text(mine.get('cpu_s_per_node_s'), other['cpu_s_per_node_s'])}, "
            f"bytes {ratio_text(mine.get('bytes_per_node_s'), other['bytes_per_node_s'])}")


def cost_table(vs, out):
    blocks = vs["blocks"]
    lean = "phid-lean" in vs["tools"]
    quiet = [t for b in blocks for t in b["quiet"].values()]
    methods = sorted({t["bytes_method"] for t in quiet})
    serf = [t for b in blocks for k, t in b["quiet"].items()
            if k.startswith("serf")]
    tcp_share = max((t["tcp_bytes_per_node_s"] / t["bytes_per_node_s"]
                     for t in serf if t["bytes_per_node_s"]), default=None)
    share = ("it is a small share either way" if tcp_share is None or
             tcp_share < 0.25 else
             f"it is up to {tcp_share:.0%} of Serf's bytes")
    with_tcp_packets = any("tcp_packets_per_node_s" in t for t in quiet)
    window = max((t["seconds"] for t in quiet), default=30)
    out.append("### Cost: CPU and bytes per node per second\n")
    out.append("Measured over a quiet window (no faults) with all "
               "clusters running. CPU: utime+stime of the member processes "
               "(/proc/PID/stat, 10 ms ticks) per node per second of wall "
               "time. " + " ".join(BYTES_METHOD_TEXT[m] for m in methods) +
               " phid's own "
               "`phid_gossip_bytes_total{direction=\"out\"}` (payload only) is "
               "shown as a cross-check. Serf's TCP push-pull runs every 30 s "
               f"(lan) or 15 s (local) per node, so a {window:.0f} s window "
               f"samples it coarsely; {share}.\n")
    out.append("| N | tool | CPU ms / node / s | bytes / node / s (UDP + TCP) | "
               "packets / node / s" + (" (UDP + TCP)" if with_tcp_packets else "") +
               " | phid payload metric | phid / this |" +
               (" lean / this |" if lean else ""))
    out.append("|---|---|---|---|---|---|---|" + ("---|" if lean else ""))
    for b in blocks:
        q = b["quiet"]
        ph = q.get("phid", {})
        le = q.get("phid-lean", {})
        for tool in ("phid", "phid-lean", "serf-lan", "serf-local"):
            if tool not in q:
                continue
            t = q[tool]
            metric = t.get("phid_metric_payload_bytes_per_node_s")
            rel = cost_ratio_text(tool, ph, t) + (
                f" | {cost_ratio_text(tool, le, t)}" if lean else "")
            packets = f"{t['udp_packets_per_node_s']:.1f}"
            if "tcp_packets_per_node_s" in t:
                tcp = t["tcp_packets_per_node_s"]
                packets = (f"{t['udp_packets_per_node_s'] + tcp:.1f} "
                           f"({packets} + {tcp:.1f})")
            out.append(
                f"| {b['n']} | {LABEL[tool]} | {1000 * t['cpu_s_per_node_s']:.1f} | "
                f"{t['bytes_per_node_s']:,.0f} ({t['udp_bytes_per_node_s']:,.0f} + "
                f"{t['tcp_bytes_per_node_s']:,.0f}) | {packets} | "
                f"{'–' if metric is None else f'{metric:,.0f}'} | {rel} |")
    out.append("")


# --------------------------------------------------------------------- QoS


def qos_section(qos, png_link, out):
    """png_link: the plot's path relative to the Markdown file, or None."""
    out.append("## 2. QoS curves (simulator)\n")
    out.append("`tools/bench/simbench.py qos` runs "
               "`bazel-bin/tools/simulator/simulator` (in-memory network, "
               "simulated clock, 1 ms delay + up to 1 ms jitter, lan options) "
               "and parses its tables.\n")
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
        "gets a wrong SUSPECT. Crash rows: `victims` members crash after a "
        "20 s warm-up; false suspicions are counted among the others for "
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
        out.append(f"\nSimulated gossip bandwidth (payload, per live member): "
                   f"{bw}.\n")
    trade = [p for p in qos["points"] if p["scenario"] == "crash" and
             p["loss"] == 0 and p["nodes"] in (10, 50) and
             (p.get("gossip_interval") != "100ms" or p["victims"] > 1)]
    if not trade:
        return
    out.append("#### The interval trade-off\n")
    out.append("The same crash (loss 0) at slower gossip rounds "
               "(`--gossip_interval`; the detector defaults follow it). "
               "This is the knob that trades phid's detection time for "
               "bandwidth; compare Serf's measured cost in section 1.\n")
    out.append("| N | gossip interval | φ=8 T_D p50 | p99 | max | false / node-h "
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
    out.append("`tools/bench/simbench.py scale`: the simulator under "
               "`/usr/bin/time -v` (wall time, max RSS), each run with a "
               "time limit. Every simulated node holds a detector per member "
               "(N² histories); the nodes run on two threads (`--threads=2`, "
               "deterministic: every thread count gives the same result).\n")
    if not scale:
        out.append("*Simulator scale runs not run (tools/bench/run_all.sh scale).*\n")
    else:
        scale_table(scale, out)
    for w in (1000, 10000):
        watch_bench(os.path.join(results_dir, f"watch_bench_{w}.txt"), w, out)


def exit_text(info):
    rc = info["rc"]
    if rc == "timeout":
        return f"killed after {info['limit_s']} s"
    if rc in (134, -6):
        return (f"aborted (allocation failed at the "
                f"{info.get('max_gib', '?')} GiB address-space limit)")
    return str(rc)


def scale_table(scale, out):
    out.append("| command | exit | wall s | simulated s | max RSS MB | "
               "B / node / s | packets / node / s | join reached all "
               "(rounds) | φ=8 T_D p50 / max ms | φ=8 undetected | "
               "φ=8 false / node-h |")
    out.append("|---|---|---|---|---|---|---|---|---|---|---|")
    for info in scale["runs"]:
        run = info["runs"][0] if info["runs"] else None
        row8 = st.row_at(run["rows"], 8) if run else None
        sim_s = run.get("simulated_s", "–") if run else "–"
        bw = f"{run['bytes_per_node_s']:,.0f}" if run else "–"
        pk = f"{run['packets_per_node_s']:.1f}" if run else "–"
        dr = "–"
        if run and run["scenario"] == "join_storm":
            dr = run.get("dissemination_rounds", "not within the run")
        crash = run and run["scenario"] == "crash"
        td = (f"{ms(row8['p50'])} / {ms(row8['max'])}"
              if crash and row8 and row8["p50"] is not None else "–")
        und = (f"{row8['undetected']} of {run['nodes'] - run['victims']}"
               if crash and row8 else "–")
        fr = f"{row8['false_per_node_hour']:,.1f}" if row8 else "–"
        # A run killed at its time limit has no /usr/bin/time report.
        rss = f"{info['max_rss_mb']:,.0f}" if info.get("max_rss_mb") else "–"
        out.append(
            f"| `{info['command']}` | {exit_text(info)} | "
            f"{info['wall_s_measured']:.0f} | {sim_s} | "
            f"{rss} | {bw} | {pk} | {dr} | "
            f"{td} | {und} | {fr} |")
    out.append("")
    out.append("The join storm's point is the dissemination: the 10 "
               "joiners were known to every member, and every member to "
               "them, after that many 100 ms rounds.\n")


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
