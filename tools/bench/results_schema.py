"""The JSON files under tools/bench/results: every field, in one place.

Writers (vs_serf.py, simbench.py, report.py --machine) save through write(),
which refuses a result that does not match its schema; report.py reads
through load(). A field not named here is an error, so a writer that adds one
must add it here first, with what it means.

  vs_serf.json   phid against Serf, real processes (vs_serf.py)
  qos.json       simulator QoS curves (simbench.py qos)
  scale.json     simulator scale runs (simbench.py scale)
  machine.json   the machine the runs used (report.py --machine)
  hundred_daemons.json  many real daemons on loopback (hundred_daemons.py)

Types: NUMBER is an int or a float (never a bool); Nullable(t) also allows
null; Optional fields may be absent.
"""

import json
import re


class SchemaError(ValueError):
    """A results file that does not match its schema; the message lists why."""


class _Type:
    def check(self, value, path, errors):
        raise NotImplementedError


class _Scalar(_Type):
    def __init__(self, name, accept):
        self.name = name
        self.accept = accept

    def check(self, value, path, errors):
        if not self.accept(value):
            errors.append(f"{path}: expected {self.name}, got {value!r:.40}")


NUMBER = _Scalar("a number", lambda v: isinstance(v, (int, float)) and
                 not isinstance(v, bool))
INT = _Scalar("an integer", lambda v: isinstance(v, int) and
              not isinstance(v, bool))
STR = _Scalar("a string", lambda v: isinstance(v, str))
BOOL = _Scalar("a boolean", lambda v: isinstance(v, bool))


class Nullable(_Type):
    def __init__(self, inner):
        self.inner = inner

    def check(self, value, path, errors):
        if value is not None:
            self.inner.check(value, path, errors)


class OneOf(_Type):
    """Any of the given types, e.g. an exit status or the word "timeout"."""

    def __init__(self, *options):
        self.options = options

    def check(self, value, path, errors):
        for option in self.options:
            trial = []
            option.check(value, path, trial)
            if not trial:
                return
        errors.append(f"{path}: {value!r:.40} matches none of the allowed types")


class Enum(_Type):
    def __init__(self, *values):
        self.values = values

    def check(self, value, path, errors):
        if value not in self.values:
            errors.append(f"{path}: {value!r:.40} is not one of {self.values}")


class ListOf(_Type):
    def __init__(self, item):
        self.item = item

    def check(self, value, path, errors):
        if not isinstance(value, list):
            errors.append(f"{path}: expected a list")
            return
        for i, v in enumerate(value):
            self.item.check(v, f"{path}[{i}]", errors)


class MapOf(_Type):
    """An object whose keys match `key` (a regular expression)."""

    def __init__(self, key, value):
        self.key = re.compile(key)
        self.value = value

    def check(self, value, path, errors):
        if not isinstance(value, dict):
            errors.append(f"{path}: expected an object")
            return
        for k, v in value.items():
            if not self.key.fullmatch(k):
                errors.append(f"{path}: unexpected key {k!r}")
            self.value.check(v, f"{path}.{k}", errors)


class Optional:
    """A record field that may be absent."""

    def __init__(self, inner):
        self.inner = inner


class Record(_Type):
    """An object with named fields; fields not named are errors."""

    def __init__(self, fields):
        self.fields = fields

    def check(self, value, path, errors):
        if not isinstance(value, dict):
            errors.append(f"{path}: expected an object")
            return
        for name, kind in self.fields.items():
            if name not in value:
                if not isinstance(kind, Optional):
                    errors.append(f"{path}.{name}: missing")
                continue
            inner = kind.inner if isinstance(kind, Optional) else kind
            inner.check(value[name], f"{path}.{name}", errors)
        for name in value:
            if name not in self.fields:
                errors.append(f"{path}.{name}: not a field of this schema")


# ----------------------------------------------------------------- vs_serf

