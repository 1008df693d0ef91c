#!/usr/bin/env python3
"""Simulator benchmarks: QoS curves and scale. Writes JSON for report.py.

  simbench.py qos   --simulator=PATH --out=qos.json
  simbench.py scale --simulator=PATH --out=scale.json

Every run is gossip protocol 2 (`--protocol=2`, the lan preset's options).

qos: for N in {10, 50}, a crash of one member at loss {0, 1, 5%} (detection
time of the crash at every surviving observer, and false suspicions of the
healthy members over the rest of the run), and a 3 s pause of one member at
loss 0; thresholds 1,2,4,8,12,16. One run per point (the simulator is
deterministic per seed). Then the interval trade-off: crashes at heartbeat
intervals 300 ms, 500 ms and 1 s (default 100 ms).

scale: issue 11's simulator table. For every N in --sizes (default 10, 100,
1,000; 10,000 on request) and loss in --losses (0, 5 %): a crash of one
member after a 30 s warm-up, judged for 40 s (detection at phi 4, 8, 12 at
every observer, the time until reports reached every observer, bytes), and
a healthy cluster for 120 s (false suspicions, steady-state bytes), and
on request (--long_healthy) a longer healthy run at 5 % loss; sizes from
--prejoined_from (5,000) up start prejoined. Each runs under
/usr/bin/time -v (wall time, max RSS) with a time limit and an
address-space limit; what did not finish is reported as such. The file is
rewritten after every run, so a long run stopped half way keeps the rest,
and --append runs only what an earlier file lacks (each run keeps its own
commit and date).

Both write results_schema's "qos" or "scale" form.
"""

import argparse
import os
import re
import resource
import subprocess
import sys
import time

import results_schema

HEADER = re.compile(r"### (\w+): nodes=(\d+) (.*)")

# Fields of the header line, each found on its own so that a field added,
# moved or left out (older simulators print fewer) breaks nothing.
HEADER_FIELDS = (
    ("victims", r"victims=(\d+)", int),
    ("loss", r"loss=([\d.]+)%", lambda x: float(x) / 100),
    ("seed", r"seed=(\d+)", int),
    ("bytes_per_node_s", r"([\d.]+) B/node/s", float),
    ("packets_per_node_s", r"([\d.]+) packets/node/s", float),
    ("observer_pauses", r"observer pauses (\d+)", int),
    ("wall_s", r"wall ([\d.]+) s for", float),
    ("simulated_s", r"for ([\d.]+) simulated s", float),
    ("protocol", r"protocol (\d+)", int),
    ("peak_rss_mb", r"peak RSS ([\d.]+) MB", float),
    ("rumour_ms", r"reports reached every observer in ([\d.]+) ms", float),
    ("dissemination_rounds", r"reached all in ([\d.]+) rounds", float),
)
REQUIRED = ("victims", "loss", "seed", "bytes_per_node_s", "packets_per_node_s")

# The table's columns by their heading, as the simulator prints them.
COLUMNS = {"phi": "threshold", "detect min": "min", "p50": "p50",
           "p99": "p99", "max (ms)": "max", "undetected": "undetected",
           "false": "false", "per node-hour": "false_per_node_hour",
           "mean false ms": "mean_false_ms"}
INT_COLUMNS = ("undetected", "false")


def cells(line):
    return [x.strip() for x in line.strip().strip("|").split("|")]


def parse_header(line):
    """The run a "### scenario: nodes=N ..." line describes, or None."""
    m = HEADER.match(line)
    if not m:
        return None
    run = {"scenario": m.group(1), "nodes": int(m.group(2)), "rows": []}
    for key, pattern, kind in HEADER_FIELDS:
        found = re.search(pattern, m.group(3))
        if found:
            run[key] = kind(found.group(1))
    if any(k not in run for k in REQUIRED):
        return None
    return run


def parse(text):
    """Parses the simulator's markdown output into a list of runs.

    A run is its header line's fields (HEADER_FIELDS) and one row per
    threshold, keyed by COLUMNS; "-" (no detection) becomes None.
    """
    runs = []
    cur, columns = None, None
    for line in text.splitlines():
        run = parse_header(line)
        if run:
            cur, columns = run, None
            runs.append(cur)
            continue
        if cur is None or not line.startswith("|"):
            continue
        f = cells(line)
        if f and f[0] == "phi":
            columns = [COLUMNS.get(c) for c in f]
            continue
        if columns is None or len(f) != len(columns) or \
                not re.match(r"^[\d.]+$", f[0]):
            continue
        row = {}
        for key, value in zip(columns, f):
            if key is None:
                continue
            if value == "-":
                row[key] = None
            elif key in INT_COLUMNS:
                row[key] = int(value)
            else:
                row[key] = float(value)
        if set(row) == set(COLUMNS.values()):
            cur["rows"].append(row)
    return runs


