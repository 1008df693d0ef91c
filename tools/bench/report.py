#!/usr/bin/env python3
"""Renders BENCHMARKS.md and the QoS plot from tools/bench/results/*.

  report.py --machine                       # machine facts as JSON (stdout)
  report.py --results=DIR --markdown=FILE   # the report

Reads vs_serf.json (vs_serf.py), hundred_daemons.json (hundred_daemons.py),
qos.json and scale.json (simbench.py),
watch_bench_*.txt (//server:watch_bench), machine.json and notes.json, each
checked against results_schema; whatever is missing is reported as not run.
Writes the plot (--png, default DIR/qos.png; needs matplotlib).

The modules: results_schema (the files), bench_stats (the numbers),
verdicts (the words that compare them), report_tables (section 1),
report_scale (sections 1b-3) and report_sim_scale (section 3's simulator
tables and goals), report_findings and report_sim_findings (section 4),
qos_plot (the plot); this file holds the command line, the opening and
section 5.

notes.json holds what the numbers cannot tell, as sentences, for the runs
whose commits it names (`describes`); for other runs it is ignored with a
warning, so a rerun never inherits a stale sentence. Its fields: NOTE_FIELDS.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time

import bench_stats
import qos_plot
import report_findings
import report_scale
import report_sim_scale
import report_tables
import results_schema

NOTE_FIELDS = {
    "describes": "results file kind -> the commit its run recorded",
    "machine": "appended to the machine bullet (who else used the machine)",
    "load": "opens the load-average bullet, e.g. '**Shared machine.** ...'",
    "recent_stall": "appended to the finding on recently stalled members "
                    "(e.g. a fix made after the run)",
    "repetitions": "why the largest N ran fewer repetitions",
}


def machine():
    """Facts about this machine and checkout, for machine.json."""
    info = {"date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
            "nproc": os.cpu_count(), "kernel": platform.release()}
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal"):
                info["ram_gib"] = int(line.split()[1]) / 1024 / 1024
    with open("/proc/loadavg") as f:
        info["loadavg"] = [float(x) for x in f.read().split()[:3]]
    try:
        info["commit"] = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True,
            text=True).stdout.strip()
    except OSError:
        pass
    return info


def load_notes(path, results):
    """The notes for these results; {} if absent or written for other runs.

    results: kind -> loaded results (or None).
    """
    try:
        with open(path) as f:
            notes = json.load(f)
    except FileNotFoundError:
        return {}
    unknown = set(notes) - set(NOTE_FIELDS)
    if unknown:
        raise results_schema.SchemaError(
            f"{path}: unknown fields {sorted(unknown)}; known: {sorted(NOTE_FIELDS)}")
    for kind, commit in notes.get("describes", {}).items():
        data = results.get(kind)
        if data is not None and data.get("commit") != commit:
            print(f"report: {path} describes the {kind} run of {commit}, but "
                  f"{kind}.json is from {data.get('commit')}: notes ignored",
                  file=sys.stderr)
            return {}
    return notes


def opening(m, vs, qos, scale, notes, out):
    """The title, how to regenerate, and the machine."""
    out.append("# Benchmarks\n")
    out.append(
        "Regenerate everything (about an hour; root for apt-get and "
        "iptables): `tools/bench/run_all.sh`. Stages can be run alone: "
        "`tools/bench/run_all.sh vs_serf|hundred|qos|scale|watch|report`. Raw results "
        "are in `tools/bench/results/` (JSON); this file and "
        "`tools/bench/results/qos.png` are rendered from them by "
        "`tools/bench/report.py`.\n")
    out.append("What `run_all.sh` runs (BIN = `bazel info -c opt bazel-bin`):\n")
    out.append("```sh\n"
               "tools/setup.sh --bench      # + serf iptables python3-matplotlib time\n"
               "bazel build -c opt //server:phid //client:phictl //tools/simulator \\\n"
               "  //tools/bench:watch_tap //server:watch_bench\n"
               "python3 tools/bench/vs_serf.py --bin=$BIN --out=tools/bench/results/vs_serf.json \\\n"
               "  --sizes=10,25 --reps=10:20,25:20 --faults=kill \\\n"
               "  --tools=phid,serf-lan,serf-local,phid-lean --quiet=60 --recover_timeout=12\n"
               "bazel run -c opt //tools/bench:hundred_daemons -- \\\n"
               "  --out=tools/bench/results/hundred_daemons.json\n"
               "python3 tools/bench/simbench.py qos --simulator=$BIN/tools/simulator/simulator \\\n"
               "  --out=tools/bench/results/qos.json\n"
               "python3 tools/bench/simbench.py scale --simulator=$BIN/tools/simulator/simulator \\\n"
               "  --out=tools/bench/results/scale.json --sizes=10,100,1000   # and 10000: raise --max_gib\n"
               "bazel run -c opt //server:watch_bench -- --watchers=1000   # and 10000\n"
               "python3 tools/bench/report.py --results=tools/bench/results --markdown=BENCHMARKS.md\n"
               "```\n")
    out.append("## Machine\n")

    def run(data, key):
        return (f"{(data or {}).get(key, 'not run')} "
                f"({(data or {}).get('commit') or m.get('commit', '?')})")
    machine_note = f" {notes['machine']}" if notes.get("machine") else ""
    out.append(f"- {m.get('nproc')} CPUs: {m.get('cpu', '?')}; "
               f"{m.get('ram_gib', 0):.1f} GiB RAM; Linux {m.get('kernel')}; "
               f"runs (UTC, phid commit): vs_serf {run(vs, 'started')}, qos "
               f"{run(qos, 'date')}, scale {run(scale, 'date')}.{machine_note}")
    loads = bench_stats.run_loads(m, vs)
    if loads:
        lead = f"{notes['load']}: " if notes.get("load") else ""
        text = (f"- {lead}1-minute load average {min(loads):.1f} to "
                f"{max(loads):.1f} (median {bench_stats.pct(loads, 0.5):.1f}) "
                f"on {m.get('nproc')} CPUs during the runs.")
        if vs:
            busy = max(loads) >= (m.get("nproc") or 1)
            text += (" The tools were interleaved (fault by fault, the "
                     "first tool rotating) so that the noise spreads over all "
                     "of them" + (", but absolute times carry scheduling "
                                  "delays that a quiet machine would not "
                                  "have" if busy else "") + ".")
        out.append(text)
    out.append("- Everything ran on loopback: members on 127.0.3.N (gossip) "
               "and 127.0.4.N (gRPC/RPC/metrics), ports 19100–19402 "
               "(vs_serf.py) and 19500–19502 on 127.0.3.N (hundred_daemons).\n")


def render(results, results_dir, notes, png_link):
    """The whole report as a list of Markdown lines."""
    vs, qos, scale = results["vs_serf"], results["qos"], results["scale"]
    m = results["machine"] or machine()
    out = []
    opening(m, vs, qos, scale, notes, out)
    report_tables.vs_serf_section(vs, out)
    report_scale.hundred_section(results.get("hundred_daemons"), out)
    report_scale.qos_section(qos, png_link, out)
    report_scale.scale_section(scale, results_dir, out)
    report_findings.analysis(vs, qos, scale, notes, out)
    caveats(vs, notes, out, qos, scale)
    # Measured by hand, outside run_all.sh: kept as written.
    for hand in ("under_abuse.md", "status_page.md", "protocol_v2_sim.md"):
        path = os.path.join(results_dir, hand)
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                out.append(f.read().rstrip("\n") + "\n")
    return out


def load_results(results_dir):
    """kind -> validated contents (None if absent) of every results file."""
    return {kind: results_schema.load(os.path.join(results_dir, name), kind)
            for kind, name in results_schema.FILES.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--machine", action="store_true")
    ap.add_argument("--results", default="tools/bench/results")
    ap.add_argument("--markdown", default="BENCHMARKS.md")
    ap.add_argument("--png", default="", help="default: RESULTS/qos.png")
    ap.add_argument("--notes", default="", help="default: RESULTS/notes.json")
    args = ap.parse_args()
    if args.machine:
        info = machine()
        results_schema.validate("machine", info)
        json.dump(info, sys.stdout)
        print()
        return 0
    try:
        results = load_results(args.results)
        notes = load_notes(args.notes or os.path.join(args.results, "notes.json"),
                           results)
    except results_schema.SchemaError as e:
        print(f"report: {e}", file=sys.stderr)
        return 1
    png = args.png or os.path.join(args.results, "qos.png")
    link = None
    if qos_plot.plot(results["qos"], results["vs_serf"], png):
        link = os.path.relpath(png, os.path.dirname(os.path.abspath(args.markdown)))
    out = render(results, args.results, notes, link)
    with open(args.markdown, "w") as f:
        f.write("\n".join(out).rstrip() + "\n")
    return 0


# ----------------------------------------------------------------- caveats


def caveats(vs, notes, out, qos=None, scale=None):
    """Section 5."""
    out.append("## 5. Caveats\n")
    if vs:
        repetitions_caveat(vs, notes, out)
    protocol_caveat(vs, qos, out)
    scale_caveat(scale, out)
    gap = smallest_kill_gap(vs)
    far = ("far below the differences measured" if gap is None or gap > 100
           else f"not far below the smallest difference measured ({gap:,.0f} ms)")
    out.append(
        "- The two detection clocks differ in what they include: phid's is "
        "the arrival of the Watch message over gRPC in another process; "
        "Serf's is the arrival of a log line over a pipe (Serf's own log "
        "timestamps have 1 s resolution). Both add well under a "
        f"millisecond on loopback, {far}.")
    out.append(
        "- Serf's numbers come from the agent's EventMemberFailed, i.e. "
        "after its suspicion timeout, which is what a Serf user acts on. "
        "memberlist logs an earlier `Suspect <node> has failed` per prober; "
        "that is a private suspicion, not a cluster verdict, and is not "
        "counted.")
    out.append(
        "- Loopback has no loss and microsecond latency; the simulator "
        "rows with loss are the stand-in for a real network.")
    out.append(
        "- `//server:watch_bench` starts its own daemons on 127.0.0.1 with "
        "kernel-chosen ports (it has no flag for the address), unlike "
        "everything else here.")
    out.append(
        "- The simulator's pause scenario with `--victims` > 1 counts a "
        "paused observer's late view of another paused victim as a "
        "detection (and `undetected` = expected − count hides it); the QoS "
        "runs therefore pause one member only.\n")


def protocol_caveat(vs, qos, out):
    """Says so when the measured and the simulated phid differ in protocol."""
    if not vs or not qos:
        return
    sim = sorted({bench_stats.sim_protocol(p["command"]) for p in qos["points"]})
    real = bench_stats.phid_protocol(vs)
    if sim == [real]:
        return
    out.append(
        f"- Sections 1 and 1b measure phid on protocol {real}; the simulator "
        f"runs of sections 2 and 3 (see Machine for their commits) are "
        f"protocol "
        f"{', '.join(str(p) for p in sim)}. The measured points on the QoS "
        f"plot therefore sit beside curves of another protocol, and the "
        f"section-4 findings on thresholds and scale describe protocol "
        f"{', '.join(str(p) for p in sim)}.")


def scale_caveat(scale, out):
    """What the simulator's scale runs can and cannot show."""
    healthy = [(p, r) for p, r in bench_stats.longest_healthy(scale)
               if p["loss"] == bench_stats.GOAL_LOSS]
    if not healthy:
        return
    plan, run = max(healthy,
                    key=lambda t: t[0]["nodes"] * t[0]["duration_s"])
    row = bench_stats.row_at(run["rows"], bench_stats.GOAL_THRESHOLD)
    if row:
        f = bench_stats.false_rate(plan, row)
        goal = bench_stats.SIM_GOALS.get(plan["nodes"], (0, 0.01, 0))[1] or 0.01
        need = bench_stats.poisson_upper(f["count"]) / goal
        out.append(
            f"- A run of H node-hours with no false suspicion bounds the rate "
            f"at 3 / H per node-hour (95 %). The largest healthy run here, "
            f"N = {plan['nodes']:,} for {plan['duration_s']:g} s at "
            f"{plan['loss'] * 100:g} % loss, is {f['node_hours']:,.1f} "
            f"node-hours with {f['count']} at φ={bench_stats.GOAL_THRESHOLD}: "
            f"a 95 % bound of {f['bound95']:.2g} per node-hour; showing "
            f"{goal:g} per node-hour takes {need:,.0f} node-hours "
            f"({need * 3600 / plan['nodes'] / 60:,.0f} simulated minutes at "
            f"this N).")
    runs = (bench_stats.scale_runs(scale, "crash") +
            bench_stats.scale_runs(scale, "loss"))
    joined = [p["nodes"] for p, _, _ in runs if not p.get("prejoined")]
    prejoined = sorted({p["nodes"] for p, _, _ in runs if p.get("prejoined")})
    text = "- "
    if joined:
        largest = max(joined)
        seeds = max(1, largest // 500)
        text += (
            f"The simulator's nodes join through one of N / 500 seeds (at "
            f"least one), and a seed lets in 20 nodes a second, so joining "
            f"takes about N / (20 × seeds) s: {largest / 20 / seeds:,.0f} s "
            f"at N = {largest:,} ({seeds} seed{'s' if seeds > 1 else ''}), "
            f"against a warm-up of {report_sim_scale.warmup_of(runs)}. ")
    if prejoined:
        text += (
            f"At N = {', '.join(f'{n:,}' for n in prejoined)} the cluster "
            f"starts prejoined (`--prejoined`): every table is filled as if "
            f"the join had completed, and only the warm-up, the fault and "
            f"the measurement are simulated. A simulated join sends N full "
            f"states of N entries through the seeds, so its cost grows as "
            f"N²; at N = 1,000 a prejoined crash run detected within 5 ms "
            f"of a joined one at every threshold and sent 0.2 % fewer "
            f"bytes (`results/protocol_v2/prejoined_1000_0.05.txt` against "
            f"`joined_1000_0.05.txt`). ")
    out.append(
        text + "The crash runs' bytes cover the 40 s after the crash, its "
        "rumour included; the healthy runs' bytes are the steady state.")


def smallest_kill_gap(vs):
    gaps = []
    for b in (vs or {}).get("blocks", []):
        p = bench_stats.detection_stats(b, "phid-8", "kill")["p50"]
        for v in ("serf-lan", "serf-local"):
            s = bench_stats.detection_stats(b, v, "kill")["p50"]
            if p is not None and s is not None:
                gaps.append(abs(s - p))
    return min(gaps) if gaps else None


def repetitions_caveat(vs, notes, out):
    """What R at every N would have cost, when the largest N ran fewer."""
    reps = {int(k): v for k, v in vs["reps"].items()}
    blocks = vs["blocks"]
    if len(blocks) < 2 or any("wall_s" not in b for b in blocks):
        return
    full_r = max(reps.values())
    last = blocks[-1]
    r = reps.get(last["n"], full_r)
    if r >= full_r:
        return
    block_s = last["wall_s"] - blocks[-2]["wall_s"]
    full = last["wall_s"] + block_s * (full_r - r) / r
    why = f", {notes['repetitions']}" if notes.get("repetitions") else ""
    out.append(
        f"- Repetitions: R={full_r} at every N would have taken about "
        f"{full / 60:.0f} minutes (each fault waits for Serf's "
        f"detection, a restart and re-convergence, one tool at a "
        f"time){why}, so N={last['n']} ran "
        f"with R={r}; the comparison took "
        f"{vs.get('wall_s', last['wall_s']) / 60:.0f} minutes.")


if __name__ == "__main__":
    sys.exit(main())