# The variants a fault record can belong to: one per phid Watch threshold,
# one per Serf profile. "phid-lean" is phid's lean preset (vs_serf.py
# --tools=...,phid-lean), watched at threshold 8 only.
VARIANTS = ("phid-8", "phid-12", "serf-lan", "serf-local", "phid-lean-8")
TOOLS = ("phid", "serf-lan", "serf-local", "phid-lean")
FAULTS = ("kill", "stop3", "stop6")

# How a quiet record's bytes were counted:
#   "iptables"       rules behind `-d 127.0.3.0/24` on OUTPUT: Serf's TCP
#                    replies to a dialer's 127.0.0.1 source were missed, and
#                    only UDP packets were kept (runs before the fix).
#   "iptables-both"  rules on OUTPUT matching the tool's port as source or
#                    destination, UDP and TCP, every packet on loopback
#                    counted once; TCP packet counts kept.
#   "none"           iptables was unavailable; the byte fields are 0.
BYTES_METHODS = ("iptables", "iptables-both", "none")

QUIET = Record({
    "seconds": NUMBER,                  # length of the window
    "cpu_s_per_node_s": NUMBER,         # utime+stime per member per second
    "udp_bytes_per_node_s": NUMBER,     # IP packets, headers included
    "tcp_bytes_per_node_s": NUMBER,
    "udp_packets_per_node_s": NUMBER,
    "tcp_packets_per_node_s": Optional(NUMBER),  # "iptables-both" only
    "bytes_per_node_s": NUMBER,         # UDP + TCP
    "bytes_method": Enum(*BYTES_METHODS),
    "load": ListOf(NUMBER),             # /proc/loadavg at the start
    # phid only: phid_gossip_bytes_total{direction="out"}, UDP payload.
    "phid_metric_payload_bytes_per_node_s": Optional(NUMBER),
})

FAULT_RECORD = Record({
    "fault": Enum(*FAULTS),
    "variant": Enum(*VARIANTS),
    "tool": Enum(*TOOLS),
    "rep": INT,
    "victim": STR,                      # member name, e.g. "n3"
    "observers": INT,                   # surviving members
    "detection_ms": ListOf(NUMBER),     # one per observer that detected
    "undetected": INT,
    "flaps": INT,                       # failure reports beyond the first
    "false_failures": INT,              # of members other than the victim
    "false_by_victim": INT,             # reported by the victim itself
    "window_s": NUMBER,
    "all_detected_in_time": Nullable(BOOL),  # kill only
    "recovered": BOOL,
    "load": ListOf(NUMBER),
    "t0_ns": INT,                       # CLOCK_MONOTONIC of the signal
    "t_end_ns": INT,
    "since_victim_last_stopped_s": Nullable(NUMBER),
})

FALSE_FAILURES = Record({
    "false_failures": INT,
    "false_by_victim": INT,
    "node_hours": NUMBER,
    "per_node_hour": Nullable(NUMBER),
    "events": ListOf(Record({"t_s": NUMBER, "observer": INT, "member": STR})),
})

BLOCK = Record({
    "n": INT,
    "quiet": MapOf("|".join(TOOLS), QUIET),
    "quiet_false_failures": MapOf("|".join(VARIANTS), INT),
    "faults": ListOf(FAULT_RECORD),
    "false": Optional(MapOf("|".join(VARIANTS), FALSE_FAILURES)),
    "wall_s": Optional(NUMBER),         # since the start of the whole run
})

VS_SERF = Record({
    "serf_version": STR,                # `serf version`
    "serf_package": STR,                # dpkg version, "" if unknown
    "sizes": ListOf(INT),
    "reps": MapOf(r"\d+", INT),         # N (as a string) -> repetitions
    "faults": ListOf(Enum(*FAULTS)),
    "tools": ListOf(Enum(*TOOLS)),
    "started": STR,                     # local time, "%Y-%m-%d %H:%M:%S"
    "commit": STR,                      # phid's `git rev-parse --short HEAD`
    "phid_version": Optional(STR),      # `phid --version` of the binary run
    # phid tool -> the options every member got besides its addresses,
    # e.g. "--preset=lan".
    "phid_flags": Optional(MapOf("phid|phid-lean", STR)),
    "command": Optional(STR),           # vs_serf.py's command line
    "blocks": ListOf(BLOCK),
    "wall_s": Optional(NUMBER),         # absent while the run is going
})

