"""BENCHMARKS.md section 1 (phid against Serf): the measured tables, in Markdown.

Each section function appends lines to `out` and takes its numbers from
bench_stats; sentences that compare numbers take their words from verdicts.
"""

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
    (2, "lean"): "protocol 2 at 600 ms rounds, a summary every 4 s",
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
