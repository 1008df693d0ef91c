#!/usr/bin/env python3
"""Many real phid daemons on one host: bytes per node and kill detection.

  bazel run -c opt //tools/bench:hundred_daemons -- \\
      --out=tools/bench/results/hundred_daemons.json

For each size in --sizes (default 10,100: the small cluster is the baseline
the large one is compared with, measured by the same command) it starts that
many `phid --preset=local` daemons, member i on 127.0.3.i (gossip :19500,
gRPC :19501, /metrics :19502; all join through member 1), and one watch_tap
holding a Watch at --threshold on every daemon. Then:

  1. converge: waits until every daemon's Watch lists every other member as
     ALIVE (or --converge_timeout; the stragglers are recorded);
  2. quiet window (--quiet s, no fault): bytes and packets per node per
     second from iptables counters on loopback (vs_serf.Accounting in a
     chain of its own, PHIDHUNDRED: every datagram to or from port 19500,
     IP and UDP headers included), phid's own payload counter
     phid_gossip_bytes_total{direction="out"} as a cross-check, CPU
     (utime+stime) per node, and each daemon's VmRSS;
  3. kills: kill -9 of --kills members, one at a time (never member 1, not
     restarted); the detection time at each surviving observer is the
     arrival of SUSPECT for the victim on that observer's Watch, from the
     instant just before the signal, until every observer has it or
     --detect_timeout.

A SUSPECT for a member that was not killed, from the quiet window on, is a
false suspicion; those before it (while members join) are counted apart, as
startup suspicions, with how many still stood when the quiet window began. Everything it started (daemons, watch_tap, the iptables
chain) is stopped on the way out, on failure and on SIGINT/SIGTERM too.

Writes --out in results_schema's "hundred_daemons" form; report.py renders it.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

import results_schema
import vs_serf

PORT = 19500
CHAIN = "PHIDHUNDRED"
TOOL = "phid-local"


class LocalCluster(vs_serf.PhidCluster):
    """N daemons of the local preset, one Watch each at one threshold."""

    tool = TOOL
    port = PORT
    preset = "local"

    def __init__(self, n, events, logdir, binaries, threshold):
        super().__init__(n, events, logdir, binaries)
        self.thresholds = (threshold,)
        self.variants = (f"{TOOL}-{threshold:g}",)

    def start(self, spacing_s=0.0):
        for i in range(1, self.n + 1):
            self.spawn(i)
            time.sleep(spacing_s)
        self.start_tap()


# ------------------------------------------------------------- pure logic


def unconverged(view_of, names):
    """Observers whose view lacks some other member as ALIVE.

    view_of: observer index -> {member name: 'alive' | 'fail' | 'gone'};
    names: observer index -> its own member name.
    """
    want = set(names.values())
    return sorted(i for i, own in names.items()
                  if any(view_of(i).get(m) != "alive" for m in want - {own}))


def first_suspicions(items, variant, member, observers, t0_ns, t_end_ns):
    """observer -> ms from t0 to its first 'fail' of member, in [t0, t_end].

    items: (ns, variant, observer, member, kind) tuples (vs_serf.Events).
    """
    out = {}
    for ns, var, obs, m, kind in sorted(items):
        if (var == variant and m == member and kind == "fail" and
                obs in observers and t0_ns <= ns <= t_end_ns and obs not in out):
            out[obs] = (ns - t0_ns) / 1e6
    return out


def false_suspicions(items, variant, start_ns, end_ns, killed):
    """'fail' events for members not killed, or for a killed member before
    its kill. killed: member name -> t0_ns of its kill."""
    out = []
    for ns, var, obs, m, kind in sorted(items):
        if var != variant or kind != "fail" or not start_ns <= ns <= end_ns:
            continue
        if m in killed and ns >= killed[m]:
            continue
        out.append({"t_s": (ns - start_ns) / 1e9, "observer": obs, "member": m})
    return out


def events_view_at(items, variant, observer, t_ns):
    """member -> last kind an observer reported for it up to t_ns (from
    transitions only: a snapshot before t_ns is not replayed)."""
    view = {}
    for ns, var, obs, m, kind in sorted(items):
        if var == variant and obs == observer and ns <= t_ns:
            view[m] = kind
    return view


def victims(n, kills):
    """kills members spread over 2..n (member 1 is the seed), in order."""
    if n < 3:
        return []
    picked = []
    for k in range(kills):
        v = 2 + ((2 * k + 1) * (n - 1)) // (2 * kills)
        v = min(max(v, 2), n)
        if v not in picked:
            picked.append(v)
    return picked


def rss_mb(status_text):
    """VmRSS of a /proc/PID/status text in MB (10^6 bytes); None if absent."""
    for line in status_text.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024 / 1e6
    return None


# ------------------------------------------------------------ measurement


def read_rss(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            return rss_mb(f.read())
    except OSError:
        return None


def measure_quiet(cluster, acct, seconds):
    pids = cluster.pids()
    c0 = sum(vs_serf.cpu_seconds(p) or 0 for p in pids)
    b0 = acct.read()[TOOL]
    g0 = cluster.gossip_bytes_out()
    load = vs_serf.load_average()
    t0 = vs_serf.now_ns()
    time.sleep(seconds)
    dt = (vs_serf.now_ns() - t0) / 1e9
    c1 = sum(vs_serf.cpu_seconds(p) or 0 for p in pids)
    b1 = acct.read()[TOOL]
    g1 = cluster.gossip_bytes_out()
    n = cluster.n

    def rate(key):
        return (b1[key] - b0[key]) / n / dt
    rec = {"seconds": dt, "cpu_s_per_node_s": (c1 - c0) / n / dt,
           "udp_bytes_per_node_s": rate("udp"),
           "tcp_bytes_per_node_s": rate("tcp"),
           "udp_packets_per_node_s": rate("udp_packets"),
           "tcp_packets_per_node_s": rate("tcp_packets"),
           "bytes_method": acct.method, "load": load}
    rec["bytes_per_node_s"] = rec["udp_bytes_per_node_s"] + rec["tcp_bytes_per_node_s"]
    if g0 is not None and g1 is not None:
        rec["phid_metric_payload_bytes_per_node_s"] = (g1 - g0) / n / dt
    rss = [r for r in (read_rss(p) for p in pids) if r is not None]
    return rec, rss


def run_size(n, args, binaries, acct, logdir, started):
    events = vs_serf.Events()
    cluster = LocalCluster(n, events, logdir, binaries, args.threshold)
    started.append(cluster)
    variant = cluster.variants[0]
    names = {i: cluster.name(i) for i in range(1, n + 1)}
    vs_serf.log(f"N={n}: starting {n} daemons (--preset=local)")
    t_start = vs_serf.now_ns()
    cluster.start(spacing_s=args.spacing)
    start_s = (vs_serf.now_ns() - t_start) / 1e9

    def view(i):
        return events.view(variant, i)
    ok = vs_serf.wait_until(lambda: not unconverged(view, names),
                            args.converge_timeout, step=0.5)
    converged_s = (vs_serf.now_ns() - t_start) / 1e9 if ok else None
    stragglers = unconverged(view, names)
    missing = {i: sorted(set(names.values()) - {names[i]} -
                         {m for m, k in view(i).items() if k == "alive"})
               for i in stragglers}
    vs_serf.log(f"N={n}: " + (f"converged in {converged_s:.1f} s" if ok else
                              f"{len(stragglers)} observers never saw all "
                              f"{n} alive in {args.converge_timeout:.0f} s"))
    time.sleep(args.warmup)
    exited = [i for i, p in cluster.procs.items() if p.poll() is not None]
    quiet_start = vs_serf.now_ns()
    vs_serf.log(f"N={n}: quiet window {args.quiet:.0f} s")
    quiet, rss = measure_quiet(cluster, acct, args.quiet)
    vs_serf.log(f"N={n}: {quiet['bytes_per_node_s']:,.0f} B/node/s, "
                f"{quiet['udp_packets_per_node_s']:.1f} packets/node/s, "
                f"CPU {1000 * quiet['cpu_s_per_node_s']:.1f} ms/node/s, "
                f"RSS max {max(rss, default=0):.1f} MB")
    kills, killed, alive = [], {}, set(names)
    for v in victims(n, args.kills):
        alive.discard(v)
        observers = set(alive)
        load = vs_serf.load_average()
        t0 = vs_serf.now_ns()
        cluster.kill(v)
        killed[names[v]] = t0

        def got():
            return first_suspicions(events.since(t0, {variant}), variant,
                                    names[v], observers, t0, vs_serf.now_ns())
        vs_serf.wait_until(lambda: len(got()) == len(observers),
                           args.detect_timeout, step=0.1)
        time.sleep(args.settle)
        t_end = vs_serf.now_ns()
        det = first_suspicions(events.since(t0, {variant}), variant, names[v],
                               observers, t0, t_end)
        d = sorted(det.values())
        kills.append({"victim": names[v], "observers": len(observers),
                      "detection_ms": d, "undetected": len(observers) - len(d),
                      "load": load, "t0_ns": t0})
        vs_serf.log(f"N={n}: kill -9 {names[v]}: detected {len(d)}/"
                    f"{len(observers)}, p50 {d[len(d) // 2] if d else float('nan'):.0f}"
                    f" ms, max {d[-1] if d else float('nan'):.0f} ms")
    end = vs_serf.now_ns()
    # Before the quiet window the members were still joining: suspicions
    # then are counted apart, with those still standing when it began.
    startup = false_suspicions(events.since(t_start, {variant}), variant,
                               t_start, quiet_start, {})
    open_at_quiet = sum(1 for i in names for k in
                        events_view_at(events.since(t_start, {variant}),
                                       variant, i, quiet_start).values()
                        if k == "fail")
    false = false_suspicions(events.since(quiet_start, {variant}), variant,
                             quiet_start, end, killed)
    hours = n * (end - quiet_start) / 1e9 / 3600
    cluster.stop_all()
    started.remove(cluster)
    return {
        "n": n, "flags": " ".join(cluster.flags()), "threshold": args.threshold,
        "start_s": start_s, "converged_s": converged_s,
        "unconverged": [{"observer": names[i], "missing": missing[i][:20],
                         "missing_count": len(missing[i])} for i in stragglers],
        "exited_before_quiet": [names[i] for i in exited],
        "quiet": quiet, "rss_mb": sorted(rss), "kills": kills,
        "startup_suspicions": len(startup),
        "startup_suspicions_open": open_at_quiet,
        "false_suspicions": len(false), "false_events": false[:50],
        "node_hours": hours,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10,100",
                    help="cluster sizes, run in order (the first is the "
                         "baseline; at most 254)")
    ap.add_argument("--threshold", type=float, default=8.0)
    ap.add_argument("--kills", type=int, default=3,
                    help="members killed one after another per size")
    ap.add_argument("--spacing", type=float, default=0.02,
                    help="seconds between daemon starts")
    ap.add_argument("--converge_timeout", type=float, default=180.0)
    ap.add_argument("--warmup", type=float, default=10.0)
    ap.add_argument("--quiet", type=float, default=30.0)
    ap.add_argument("--detect_timeout", type=float, default=60.0)
    ap.add_argument("--settle", type=float, default=2.0)
    ap.add_argument("--bin", default="",
                    help="a bazel-bin holding server/phid and "
                         "tools/bench/watch_tap (default: the runfiles under "
                         "bazel run, else ./bazel-bin)")
    ap.add_argument("--out", required=True,
                    help="results JSON; relative to the workspace under "
                         "bazel run")
    ap.add_argument("--logdir", default="")
    args = ap.parse_args()

    workspace = os.environ.get("BUILD_WORKSPACE_DIRECTORY", "")
    out_path = args.out if os.path.isabs(args.out) or not workspace else \
        os.path.join(workspace, args.out)
    bindir = args.bin or ("." if workspace else "bazel-bin")
    binaries = {"phid": os.path.join(bindir, "server/phid"),
                "watch_tap": os.path.join(bindir, "tools/bench/watch_tap")}
    for k, v in binaries.items():
        if not os.access(v, os.X_OK):
            sys.exit(f"hundred_daemons: {k} not found at {v}")
    sizes = [int(s) for s in args.sizes.split(",")]
    if any(not 1 <= n <= 254 for n in sizes):
        sys.exit("hundred_daemons: sizes must be 1..254 (127.0.3.N)")
    logdir = args.logdir or tempfile.mkdtemp(prefix="phid-hundred.")
    os.makedirs(logdir, exist_ok=True)
    vs_serf.log("logs in", logdir)
    for k in binaries:
        dst = os.path.join(logdir, k)
        shutil.copy2(binaries[k], dst)
        binaries[k] = dst
    git = ["git"] + (["-C", workspace] if workspace else [])
    result = {
        "sizes": sizes, "threshold": args.threshold,
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "commit": subprocess.run(git + ["rev-parse", "--short", "HEAD"],
                                 capture_output=True, text=True).stdout.strip(),
        "phid_version": subprocess.run([binaries["phid"], "--version"],
                                       capture_output=True, text=True).stdout.strip(),
        "command": " ".join(["hundred_daemons.py"] + sys.argv[1:]),
        "nproc": os.cpu_count(), "blocks": []}

    acct = vs_serf.Accounting({TOOL: PORT}, chain=CHAIN)
    started = []
    cleanup = vs_serf.cleanup_on_exit(started, acct)
    t0 = time.monotonic()
    try:
        for n in sizes:
            result["blocks"].append(run_size(n, args, binaries, acct, logdir,
                                             started))
            results_schema.write(out_path, "hundred_daemons", result)
    finally:
        cleanup()
    result["wall_s"] = time.monotonic() - t0
    results_schema.write(out_path, "hundred_daemons", result)
    vs_serf.log("wrote", out_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
