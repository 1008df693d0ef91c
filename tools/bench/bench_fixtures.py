"""Small, schema-valid results for the report's tests (testonly).

Each builder returns data that results_schema accepts, with the numbers a
test cares about as arguments and everything else filled in.
"""

VARIANT_TOOL = {"phid-8": "phid", "phid-12": "phid",
                "phid-lean-8": "phid-lean",
                "serf-lan": "serf-lan", "serf-local": "serf-local"}


def fault_record(variant, fault, detections, observers=None, since=None,
                 victim="n2", rep=0):
    observers = len(detections) if observers is None else observers
    return {
        "fault": fault, "variant": variant, "tool": VARIANT_TOOL[variant],
        "rep": rep, "victim": victim, "observers": observers,
        "detection_ms": sorted(detections),
        "undetected": observers - len(detections), "flaps": 0,
        "false_failures": 0, "false_by_victim": 0, "window_s": 10.0,
        "all_detected_in_time": True if fault == "kill" else None,
        "recovered": True, "load": [1.0, 1.0, 1.0],
        "t0_ns": 0, "t_end_ns": 10**10,
        "since_victim_last_stopped_s": since,
    }


def quiet_record(cpu_s, bytes_udp, bytes_tcp=0.0, udp_packets=2.0,
                 tcp_packets=None, method="iptables-both", metric=None):
    rec = {"seconds": 30.0, "cpu_s_per_node_s": cpu_s,
           "udp_bytes_per_node_s": bytes_udp,
           "tcp_bytes_per_node_s": bytes_tcp,
           "udp_packets_per_node_s": udp_packets,
           "bytes_per_node_s": bytes_udp + bytes_tcp,
           "bytes_method": method, "load": [1.0, 1.0, 1.0]}
    if tcp_packets is not None:
        rec["tcp_packets_per_node_s"] = tcp_packets
    if metric is not None:
        rec["phid_metric_payload_bytes_per_node_s"] = metric
    return rec


def false_record(count=0, hours=1.0):
    return {"false_failures": count, "false_by_victim": 0,
            "node_hours": hours, "per_node_hour": count / hours,
            "events": []}


def vs_serf(sizes=(5, 10), kill_ms=None, stop_ms=None, cost=None,
            observers=4):
    """vs_serf.json with every variant detecting every fault.

    kill_ms / stop_ms: variant -> detection time (ms) at every observer;
    a variant mapped to None detects nothing. cost: tool -> (cpu s per node
    per s, bytes per node per s).
    """
    kill_ms = kill_ms or {"phid-8": 600, "phid-12": 700,
                          "serf-lan": 6000, "serf-local": 5000}
    stop_ms = stop_ms or {"phid-8": 550, "phid-12": 650,
                          "serf-lan": None, "serf-local": None}
    cost = cost or {"phid": (0.012, 10000.0), "serf-lan": (0.004, 300.0),
                    "serf-local": (0.005, 320.0)}
    blocks = []
    for i, n in enumerate(sizes):
        faults = []
        for fault, per_variant in (("kill", kill_ms), ("stop3", stop_ms)):
            for variant, t in per_variant.items():
                det = [] if t is None else [t + k for k in range(observers)]
                faults.append(fault_record(variant, fault, det, observers))
        blocks.append({
            "n": n,
            "quiet": {tool: quiet_record(c, b) for tool, (c, b) in cost.items()},
            "quiet_false_failures": {},
            "faults": faults,
            "false": {v: false_record() for v in kill_ms},
            "wall_s": 600.0 * (i + 1),
        })
    return {"serf_version": "0.8.2-dev", "serf_package": "0.9.4",
            "sizes": list(sizes), "reps": {str(n): 1 for n in sizes},
            "faults": ["kill", "stop3"], "tools": list(cost),
            "started": "2026-01-01 00:00:00", "commit": "abc1234",
            "blocks": blocks, "wall_s": 600.0 * len(sizes)}


def sim_row(threshold, p50, false_per_node_hour=0.0):
    return {"threshold": float(threshold), "min": p50, "p50": p50,
            "p99": p50 and p50 * 1.2, "max": p50 and p50 * 1.3,
            "undetected": 0, "false": int(false_per_node_hour),
            "false_per_node_hour": false_per_node_hour, "mean_false_ms": 30.0}


def qos_point(nodes, p50_by_threshold, loss=0.0, scenario="crash",
              interval="100ms", victims=3, false_by_threshold=None):
    false_by_threshold = false_by_threshold or {}
    return {"scenario": scenario, "nodes": nodes, "victims": victims,
            "loss": loss, "seed": 1, "bytes_per_node_s": 7000.0,
            "packets_per_node_s": 30.0,
            "rows": [sim_row(t, p, false_by_threshold.get(t, 0.0))
                     for t, p in sorted(p50_by_threshold.items())],
            "command": f"simulator --nodes={nodes}", "duration_s": 600.0,
            "gossip_interval": interval}


def qos(points=None):
    """qos.json: crashes at N=10 and 50, loss 0 and 5 %, phi 2, 8, 12, 16."""
    if points is None:
        base = {2: 600.0, 8: 840.0, 12: 930.0, 16: 1000.0}
        points = [qos_point(n, {t: p * (1 + n / 200) for t, p in base.items()},
                            loss=loss)
                  for n in (10, 50) for loss in (0.0, 0.05)]
    return {"points": points, "date": "2026-01-01 00:00:00",
            "commit": "abc1234"}


