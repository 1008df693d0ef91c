"""The QoS plot: detection time against mistake rate, per threshold.

plot() draws the simulator's curves (one per condition, one point per
threshold) and the measured phid and Serf points of vs_serf.json into a PNG
with matplotlib; without matplotlib or QoS results it draws nothing.
"""

import bench_stats as st
from report_tables import LABEL


def plot(qos, vs, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    if not qos:
        return False
    sizes = sorted({p["nodes"] for p in qos["points"]})
    fig, axes = plt.subplots(1, len(sizes), figsize=(6.2 * len(sizes), 5.2),
                             sharey=True)
    if len(sizes) == 1:
        axes = [axes]
    colors = {0.0: "#1f77b4", 0.01: "#2ca02c", 0.05: "#d62728"}
    real_n = st.MEASURED_N_FOR_SIMULATED_N
    for ax, n in zip(axes, sizes):
        for p in qos["points"]:
            if p["nodes"] != n or st.interval_of(p) != "100ms":
                continue
            hours = p["nodes"] * p["duration_s"] / 3600
            bound = 1 / hours  # one event in the run: the resolution
            xs, ys, hollow = [], [], []
            for r in p["rows"]:
                if r["p50"] is None:
                    continue
                x = r["false_per_node_hour"]
                hollow.append(x == 0)
                xs.append(x if x > 0 else bound)
                ys.append(r["p50"])
            if p["scenario"] == "pause":
                style = dict(color="#9467bd", ls="--", marker="s",
                             label="phid sim: 3 s pause, loss 0%")
            else:
                style = dict(color=colors.get(p["loss"], "k"), ls="-", marker="o",
                             label=f"phid sim: crash, loss {p['loss'] * 100:g}%")
            ax.plot(xs, ys, **{k: v for k, v in style.items() if k != "marker"},
                    lw=1.2)
            for x, y, h, r in zip(xs, ys, hollow, [r for r in p["rows"] if r["p50"] is not None]):
                ax.plot([x], [y], marker=style["marker"], color=style["color"],
                        mfc="white" if h else style["color"], ms=6, ls="none")
                if p["scenario"] == "crash" and p["loss"] == 0.0:
                    ax.annotate(f"φ={r['threshold']:g}", (x, y),
                                textcoords="offset points", xytext=(6, -10),
                                fontsize=8, color="#333333")
        # Measured points: real processes on this machine.
        if vs:
            rn = real_n.get(n)
            for b in vs["blocks"]:
                if b["n"] != rn:
                    continue
                for v, mk, col in (("serf-lan", "^", "#ff7f0e"),
                                   ("serf-local", "v", "#8c564b"),
                                   ("phid-8", "*", "#17becf"),
                                   ("phid-12", "P", "#17becf")):
                    s = st.detection_stats(b, v, "kill")
                    f = b.get("false", {}).get(v)
                    if s["p50"] is None or not f:
                        continue
                    x = f["per_node_hour"]
                    zero = x == 0
                    if zero:
                        x = 1 / f["node_hours"]
                    ax.plot([x], [s["p50"]], marker=mk, color=col, ms=11,
                            mfc="white" if zero else col, mew=2, ls="none",
                            label=f"{LABEL[v]} measured, N={rn}, kill -9")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(f"N = {n} (simulated); measured points N = {real_n.get(n)}")
        ax.set_xlabel("false suspicions per node-hour (λ_M); hollow = none seen, "
                      "plotted at 1 event/run", fontsize=9)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7.5, loc="upper right")
    from matplotlib.ticker import FuncFormatter
    from matplotlib.ticker import FixedLocator, NullFormatter
    lo, hi = axes[0].get_ylim()
    ticks = [t for t in (200, 300, 400, 500, 700, 1000, 1500, 2000, 3000, 5000,
                         7000, 10000, 15000, 20000, 30000, 50000)
             if lo <= t <= hi]
    for ax in axes:
        ax.yaxis.set_major_locator(FixedLocator(ticks))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    axes[0].set_ylabel("detection time p50 (ms), log scale")
    fig.suptitle("Detection time vs mistake rate: phid thresholds φ = 1..16 "
                 "(simulator) and measured phid / Serf points", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return True
