#!/usr/bin/env python3
"""Detection benchmark: phid against Serf on this machine, real processes.

For each cluster size N it starts three clusters side by side, each member
bound to its own loopback address 127.0.3.i (API/RPC on 127.0.4.i):

  phid        --preset=lan            gossip 127.0.3.i:19100, gRPC :19101
  serf-lan    serf agent -profile=lan    127.0.3.i:19200, RPC :19201
  serf-local  serf agent -profile=local  127.0.3.i:19300, RPC :19301
  phid-lean   --preset=lean           gossip 127.0.3.i:19400, gRPC :19401
              (only with --tools=...,phid-lean; Watch at threshold 8)

then, after a warm-up and a quiet window (CPU and bytes), injects the same
faults into one cluster at a time, alternating tool by tool: kill -9 of one
member (restarted afterwards), SIGSTOP for 3 s and for 6 s. The victim
rotates over members 2..N.

Detection time at every surviving observer, from the instant just before
the signal (time.monotonic_ns()) to:
  phid   the SUSPECT transition on a Watch at that observer (thresholds 8
         and 12), stamped on arrival by watch_tap (CLOCK_MONOTONIC);
  Serf   the "EventMemberFailed: <victim>" line in that agent's log, stamped
         as the line arrives on the agent's stdout pipe.

False failures: a failure event at any observer for a member that was not
the victim of the fault in progress (over the quiet window and every fault
window). Flaps: failure events for the victim beyond the first one per
observer and fault.

Bytes: iptables counters in a chain of our own (PHIDBENCH, jumped to from
OUTPUT for loopback), one rule per tool and protocol (UDP, TCP) matching the
tool's gossip port as source or destination. Every packet on loopback passes
OUTPUT once, so each is counted once, in both directions: Serf's TCP
push-pull dials from 127.0.0.1 and an ephemeral port, and its replies go
there. IP and UDP/TCP headers included; packet counts kept for both
protocols. CPU: utime+stime of each member process from /proc/<pid>/stat.

Writes a JSON file (--out) in results_schema's "vs_serf" form;
tools/bench/report.py renders it.
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import results_schema
from vs_serf_accounting import Accounting
from vs_serf_clusters import (TOOLS, Events, PhidCluster, cleanup_on_exit,
                              cpu_seconds, load_average, log, now_ns,
                              wait_until)


def run_fault(cluster, fault, victim, events, args):
    """Injects one fault; returns a record per variant."""
    vname = cluster.name(victim)
    observers = [i for i in cluster.observers() if i != victim]
    variants = cluster.variants

    def detected_everywhere(t0):
        got = {(e[1], e[2]) for e in events.since(t0, variants)
               if e[3] == vname and e[4] == "fail"}
        return all((v, o) in got for v in variants for o in observers)

    def recovered_everywhere(t1):
        got = {(e[1], e[2]) for e in events.since(t1, variants)
               if e[3] == vname and e[4] == "alive"}
        return all((v, o) in got for v in variants for o in observers)

    load = load_average()
    t0 = now_ns()
    if fault == "kill":
        cluster.kill(victim)
        complete = wait_until(lambda: detected_everywhere(t0), args.kill_timeout)
        time.sleep(1.0)
        t1 = now_ns()
        cluster.restart(victim)
        recovered = wait_until(lambda: recovered_everywhere(t1) and
                               cluster.converged(), args.recover_timeout)
    else:
        pause = float(fault[len("stop"):])
        cluster.signal(victim, signal.SIGSTOP)
        time.sleep(max(0.0, pause - (now_ns() - t0) / 1e9))
        t1 = now_ns()
        cluster.signal(victim, signal.SIGCONT)
        time.sleep(args.after_resume)
        recovered = wait_until(cluster.converged, args.recover_timeout)
        complete = None
    time.sleep(args.settle)
    t_end = now_ns()
    window = events.since(t0, variants)
    records = {}
    for v in variants:
        det, fails, false_fail, false_by_victim = {}, {}, 0, 0
        for ns, var, obs, member, kind in window:
            if var != v or kind != "fail" or ns > t_end:
                continue
            if member == vname:
                if obs == victim:
                    continue
                fails[obs] = fails.get(obs, 0) + 1
                det.setdefault(obs, (ns - t0) / 1e6)
            elif obs == victim:
                false_by_victim += 1
            else:
                false_fail += 1
        records[v] = {
            "fault": fault, "victim": vname, "observers": len(observers),
            "detection_ms": sorted(det.values()),
            "undetected": len(observers) - len(det),
            "flaps": sum(c - 1 for c in fails.values() if c > 1),
            "false_failures": false_fail,
            "false_by_victim": false_by_victim,
            "window_s": (t_end - t0) / 1e9,
            "all_detected_in_time": complete, "recovered": recovered,
            "load": load, "t0_ns": t0, "t_end_ns": t_end,
        }
    return records


def block_false_failures(events, variants, start_ns, end_ns, records, n):
    """False failures over the whole block, per variant.

    A failure event is true when it names the victim of a fault of the same
    tool and falls inside that fault's window; reported by the victim itself
    inside its window it is counted apart (a resumed or restarted member's
    own view). Everything else from the start of the quiet window on is a
    false failure.
    """
    out = {}
    for v in variants:
        windows = [(r["t0_ns"], r["t_end_ns"], r["victim"]) for r in records
                   if r["variant"] == v]
        false, by_victim = [], 0
        for ns, var, obs, member, kind in events.since(start_ns, {v}):
            if kind != "fail" or ns > end_ns:
                continue
            inside = [w for w in windows if w[0] <= ns <= w[1]]
            if any(member == w[2] for w in inside):
                continue
            if any(f"n{obs}" == w[2] for w in inside):
                by_victim += 1
                continue
            false.append({"t_s": (ns - start_ns) / 1e9, "observer": obs,
                          "member": member})
        hours = n * (end_ns - start_ns) / 1e9 / 3600
        out[v] = {"false_failures": len(false), "false_by_victim": by_victim,
                  "node_hours": hours,
                  "per_node_hour": len(false) / hours if hours else None,
                  "events": false[:50]}
    return out


def measure_quiet(clusters, acct, events, seconds):
    """CPU and bytes of every cluster over `seconds` with no fault."""
    def cpu(c):
        return sum(cpu_seconds(p) or 0 for p in c.pids())
    c0 = {c.tool: cpu(c) for c in clusters}
    b0 = acct.read()
    g0 = {c.tool: c.gossip_bytes_out() for c in clusters
          if isinstance(c, PhidCluster)}
    t0 = now_ns()
    load0 = load_average()
    time.sleep(seconds)
    dt = (now_ns() - t0) / 1e9
    c1 = {c.tool: cpu(c) for c in clusters}
    b1 = acct.read()
    out = {}
    for c in clusters:
        def rate(key):
            return (b1[c.tool][key] - b0[c.tool][key]) / c.n / dt
        rec = {
            "seconds": dt,
            "cpu_s_per_node_s": (c1[c.tool] - c0[c.tool]) / c.n / dt,
            "udp_bytes_per_node_s": rate("udp"),
            "tcp_bytes_per_node_s": rate("tcp"),
            "udp_packets_per_node_s": rate("udp_packets"),
            "tcp_packets_per_node_s": rate("tcp_packets"),
            "bytes_method": acct.method,
            "load": load0,
        }
        rec["bytes_per_node_s"] = (rec["udp_bytes_per_node_s"] +
                                   rec["tcp_bytes_per_node_s"])
        if isinstance(c, PhidCluster):
            g1 = c.gossip_bytes_out()
            if g0.get(c.tool) is not None and g1 is not None:
                rec["phid_metric_payload_bytes_per_node_s"] = (
                    (g1 - g0[c.tool]) / c.n / dt)
        out[c.tool] = rec
    # False failures in the quiet window count too.
    falses = {}
    for ns, var, obs, member, kind in events.since(t0, {v for c in clusters for v in c.variants}):
        if kind == "fail":
            falses[var] = falses.get(var, 0) + 1
    return out, falses


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="5,10,25")
    ap.add_argument("--reps", default="5:10,10:10,25:5",
                    help="repetitions per size, N:R,... (default R=10 for "
                         "N=5 and 10, R=5 for N=25)")
    ap.add_argument("--faults", default="kill,stop3,stop6")
    ap.add_argument("--tools", default="phid,serf-lan,serf-local")
    ap.add_argument("--warmup", type=float, default=10.0)
    ap.add_argument("--quiet", type=float, default=30.0,
                    help="seconds of CPU/bandwidth measurement per size")
    ap.add_argument("--kill_timeout", type=float, default=60.0)
    ap.add_argument("--recover_timeout", type=float, default=30.0)
    ap.add_argument("--after_resume", type=float, default=3.0)
    ap.add_argument("--settle", type=float, default=2.0)
    ap.add_argument("--bin", default="bazel-bin",
                    help="bazel-bin of an opt build with //server:phid and "
                         "//tools/bench:watch_tap")
    ap.add_argument("--out", required=True)
    ap.add_argument("--logdir", default="")
    args = ap.parse_args()

    binaries = {"phid": os.path.join(args.bin, "server/phid"),
                "watch_tap": os.path.join(args.bin, "tools/bench/watch_tap"),
                "serf": shutil.which("serf") or "/usr/bin/serf"}
    for k, v in binaries.items():
        if not os.access(v, os.X_OK):
            sys.exit(f"vs_serf: {k} not found at {v}")
    serf_version = subprocess.run([binaries["serf"], "version"],
                                  capture_output=True, text=True).stdout.strip()
    try:
        serf_pkg = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "serf"],
                                  capture_output=True, text=True).stdout.strip()
    except OSError:
        serf_pkg = ""
    logdir = args.logdir or tempfile.mkdtemp(prefix="phid-vs-serf.")
    os.makedirs(logdir, exist_ok=True)
    log("logs in", logdir)
    # Private copies: a concurrent bazel build must not swap the binaries
    # between a kill and the restart.
    for k in ("phid", "watch_tap"):
        dst = os.path.join(logdir, k)
        shutil.copy2(binaries[k], dst)
        binaries[k] = dst

    reps = {int(k): int(v) for k, v in
            (kv.split(":") for kv in args.reps.split(","))}
    sizes = [int(s) for s in args.sizes.split(",")]
    faults = args.faults.split(",")
    tools = args.tools.split(",")
    result = {"serf_version": serf_version, "serf_package": serf_pkg,
              "sizes": sizes, "reps": reps, "faults": faults,
              "tools": tools, "started": time.strftime("%Y-%m-%d %H:%M:%S"),
              "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"],
                                       capture_output=True, text=True).stdout.strip(),
              "phid_version": subprocess.run(
                  [binaries["phid"], "--version"], capture_output=True,
                  text=True).stdout.strip(),
              "phid_flags": {t: " ".join(TOOLS[t].flags()) for t in tools
                             if issubclass(TOOLS[t], PhidCluster)},
              "command": " ".join(sys.argv),
              "blocks": []}

    acct = Accounting({t: TOOLS[t].port for t in tools})
    clusters = []
    cleanup = cleanup_on_exit(clusters, acct)
    t_start = time.monotonic()
    try:
        for n in sizes:
            events = Events()
            clusters[:] = [TOOLS[t](n, events, logdir, binaries) for t in tools]
            log(f"N={n}: starting {', '.join(tools)}")
            for c in clusters:
                c.start()
            for c in clusters:
                if not wait_until(c.converged, 60):
                    log(f"N={n}: {c.tool} did not converge in 60 s")
            time.sleep(args.warmup)
            log(f"N={n}: quiet window {args.quiet:.0f} s")
            block_start = now_ns()
            quiet, quiet_false = measure_quiet(clusters, acct, events, args.quiet)
            block = {"n": n, "quiet": quiet, "quiet_false_failures": quiet_false,
                     "faults": []}
            r = reps.get(n, 10)
            last_stop = {}
            for rep in range(r):
                for fi, fault in enumerate(faults):
                    # Alternate which tool goes first.
                    k = (rep * len(faults) + fi) % len(clusters)
                    order = clusters[k:] + clusters[:k]
                    # A different victim for every fault; a stopped member's
                    # long interval stays in the observers' phid histories
                    # for a while, so record when it was last stopped.
                    victim = 2 + ((rep * len(faults) + fi) % (n - 1))
                    for c in order:
                        key = (c.tool, victim)
                        since = ((now_ns() - last_stop[key]) / 1e9
                                 if key in last_stop else None)
                        recs = run_fault(c, fault, victim, events, args)
                        if fault.startswith("stop"):
                            last_stop[key] = now_ns()
                        elif fault == "kill":
                            last_stop.pop(key, None)
                        for v, rec in recs.items():
                            rec.update({"variant": v, "tool": c.tool, "rep": rep,
                                        "since_victim_last_stopped_s": since})
                            block["faults"].append(rec)
                            d = rec["detection_ms"]
                            log(f"N={n} rep={rep} {fault:6s} {v:10s} victim={rec['victim']} "
                                f"detected {len(d)}/{rec['observers']} "
                                f"p50={d[len(d) // 2] if d else float('nan'):.0f}ms "
                                f"false={rec['false_failures']} flaps={rec['flaps']}")
            block["false"] = block_false_failures(
                events, [v for c in clusters for v in c.variants], block_start,
                now_ns(), block["faults"], n)
            block["wall_s"] = time.monotonic() - t_start
            result["blocks"].append(block)
            for c in clusters:
                c.stop_all()
            clusters = []
            results_schema.write(args.out, "vs_serf", result)
    finally:
        cleanup()
    result["wall_s"] = time.monotonic() - t_start
    results_schema.write(args.out, "vs_serf", result)
    log("wrote", args.out)


if __name__ == "__main__":
    main()