# --------------------------------------------------------------- simulator

SIM_ROW = Record({
    "threshold": NUMBER,
    "min": Nullable(NUMBER),            # detection times, ms; null: none
    "p50": Nullable(NUMBER),
    "p99": Nullable(NUMBER),
    "max": Nullable(NUMBER),
    "undetected": INT,
    "false": INT,                       # false suspicions
    "false_per_node_hour": NUMBER,      # per observer-hour
    "mean_false_ms": NUMBER,            # mean mistake duration
})

_SIM_RUN_FIELDS = {
    "scenario": Enum("crash", "pause", "loss", "partition", "join_storm"),
    "nodes": INT,
    "victims": INT,
    "loss": NUMBER,                     # a fraction, 0.05 = 5 %
    "seed": INT,
    # Over all N members, crashed ones included, from the fault to the end.
    # Runs that print "protocol" (simulators since commit bd85e05) count
    # 28 bytes of IP/UDP header a datagram; older runs, payload only
    # (bench_stats.wire_bytes).
    "bytes_per_node_s": NUMBER,
    "packets_per_node_s": NUMBER,
    "rows": ListOf(SIM_ROW),
    "dissemination_rounds": Optional(NUMBER),  # join_storm
    "wall_s": Optional(NUMBER),
    "simulated_s": Optional(NUMBER),    # warm-up and join included
    "observer_pauses": Optional(INT),   # local pauses the nodes detected
    "protocol": Optional(INT),          # the gossip protocol simulated
    "peak_rss_mb": Optional(NUMBER),    # the simulator's own VmHWM
    # Protocol 2 crash: from the crash until every live observer held a
    # quorum of reports on the victim ("reports everywhere"); absent if
    # not within half the run.
    "rumour_ms": Optional(NUMBER),
}
SIM_RUN = Record(_SIM_RUN_FIELDS)

QOS_POINT = Record(dict(_SIM_RUN_FIELDS, **{
    "command": STR,
    "duration_s": NUMBER,
    "gossip_interval": STR,             # "100ms", "300ms", "1s"
}))

QOS = Record({
    "points": ListOf(QOS_POINT),
    "date": STR,
    "commit": STR,
})

SCALE_RUN = Record({
    "command": STR,
    "rc": OneOf(INT, Enum("timeout")),
    "wall_s_measured": NUMBER,
    "limit_s": NUMBER,
    "max_gib": Nullable(NUMBER),        # address-space limit
    "max_rss_mb": Optional(NUMBER),     # from /usr/bin/time -v
    "user_s": Optional(NUMBER),
    "runs": ListOf(SIM_RUN),            # empty if it did not finish
    "stdout": STR,                      # the tail
    "stderr_tail": Optional(STR),       # when rc != 0
    # What the run was for (simbench.py scale_plan), so that a run that did
    # not finish still names its row. Absent in runs before issue 11's
    # table.
    "plan": Optional(Record({
        "scenario": Enum("crash", "loss"),
        "nodes": INT,
        "loss": NUMBER,
        "duration_s": NUMBER,           # simulated, after the warm-up
        "prejoined": Optional(BOOL),    # simulator --prejoined
    })),
    # Of this run (simbench.py scale --append keeps runs of earlier
    # commits); absent in older files, where the file's own apply.
    "date": Optional(STR),
    "commit": Optional(STR),
})

SCALE = Record({
    "runs": ListOf(SCALE_RUN),
    "sizes": Optional(ListOf(INT)),     # simbench.py scale --sizes
    "losses": Optional(ListOf(NUMBER)),  # --losses
    "date": STR,
    "commit": STR,
})

