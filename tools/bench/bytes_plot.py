#!/usr/bin/env python3
"""Bytes per node per second against cluster size, one line per protocol.

  bytes_plot.py --out=bytes.png SIMULATOR_OUTPUT...

Reads simulator outputs (the markdown `simulator` prints; the header line
names the protocol), groups the runs by protocol and draws bytes per node
per second (IP/UDP headers included) against N on log-log axes, with
Serf lan's measured figure as a reference line when given.
"""

import argparse
import re
import sys

import simbench

PROTOCOL = re.compile(r"protocol (\d+)")


def series(texts):
    """{protocol: [(nodes, bytes_per_node_s), ...] sorted by nodes}."""
    out = {}
    for text in texts:
        for line in text.splitlines():
            if not line.startswith("### "):
                continue
            m = PROTOCOL.search(line)
            protocol = int(m.group(1)) if m else 1
            for run in simbench.parse(line):
                out.setdefault(protocol, []).append(
                    (run["nodes"], run["bytes_per_node_s"]))
    return {p: sorted(points) for p, points in out.items()}


def plot(data, path, serf=None):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    for protocol, points in sorted(data.items()):
        xs = [n for n, _ in points]
        ys = [b for _, b in points]
        ax.plot(xs, ys, marker="o", label=f"phid protocol {protocol}")
    if serf is not None:
        ax.axhline(serf, color="grey", linestyle="--",
                   label=f"Serf lan, measured ({serf:.0f} B/s)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("cluster size N")
    ax.set_ylabel("bytes out per node per second (with IP/UDP)")
    ax.set_title("Steady-state gossip traffic (simulator, lan preset)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--serf", type=float, default=None,
                    help="Serf lan bytes/node/s for a reference line")
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()
    texts = [open(f).read() for f in args.files]
    data = series(texts)
    if not data:
        sys.exit("bytes_plot: no simulator runs in the files given")
    plot(data, args.out, args.serf)
    for protocol, points in sorted(data.items()):
        print(f"protocol {protocol}: " +
              ", ".join(f"N={n}: {b:.0f} B/s" for n, b in points))


if __name__ == "__main__":
    main()
