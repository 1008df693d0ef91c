#!/usr/bin/env python3
"""Simulator benchmarks: QoS curves and scale. Writes JSON for report.py.

  simbench.py qos   --simulator=PATH --out=qos.json
  simbench.py scale --simulator=PATH --out=scale.json

qos: for N in {10, 50}, a crash of `victims` members at loss {0, 1, 5%}
(detection time of the crashes at every surviving observer, and false
suspicions of the healthy members over the rest of the run), and a 3 s pause
of one member at loss 0; thresholds 1,2,4,8,12,16. One run per point
(the simulator is deterministic per seed); several victims give several
detection samples per observer. Then the interval trade-off: crashes at
gossip intervals 300 ms and 1 s (default 100 ms).

scale: crashes at N = 200, 500 and 1,000 and join storms at 1,000 and
5,000 (dissemination rounds) under /usr/bin/time -v (wall time, max RSS),
each with a time limit and an address-space limit; what did not finish is
reported as such.

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

HEADER = re.compile(
    r"### (\w+): nodes=(\d+) victims=(\d+) loss=([\d.]+)% seed=(\d+): "
    r"([\d.]+) B/node/s, ([\d.]+) packets/node/s(.*)")


def parse(text):
    """Parses the simulator's markdown output into a list of runs."""
    runs = []
    cur = None
    for line in text.splitlines():
        m = HEADER.match(line)
        if m:
            rest = m.group(8)
            cur = {"scenario": m.group(1), "nodes": int(m.group(2)),
                   "victims": int(m.group(3)), "loss": float(m.group(4)) / 100,
                   "seed": int(m.group(5)),
                   "bytes_per_node_s": float(m.group(6)),
                   "packets_per_node_s": float(m.group(7)), "rows": []}
            d = re.search(r"reached all in ([\d.]+) rounds", rest)
            if d:
                cur["dissemination_rounds"] = float(d.group(1))
            w = re.search(r"wall ([\d.]+) s for ([\d.]+) simulated s", rest)
            if w:
                cur["wall_s"] = float(w.group(1))
                cur["simulated_s"] = float(w.group(2))
            runs.append(cur)
            continue
        if cur is None or not line.startswith("| ") or line.startswith("| phi"):
            continue
        f = [x.strip() for x in line.strip("|").split("|")]
        if len(f) < 9 or not re.match(r"^[\d.]+$", f[0]):
            continue

        def num(x):
            return None if x == "-" else float(x)
        cur["rows"].append({
            "threshold": float(f[0]), "min": num(f[1]), "p50": num(f[2]),
            "p99": num(f[3]), "max": num(f[4]), "undetected": int(f[5]),
            "false": int(f[6]), "false_per_node_hour": float(f[7]),
            "mean_false_ms": float(f[8])})
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
    for n, victims, dur in ((10, 3, "600s"), (50, 5, "300s")):
        for loss in (0.0, 0.01, 0.05):
            plan.append(("crash", n, victims, loss, dur, []))
        # One victim: with several, paused observers' views of the other
        # paused victims would count as detections too.
        plan.append(("pause", n, 1, 0.0, dur, ["--pause=3s"]))
    # The interval trade-off: the same detector at slower gossip rounds.
    for n, dur in ((10, "600s"), (50, "120s")):
        for interval in ("300ms", "1s"):
            plan.append(("crash", n, 3, 0.0, dur,
                         [f"--gossip_interval={interval}"]))
    for kind, n, victims, loss, dur, extra in plan:
        flags = [f"--scenario={kind}", f"--nodes={n}", f"--victims={victims}",
                 f"--loss={loss}", f"--duration={dur}",
                 "--thresholds=1,2,4,8,12,16"] + extra
        info = run_sim(args.simulator, flags)
        print(f"qos: {info['command']}: {info['wall_s_measured']:.1f} s",
              file=sys.stderr, flush=True)
        for r in info["runs"]:
            r["command"] = info["command"]
            r["duration_s"] = float(dur[:-1])
            r["gossip_interval"] = next(
                (x.split("=")[1] for x in extra
                 if x.startswith("--gossip_interval=")), "100ms")
            result["points"].append(r)
    return result


def scale(args):
    result = {"runs": []}
    plan = [
        # The trend with N: crashes at 200, 500 and 1,000. A 60 s warm-up:
        # at 1,000 nodes 20 s leaves the histories uncalibrated (tens of
        # thousands of false suspicions per node-hour); then 30 s for the
        # observers to notice.
        (["--scenario=crash", "--nodes=200", "--warmup=60s", "--duration=30s",
          "--thresholds=8,12"], 600),
        (["--scenario=crash", "--nodes=500", "--warmup=60s", "--duration=30s",
          "--thresholds=8,12"], 600),
        (["--scenario=crash", "--nodes=1000", "--warmup=60s",
          "--duration=30s", "--thresholds=8,12"], 900),
        # The same with Cassandra's exponential model: at this size the
        # arrivals are close to a Poisson process.
        (["--scenario=crash", "--nodes=1000", "--warmup=60s",
          "--duration=30s", "--thresholds=8,12", "--model=exponential"], 900),
        # Dissemination: 10 members join a warm 1,000-node cluster at once
        # (60 s, as above: 20 s after 1,000 nodes start together a few
        # still miss a member or two, and the run would time that instead).
        (["--scenario=join_storm", "--nodes=1000", "--victims=10",
          "--warmup=60s", "--duration=10s", "--thresholds=8"], 600),
        # N=5000: short, small histories; may not fit in the time or the
        # address-space limit. Joining alone takes 100 waves of 50 nodes,
        # 10 simulated seconds.
        (["--scenario=join_storm", "--nodes=5000", "--victims=10",
          "--warmup=2s", "--duration=3s", "--history_capacity=8",
          "--thresholds=8"], args.limit_5000),
    ]
    for flags, limit in plan:
        info = run_sim(args.simulator, flags, timeout=limit, timed=True,
                       max_gib=args.max_gib)
        info["limit_s"] = limit
        print(f"scale: {info['command']}: rc={info['rc']} "
              f"{info['wall_s_measured']:.0f} s "
              f"rss={info.get('max_rss_mb', 0):.0f} MB",
              file=sys.stderr, flush=True)
        result["runs"].append(info)
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["qos", "scale"])
    ap.add_argument("--simulator", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--limit_5000", type=int, default=600,
                    help="seconds allowed for the 5,000-node run")
    ap.add_argument("--max_gib", type=float, default=14,
                    help="address-space limit of each scale run (GiB)")
    args = ap.parse_args()
    res = qos(args) if args.what == "qos" else scale(args)
    res["date"] = time.strftime("%Y-%m-%d %H:%M:%S")
    res["commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"],
                                   capture_output=True, text=True).stdout.strip()
    results_schema.write(args.out, args.what, res)


if __name__ == "__main__":
    main()