# --------------------------------------------------------- hundred daemons

KILL_RECORD = Record({
    "victim": STR,                      # member name, e.g. "n50"
    "observers": INT,                   # daemons still running
    "detection_ms": ListOf(NUMBER),     # one per observer that detected
    "undetected": INT,
    "load": ListOf(NUMBER),             # /proc/loadavg just before
    "t0_ns": INT,                       # CLOCK_MONOTONIC of the signal
})

HUNDRED_BLOCK = Record({
    "n": INT,
    "flags": STR,                       # every daemon's, e.g. "--preset=local"
    "threshold": NUMBER,                # of the Watch on every daemon
    "start_s": NUMBER,                  # until the last daemon was spawned
    "converged_s": Nullable(NUMBER),    # from the first spawn until every
                                        # daemon saw every other ALIVE; null:
                                        # not within the timeout
    # Observers that never saw every member ALIVE: who, and whom they missed.
    "unconverged": ListOf(Record({"observer": STR, "missing": ListOf(STR),
                                  "missing_count": INT})),
    "exited_before_quiet": ListOf(STR),  # daemons that died on their own
    "quiet": QUIET,                     # tool "phid-local"; no fault
    "rss_mb": ListOf(NUMBER),           # VmRSS of every daemon, sorted
    "kills": ListOf(KILL_RECORD),       # one after another, not restarted
    # SUSPECTs before the quiet window (members joining), and how many
    # (observer, member) pairs were still SUSPECT when it began.
    "startup_suspicions": Optional(INT),
    "startup_suspicions_open": Optional(INT),
    "false_suspicions": INT,            # SUSPECT of a member not killed
    "false_events": ListOf(Record({"t_s": NUMBER, "observer": INT,
                                   "member": STR})),  # the first 50
    "node_hours": NUMBER,               # daemons x (quiet window + kills)
})

HUNDRED = Record({
    "sizes": ListOf(INT),
    "threshold": NUMBER,
    "started": STR,                     # local time, "%Y-%m-%d %H:%M:%S"
    "commit": STR,
    "phid_version": STR,
    "command": STR,
    "nproc": INT,
    "blocks": ListOf(HUNDRED_BLOCK),
    "wall_s": Optional(NUMBER),         # absent while the run is going
})

# ----------------------------------------------------------------- machine

MACHINE = Record({
    "date": STR,
    "nproc": INT,
    "kernel": STR,
    "cpu": Optional(STR),
    "ram_gib": Optional(NUMBER),
    "loadavg": Optional(ListOf(NUMBER)),
    "commit": Optional(STR),
})

SCHEMAS = {"vs_serf": VS_SERF, "qos": QOS, "scale": SCALE,
           "machine": MACHINE, "hundred_daemons": HUNDRED}
FILES = {kind: f"{kind}.json" for kind in SCHEMAS}


def errors(kind, data):
    """Every way `data` differs from the schema of `kind`; [] if it fits."""
    out = []
    SCHEMAS[kind].check(data, kind, out)
    return out


def validate(kind, data):
    """Raises SchemaError if `data` does not fit the schema of `kind`."""
    found = errors(kind, data)
    if found:
        more = f" (and {len(found) - 10} more)" if len(found) > 10 else ""
        raise SchemaError(f"{kind}: " + "; ".join(found[:10]) + more)


def load(path, kind):
    """The validated contents of a results file, or None if it is absent."""
    try:
        with open(path) as f:
            data = json.load(f)
    except FileNotFoundError:
        return None
    except ValueError as e:
        raise SchemaError(f"{path}: not JSON: {e}") from e
    validate(kind, data)
    return data


def write(path, kind, data):
    """Validates `data` as it will read back (JSON object keys become
    strings), then writes it, indented, to `path`."""
    text = json.dumps(data, indent=1)
    validate(kind, json.loads(text))
    with open(path, "w") as f:
        f.write(text)