def scale_info(scenario, n, loss, rows, bytes_per_node_s=1470.0,
               rumour_ms=502.0, rc=0, duration_s=None):
    """One simbench.py scale run (`scenario` "crash" or "loss"); rc other
    than 0 leaves it unfinished."""
    duration_s = duration_s or (40.0 if scenario == "crash" else 120.0)
    flags = (f"--protocol=2 --nodes={n} --loss={loss:g} --warmup=30s "
             f"--duration={duration_s:g}s --thresholds=4,8,12")
    if scenario != "crash":
        flags = flags.replace("--nodes", f"--scenario={scenario} --nodes")
    run = {"scenario": scenario, "nodes": n, "victims": 1, "loss": loss,
           "seed": 1, "bytes_per_node_s": bytes_per_node_s,
           "packets_per_node_s": 30.5, "rows": rows, "wall_s": 1.0,
           "simulated_s": 70.0, "observer_pauses": 0, "protocol": 2,
           "peak_rss_mb": 20.0}
    if scenario == "crash" and rumour_ms is not None:
        run["rumour_ms"] = rumour_ms
    info = {"command": f"simulator {flags}", "rc": rc,
            "wall_s_measured": 1.0, "limit_s": 1800, "max_gib": 14,
            "stdout": "", "runs": [run] if rc == 0 else [],
            "plan": {"scenario": scenario, "nodes": n, "loss": loss,
                     "duration_s": duration_s}}
    if rc == 0:
        info["max_rss_mb"] = 21.0
    return info


def scale(p99_by_n=None, false_by_n=None, bytes_by_n=None, losses=(0.0, 0.05),
          healthy_s=120.0, timeouts=()):
    """scale.json as simbench.py scale writes it: a crash and a healthy run
    per (N, loss). p99_by_n: N -> phi-8 crash p99 ms (p50 = 0.9 of it);
    false_by_n: N -> phi-8 false suspicions in each healthy run; bytes_by_n:
    N -> healthy bytes per node per second; healthy_s: their simulated
    length; timeouts: (scenario, N) pairs killed at the time limit."""
    p99_by_n = p99_by_n or {10: 590.0, 100: 595.0, 1000: 600.0}
    false_by_n = false_by_n or {}
    bytes_by_n = bytes_by_n or {}
    runs = []
    for n in sorted(p99_by_n):
        for loss in losses:
            p99 = p99_by_n[n]
            rows = [dict(sim_row(t, p99 * 0.9 * t / 8), p99=p99 * t / 8)
                    for t in (4, 8, 12)]
            runs.append(scale_info(
                "crash", n, loss, rows, 1600.0,
                rc="timeout" if ("crash", n) in timeouts else 0))
            false = false_by_n.get(n, 0)
            rows = [dict(sim_row(t, None), false=false if t == 8 else 0)
                    for t in (4, 8, 12)]
            runs.append(scale_info(
                "loss", n, loss, rows, bytes_by_n.get(n, 1470.0),
                duration_s=healthy_s,
                rc="timeout" if ("loss", n) in timeouts else 0))
    return {"runs": runs, "sizes": sorted(p99_by_n), "losses": list(losses),
            "date": "2026-01-01 00:00:00", "commit": "abc1234"}


def machine():
    return {"date": "2026-01-01 00:00:00 UTC", "nproc": 2, "kernel": "6.1",
            "cpu": "Test CPU", "ram_gib": 8.0, "loadavg": [0.5, 0.5, 0.5],
            "commit": "abc1234"}


def with_lean(vs, kill_ms=2500, stop_ms=2400, cost=(0.002, 280.0)):
    """vs with phid's lean preset added, as vs_serf.py --tools=...,phid-lean
    records it (protocol 2: phid_flags present)."""
    vs["tools"].append("phid-lean")
    vs["phid_flags"] = {"phid": "--preset=lan", "phid-lean": "--preset=lean"}
    for b in vs["blocks"]:
        observers = b["faults"][0]["observers"]
        for fault, t in (("kill", kill_ms), ("stop3", stop_ms)):
            b["faults"].append(fault_record(
                "phid-lean-8", fault, [t + k for k in range(observers)],
                observers))
        b["quiet"]["phid-lean"] = quiet_record(*cost)
        b["false"]["phid-lean-8"] = false_record()
    return vs


def hundred(sizes=(10, 100), p50_ms=None, bytes_per_node=None):
    """hundred_daemons.json: one block per size, three kills each."""
    p50_ms = p50_ms or {n: 600.0 for n in sizes}
    bytes_per_node = bytes_per_node or {n: 1500.0 for n in sizes}
    blocks = []
    for n in sizes:
        kills = [{"victim": f"n{v}", "observers": n - 1 - k,
                  "detection_ms": [p50_ms[n]] * (n - 1 - k),
                  "undetected": 0, "load": [1.0, 1.0, 1.0], "t0_ns": 0}
                 for k, v in enumerate((2, 3, 4))]
        blocks.append({
            "n": n, "flags": "--preset=local", "threshold": 8.0,
            "start_s": 1.0, "converged_s": 5.0, "unconverged": [],
            "exited_before_quiet": [],
            "quiet": quiet_record(0.004, bytes_per_node[n], udp_packets=31.0),
            "rss_mb": [20.0] * n, "kills": kills, "false_suspicions": 0,
            "false_events": [], "node_hours": n / 60})
    return {"sizes": list(sizes), "threshold": 8.0,
            "started": "2026-01-01 00:00:00", "commit": "abc1234",
            "phid_version": "phid 0.1.0", "command": "hundred_daemons.py",
            "nproc": 2, "blocks": blocks, "wall_s": 300.0}
