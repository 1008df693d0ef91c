"""vs_serf.py's clusters: phid and Serf daemons started on loopback, their
event streams, and the small helpers (clock, log, CPU time, waits) the
benchmark and hundred_daemons.py share.
"""

import os
import re
import signal
import subprocess
import sys
import threading
import time

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
    """phid's lean preset (protocol 2, 600 ms rounds): Serf lan's budget."""
    tool = "phid-lean"
    port = PHID_LEAN_PORT
    preset = "lean"
    thresholds = (8,)
    variants = ("phid-lean-8",)


TOOLS = {"phid": PhidCluster, "serf-lan": SerfLan, "serf-local": SerfLocal,
         "phid-lean": PhidLean}


def cleanup_on_exit(clusters, acct):
    """Returns cleanup(): stops every cluster in `clusters` (a list the
    caller keeps up to date, in place) and removes acct's firewall rules.
    SIGTERM and SIGINT run it and exit 128 + the signal, so nothing the run
    started outlives it."""
    def cleanup():
        for c in list(clusters):
            c.stop_all()
        acct.cleanup()

    def on_signal(signum, _):
        cleanup()
        sys.exit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    return cleanup


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