def run_sim(sim, flags, timeout=None, timed=False, max_gib=None):
    cmd = [sim] + flags
    if timed and os.access("/usr/bin/time", os.X_OK):
        cmd = ["/usr/bin/time", "-v"] + cmd

    def limit_memory():
        # The machine is shared: fail this run rather than the neighbours'.
        if max_gib:
            b = int(max_gib * 2**30)
            resource.setrlimit(resource.RLIMIT_AS, (b, b))
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                           preexec_fn=limit_memory)
        out, err, rc = p.stdout, p.stderr, p.returncode
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        err = e.stderr.decode() if isinstance(e.stderr, bytes) else (e.stderr or "")
        rc = "timeout"
    wall = time.monotonic() - t0
    info = {"command": " ".join(["simulator"] + flags), "rc": rc,
            "wall_s_measured": wall, "max_gib": max_gib}
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", err)
    if m:
        info["max_rss_mb"] = int(m.group(1)) / 1024
    m = re.search(r"User time \(seconds\): ([\d.]+)", err)
    if m:
        info["user_s"] = float(m.group(1))
    info["runs"] = parse(out)
    info["stdout"] = out[-4000:]
    if rc not in (0,):
        info["stderr_tail"] = err[-600:]
    return info


def qos(args):
    result = {"points": []}
    plan = []
    # One victim each. Pause: with several, paused observers' views of the
    # other paused victims would count as detections too. Crash: with
    # several (protocol 2), victims that were two of a healthy member's
    # three monitors vote it suspect by their silence, a correlated failure
    # and not the threshold trade-off these curves show.
    for n, dur in ((10, "600s"), (50, "300s")):
        for loss in (0.0, 0.01, 0.05):
            plan.append(("crash", n, 1, loss, dur, []))
        plan.append(("pause", n, 1, 0.0, dur, ["--pause=3s"]))
    # The interval trade-off: protocol 2's heartbeat interval (its
    # --gossip_interval; the detector defaults follow it), 500 ms being the
    # lean preset's.
    for n, dur in ((10, "600s"), (50, "120s")):
        for interval in ("300ms", "500ms", "1s"):
            plan.append(("crash", n, 1, 0.0, dur,
                         [f"--gossip_interval={interval}"]))
    for kind, n, victims, loss, dur, extra in plan:
        flags = [f"--protocol={PROTOCOL}", f"--scenario={kind}",
                 f"--nodes={n}", f"--victims={victims}", f"--loss={loss}",
                 f"--duration={dur}", "--thresholds=1,2,4,8,12,16"] + extra
        info = run_sim(args.simulator, flags)
        print(f"qos: {info['command']}: {info['wall_s_measured']:.1f} s",
              file=sys.stderr, flush=True)
        if info["rc"] != 0 or not info["runs"]:
            sys.exit(f"qos: {info['command']} failed (exit {info['rc']}): "
                     f"{info.get('stderr_tail', '')}")
        for r in info["runs"]:
            r["command"] = info["command"]
            r["duration_s"] = float(dur[:-1])
            r["gossip_interval"] = next(
                (x.split("=")[1] for x in extra
                 if x.startswith("--gossip_interval=")), "100ms")
            result["points"].append(r)
    return result


# Issue 11's simulator table: what `scale` runs at every N and loss.
PROTOCOL = 2
GOAL_LOSS = 0.05  # the loss of issue 11's false-suspicion goal
SCALE_THRESHOLDS = "4,8,12"
SCALE_WARMUP_S = 30
# scenario -> simulated seconds after the warm-up. crash: one member
# crashes, detection at every observer; loss: a healthy cluster, false
# suspicions and the steady-state bytes.
SCALE_DURATION_S = {"crash": 40, "loss": 120}


def scale_plan(sizes, losses, prejoined_from=None, long_healthy=None):
    """(plan record, simulator flags) of every scale run, small N first.

    prejoined_from: sizes from this N up start prejoined (`--prejoined`:
    the tables filled as if the join had completed, because a simulated
    join is N squared and does not fit the time at 10,000). long_healthy:
    N -> simulated seconds of one more healthy run at GOAL_LOSS, long
    enough for its node-hours to bound a small false-suspicion rate."""
    plan = []
    long_healthy = long_healthy or {}
    for n in sizes:
        prejoined = prejoined_from is not None and n >= prejoined_from
        runs = [(loss, scenario, duration) for loss in losses
                for scenario, duration in SCALE_DURATION_S.items()]
        if n in long_healthy:
            runs.append((GOAL_LOSS, "loss", long_healthy[n]))
        for loss, scenario, duration in runs:
            flags = [f"--protocol={PROTOCOL}", f"--nodes={n}",
                     f"--loss={loss:g}", f"--warmup={SCALE_WARMUP_S}s",
                     f"--duration={duration:g}s",
                     f"--thresholds={SCALE_THRESHOLDS}"]
            if scenario != "crash":
                flags.insert(1, f"--scenario={scenario}")
            record = {"scenario": scenario, "nodes": n, "loss": loss,
                      "duration_s": float(duration)}
            if prejoined:
                flags.append("--prejoined")
                record["prejoined"] = True
            plan.append((record, flags))
    return plan


