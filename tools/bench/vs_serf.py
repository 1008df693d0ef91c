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
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import results_schema

GOSSIP_NET = "127.0.3."
API_NET = "127.0.4."
PHID_PORT, SERF_LAN_PORT, SERF_LOCAL_PORT = 19100, 19200, 19300
PHID_LEAN_PORT = 19400
CHAIN = "PHIDBENCH"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def now_ns():
    return time.monotonic_ns()


def log(*args):
    print(time.strftime("%H:%M:%S"), *args, file=sys.stderr, flush=True)


def cpu_seconds(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK
    except (OSError, IndexError, ValueError):
        return None


class Events:
    """Every membership event any observer of any tool reported."""

    def __init__(self):
        self.lock = threading.Lock()
        self.items = []  # (ns, variant, observer, member, kind)
        # variant -> observer -> member -> 'alive' | 'fail' | 'gone'
        self.state = {}

    def add(self, ns, variant, observer, member, kind):
        with self.lock:
            self.items.append((ns, variant, observer, member, kind))
            self.state.setdefault(variant, {}).setdefault(observer, {})[member] = kind

    def snapshot(self, ns, variant, observer, states):
        with self.lock:
            self.state.setdefault(variant, {})[observer] = dict(states)

    def since(self, t0, variants):
        with self.lock:
            return [e for e in self.items if e[0] >= t0 and e[1] in variants]

    def view(self, variant, observer):
        with self.lock:
            return dict(self.state.get(variant, {}).get(observer, {}))


class Cluster:
    """N members of one tool; subclasses say how to start and read them."""

    port = 0
    variants = ()

    def __init__(self, n, events, logdir, binaries):
        self.n = n
        self.events = events
        self.logdir = logdir
        self.bin = binaries
        self.procs = {}  # i -> Popen

    def name(self, i):
        return f"n{i}"

    def observers(self):
        return list(range(1, self.n + 1))

    def start(self):
        for i in range(1, self.n + 1):
            self.spawn(i)

    def pids(self):
        return [p.pid for p in self.procs.values() if p.poll() is None]

    def signal(self, i, sig):
        os.kill(self.procs[i].pid, sig)

    def kill(self, i):
        self.signal(i, signal.SIGKILL)
        self.procs[i].wait()

    def restart(self, i):
        self.spawn(i)

    def converged(self, members=None):
        """Every variant at every observer sees every member alive."""
        want = {self.name(i) for i in (members or range(1, self.n + 1))}
        for v in self.variants:
            for i in range(1, self.n + 1):
                view = self.events.view(v, i)
                for m in want:
                    if m == self.name(i):
                        continue
                    if view.get(m) != "alive":
                        return False
        return True

    def stop_all(self):
        for p in self.procs.values():
            if p.poll() is None:
                try:
                    p.send_signal(signal.SIGCONT)
                    p.kill()
                except OSError:
                    pass
        for p in self.procs.values():
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass


class PhidCluster(Cluster):
    tool = "phid"
    port = PHID_PORT
    preset = "lan"
    thresholds = (8, 12)
    variants = tuple(f"phid-{t}" for t in thresholds)

    @classmethod
    def flags(cls):
        """The options every member gets besides its addresses."""
        return [f"--preset={cls.preset}"]

    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.tap = None
        self.target_index = {}

    def spawn(self, i):
        ip = GOSSIP_NET + str(i)
        api = API_NET + str(i)
        out = open(os.path.join(self.logdir, f"{self.tool}-{self.n}-n{i}.log"), "ab")
        self.procs[i] = subprocess.Popen(
            [self.bin["phid"], f"--name={self.name(i)}",
             f"--bind={ip}:{self.port}", f"--seeds={GOSSIP_NET}1:{self.port}",
             f"--grpc_address={api}:{self.port + 1}",
             f"--metrics_address={api}:{self.port + 2}", *self.flags()],
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        out.close()

    def start(self):
        super().start()
        self.start_tap()

    def start_tap(self):
        """One watch_tap with a Watch per member and threshold."""
        targets = []
        for i in range(1, self.n + 1):
            t = f"{API_NET}{i}:{self.port + 1}"
            self.target_index[t] = i
            targets.append(t)
        self.tap = subprocess.Popen(
            [self.bin["watch_tap"], "--targets=" + ",".join(targets),
             "--thresholds=" + ",".join(str(t) for t in self.thresholds)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=open(os.path.join(self.logdir, f"tap-{self.tool}-{self.n}.err"),
                        "ab"))
        threading.Thread(target=self._read_tap, daemon=True).start()

    def _read_tap(self):
        kinds = {"ALIVE": "alive", "SUSPECT": "fail", "LEFT": "gone",
                 "REMOVED": "gone"}
        # Line-buffered, so the file can be read while the run goes.
        raw = open(os.path.join(self.logdir, f"tap-{self.tool}-{self.n}.out"), "a",
                   buffering=1)
        for line in self.tap.stdout:
            line = line.decode(errors="replace").rstrip("\n")
            raw.write(line + "\n")
            parts = line.split(" ")
            if len(parts) < 4:
                continue
            ns = int(parts[1])
            obs = self.target_index.get(parts[2])
            variant = f"{self.tool}-{float(parts[3]):g}"
            if parts[0] == "T" and len(parts) >= 8:
                kind = kinds.get(parts[6])
                if kind:
                    self.events.add(ns, variant, obs, parts[4], kind)
            elif parts[0] == "S":
                states = {}
                for item in (parts[4].split(",") if len(parts) > 4 else []):
                    if ":" in item:
                        m, s = item.rsplit(":", 1)
                        states[m] = kinds.get(s, "gone")
                self.events.snapshot(ns, variant, obs, states)
        raw.close()

    def gossip_bytes_out(self):
        """Sum of phid_gossip_bytes_total{direction="out"} (UDP payload)."""
        import urllib.request
        total = 0
        for i in range(1, self.n + 1):
            url = f"http://{API_NET}{i}:{self.port + 2}/metrics"
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    for line in r.read().decode().splitlines():
                        if line.startswith('phid_gossip_bytes_total{direction="out"}'):
                            total += float(line.split()[-1])
            except OSError:
                return None
        return total

    def stop_all(self):
        super().stop_all()
        if self.tap:
            try:
                self.tap.stdin.close()
                self.tap.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self.tap.kill()


class SerfCluster(Cluster):
    profile = ""
    LINE = re.compile(r"serf: EventMember(Join|Failed|Leave|Reap|Update): (\S+)")

    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.variants = (self.tool,)

    def start(self):
        # The others join through n1 and give up if it is not listening yet.
        self.spawn(1)
        wait_until(lambda: self.events.view(self.tool, 1).get("n1") == "alive",
                   10)
        for i in range(2, self.n + 1):
            self.spawn(i)

    def spawn(self, i):
        ip = GOSSIP_NET + str(i)
        args = [self.bin["serf"], "agent", f"-node={self.name(i)}",
                f"-bind={ip}:{self.port}",
                f"-rpc-addr={API_NET}{i}:{self.port + 1}",
                f"-profile={self.profile}", "-log-level=info"]
        if i != 1:
            args.append(f"-join={GOSSIP_NET}1:{self.port}")
        p = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             bufsize=0)
        self.procs[i] = p
        # A restarted agent's view starts empty.
        self.events.snapshot(now_ns(), self.tool, i, {})
        threading.Thread(target=self._read, args=(i, p), daemon=True).start()

    def _read(self, i, p):
        kinds = {"Join": "alive", "Failed": "fail", "Leave": "gone",
                 "Reap": "gone"}
        raw = open(os.path.join(self.logdir, f"{self.tool}-{self.n}-n{i}.log"),
                   "ab")
        for line in iter(p.stdout.readline, b""):
            ns = now_ns()
            raw.write(b"%d " % ns + line)
            m = self.LINE.search(line.decode(errors="replace"))
            if m and m.group(1) in kinds:
                self.events.add(ns, self.tool, i, m.group(2), kinds[m.group(1)])
        raw.close()


class SerfLan(SerfCluster):
    tool = "serf-lan"
    profile = "lan"
    port = SERF_LAN_PORT


class SerfLocal(SerfCluster):
    tool = "serf-local"
    profile = "local"
    port = SERF_LOCAL_PORT


class PhidLean(PhidCluster):
    """phid's lean preset (protocol 2, 500 ms rounds): Serf lan's budget."""
    tool = "phid-lean"
    port = PHID_LEAN_PORT
    preset = "lean"
    thresholds = (8,)
    variants = ("phid-lean-8",)


TOOLS = {"phid": PhidCluster, "serf-lan": SerfLan, "serf-local": SerfLocal,
         "phid-lean": PhidLean}


class Accounting:
    """iptables packet and byte counters per tool, in a chain of our own.

    OUTPUT jumps to the chain for every packet sent on loopback; the chain
    has one rule per tool and protocol, `-m multiport --ports PORT`, which
    matches the gossip port as source or as destination. So both directions
    of a connection count (Serf's TCP push-pull is dialed from 127.0.0.1 and
    an ephemeral port), and a datagram from PORT to PORT counts once. The
    rules have no target, so every packet goes on to the final RETURN.
    """

    COMMENT = re.compile(r"/\* (\S+)/(udp|tcp) \*/")

    def __init__(self, ports, chain=CHAIN):
        """ports: tool -> gossip port; chain: a name no other run uses."""
        self.ok = shutil.which("iptables") is not None
        self.ports = ports
        self.chain = chain
        if not self.ok:
            return
        self.cleanup()
        try:
            self._ipt("-N", self.chain)
            self._ipt("-I", "OUTPUT", "1", "-o", "lo", "-j", self.chain)
            for tool, port in ports.items():
                for proto in ("udp", "tcp"):
                    self._ipt("-A", self.chain, "-p", proto, "-m", "multiport",
                              "--ports", str(port), "-m", "comment",
                              "--comment", f"{tool}/{proto}")
            self._ipt("-A", self.chain, "-j", "RETURN")
        except subprocess.CalledProcessError as e:
            log("iptables accounting unavailable:", e, e.stderr)
            self.cleanup()
            self.ok = False

    @staticmethod
    def _ipt(*args):
        subprocess.run(["iptables", "-w", *args], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    @property
    def method(self):
        """The results_schema.BYTES_METHODS entry for these counters."""
        return "iptables-both" if self.ok else "none"

    def read(self):
        """tool -> {"udp", "tcp": bytes; "udp_packets", "tcp_packets"}"""
        out = {t: {"udp": 0, "tcp": 0, "udp_packets": 0, "tcp_packets": 0}
               for t in self.ports}
        if not self.ok:
            return out
        text = subprocess.run(["iptables", "-w", "-L", self.chain, "-v", "-x", "-n"],
                              check=True, capture_output=True, text=True).stdout
        return self.parse(text, out)

    @classmethod
    def parse(cls, text, out):
        """Adds the counters of `iptables -L -v -x -n` output to out."""
        for line in text.splitlines():
            f = line.split()
            m = cls.COMMENT.search(line)
            if len(f) < 2 or not f[0].isdigit() or not m or m.group(1) not in out:
                continue
            rec = out[m.group(1)]
            rec[m.group(2)] += int(f[1])
            rec[m.group(2) + "_packets"] += int(f[0])
        return out

    def cleanup(self):
        if shutil.which("iptables") is None:
            return
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        subprocess.run(["iptables", "-w", "-D", "OUTPUT", "-o", "lo", "-j",
                        self.chain], **quiet)
        # The jump of versions before the two-way count.
        subprocess.run(["iptables", "-w", "-D", "OUTPUT", "-d",
                        GOSSIP_NET + "0/24", "-j", self.chain], **quiet)
        subprocess.run(["iptables", "-w", "-F", self.chain], **quiet)
        subprocess.run(["iptables", "-w", "-X", self.chain], **quiet)


def wait_until(pred, timeout, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(step)
    return pred()


def load_average():
    with open("/proc/loadavg") as f:
        return [float(x) for x in f.read().split()[:3]]


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

    def cleanup(*_):
        for c in clusters:
            c.stop_all()
        acct.cleanup()

    def on_signal(signum, _):
        cleanup()
        sys.exit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    t_start = time.monotonic()
    try:
        for n in sizes:
            events = Events()
            clusters = [TOOLS[t](n, events, logdir, binaries) for t in tools]
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