def parse_long_healthy(text):
    """"1000:1080,10000:600" -> {1000: 1080.0, 10000: 600.0}."""
    out = {}
    for item in filter(None, (x.strip() for x in text.split(","))):
        n, _, seconds = item.partition(":")
        out[int(n)] = float(seconds)
    return out


def finished_plans(result):
    """The plan records of the runs in `result` that finished."""
    return [info["plan"] for info in result.get("runs", [])
            if info.get("plan") and info["rc"] == 0 and info["runs"]]


def scale(args):
    sizes = [int(x) for x in args.sizes.split(",")]
    losses = [float(x) for x in args.losses.split(",")]
    result = {"runs": [], "sizes": sizes, "losses": losses}
    if args.append and os.path.exists(args.out):
        # Keep the finished runs of the earlier command (each names its own
        # commit and date) and run only what they lack.
        old = results_schema.load(args.out, "scale")
        result["runs"] = [i for i in old["runs"]
                          if i.get("plan") in finished_plans(old)]
        for info in result["runs"]:
            info.setdefault("commit", old["commit"])
            info.setdefault("date", old["date"])
        result["sizes"] = sorted(set(old.get("sizes") or []) | set(sizes))
        result["losses"] = sorted(set(old.get("losses") or []) | set(losses))
    done = finished_plans(result)
    plan = scale_plan(sizes, losses, args.prejoined_from,
                      parse_long_healthy(args.long_healthy))
    for record, flags in plan:
        if record in done:
            continue
        limit = args.limit_s
        info = run_sim(args.simulator, flags, timeout=limit, timed=True,
                       max_gib=args.max_gib)
        info["limit_s"] = limit
        info["plan"] = record
        info["date"] = time.strftime("%Y-%m-%d %H:%M:%S")
        info["commit"] = head_commit()
        print(f"scale: {info['command']}: rc={info['rc']} "
              f"{info['wall_s_measured']:.0f} s "
              f"rss={info.get('max_rss_mb', 0):.0f} MB",
              file=sys.stderr, flush=True)
        result["runs"].append(info)
        # Keep what has finished: a long run may be stopped half way.
        save(args, "scale", result)
    return result


def head_commit():
    return subprocess.run(["git", "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True).stdout.strip()


def save(args, what, res):
    res["date"] = time.strftime("%Y-%m-%d %H:%M:%S")
    res["commit"] = head_commit()
    results_schema.write(args.out, what, res)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["qos", "scale"])
    ap.add_argument("--simulator", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--sizes", default="10,100,1000",
                    help="scale: cluster sizes, comma-separated (issue 11 "
                         "also asks for 10000: about an hour or more and "
                         "~16 GB; raise --max_gib and --limit_s)")
    ap.add_argument("--losses", default="0,0.05",
                    help="scale: link loss fractions, comma-separated")
    ap.add_argument("--limit_s", type=int, default=1800,
                    help="scale: seconds allowed for each run; one that "
                         "takes longer is killed and reported as such")
    ap.add_argument("--max_gib", type=float, default=14,
                    help="address-space limit of each scale run (GiB)")
    ap.add_argument("--prejoined_from", type=int, default=5000,
                    help="scale: sizes from this N up start with their "
                         "tables filled as if the join had completed "
                         "(simulator --prejoined); the simulated join is "
                         "N squared and takes hours at 10000")
    ap.add_argument("--long_healthy", default="",
                    help="scale: N:SECONDS,... one more healthy run at 5 %% "
                         "loss of that many simulated seconds (e.g. "
                         "1000:1080 gives 300 node-hours, enough to show "
                         "0.01 false suspicions per node-hour at 95 %%)")
    ap.add_argument("--append", action="store_true",
                    help="scale: keep the finished runs already in --out "
                         "and run only the planned ones it lacks")
    args = ap.parse_args()
    res = qos(args) if args.what == "qos" else scale(args)
    save(args, args.what, res)


if __name__ == "__main__":
    main()
