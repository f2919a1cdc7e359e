# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Latency and throughput of the rollup
#
# **Question.** How long does a trader wait for the operator's acknowledgement (the signed
# soft confirmation), how long until the batch holding the trade is proven and its root
# accepted on L1, and how many trades a second does each stage sustain?
#
# `benchmarks/node.py` drives the operator node (`rollup.node`) through its HTTP API:
# acknowledgements from one client in sequence and from 16 clients at once (store with WAL
# and `synchronous=FULL`, no prover running), the pieces of one acknowledgement timed alone,
# and batches timed end to end against a hardhat node (seal → proved → accepted, from the
# store's timestamps). The machine has 2 cores and was shared with other work while measured.
#
# `ZKDX_NB_MEASURE=1` re-measures acknowledgements at a small size (32 trades) and keeps every
# latency for the histogram; the committed `node.json` holds percentiles only. Without the
# node in this checkout and without `node.json` the notebook says so and draws nothing.

# %%
import importlib.util

import matplotlib.pyplot as plt
from _common import Figures, load_results, run_measurement, thousands
from _results import node_ack, node_notes, node_parts, node_timelines

# %% tags=["parameters"]
MEASURE_ARGS = ["--ack-only", "--trades", "32"]  # benchmarks/node.py options for a re-measurement

# %%
NODE_HERE = importlib.util.find_spec("rollup.node") is not None
remeasure = (lambda out: run_measurement("node", out, *MEASURE_ARGS)) if NODE_HERE else None
data, source = load_results("node", remeasure)
print(source)
figs = Figures("04_node_latency")
if data is None:
    print("Nothing to plot: this checkout has no operator node (rollup.node) to measure and no node.json.")
else:
    print("machine:", data.get("machine"))
    runs, timelines = node_ack(data), node_timelines(data)
    for note in node_notes(data):
        print(note)
    for r in runs:
        print(
            f"{r.name}: {r.n} acknowledgements, p50 {r.p50_ms:,.1f} ms, p99 {r.p99_ms:,.1f} ms, "
            f"{r.trades_per_s:,.1f} trades/s"
        )


# %% [markdown]
# ## Acknowledgement latency
# From the client's request to the signed receipt in its hands. With every latency recorded
# (a re-measurement), a histogram on log-spaced bins; from the committed summary, the median
# and 99th percentile of each run. Concurrent clients queue behind one another, so their
# latency is the sequential one times the queue length.


# %%
def plot_latency(runs: list) -> None:
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    with_all = [r for r in runs if r.latencies_ms]
    if with_all:
        histogram(ax, with_all)
    else:
        percentile_ranges(ax, runs)
    ax.set(xscale="log", xlabel="acknowledgement latency (ms)", title="Time to a signed soft confirmation")
    thousands(ax, "x")
    ax.legend(fontsize=7)
    figs.save(fig, "ack_latency")


def histogram(ax: plt.Axes, runs: list) -> None:
    """Every latency on log-spaced bins, with each run's p50 (solid) and p99 (dashed)."""
    low, high = min(min(r.latencies_ms) for r in runs), max(max(r.latencies_ms) for r in runs)
    bins = [low * (high / low) ** (k / 30) for k in range(31)] if high > low else 10
    for i, r in enumerate(runs):
        ax.hist(r.latencies_ms, bins=bins, histtype="step", lw=1.5, color=f"C{i}", label=f"{r.name}, n = {r.n}")
        ax.axvline(r.p50_ms, color=f"C{i}", lw=0.9, label=f"p50 {r.p50_ms:,.0f} ms")
        ax.axvline(r.p99_ms, color=f"C{i}", ls="--", lw=0.9, label=f"p99 {r.p99_ms:,.0f} ms")
    ax.set_ylabel("acknowledgements")


def percentile_ranges(ax: plt.Axes, runs: list) -> None:
    """The summary the committed file keeps: median to 99th percentile, one row a run."""
    for i, r in enumerate(runs):
        ax.plot([r.p50_ms, r.p99_ms], [i, i], "-", color=f"C{i}", lw=3, alpha=0.5)
        ax.plot([r.p50_ms], [i], "o", color=f"C{i}", label=f"{r.name}: p50 {r.p50_ms:,.0f} ms")
        ax.plot([r.p99_ms], [i], ">", color=f"C{i}", label=f"{r.name}: p99 {r.p99_ms:,.0f} ms")
    ax.set_yticks(range(len(runs)), [f"{r.name}\nn = {r.n}" for r in runs], fontsize=8)
    ax.set_ylim(-0.7, len(runs) - 0.3)
    ax.invert_yaxis()


if data is not None:
    plot_latency(runs)

# %% [markdown]
# ## From trade to L1, per batch
# Each bar is one batch, its segments in the order they happen. For batches timed by
# `benchmarks/node.py`: trades arriving until the batch is sealed, proving, and the L1
# transaction until the root is accepted. For the demo's batches only the proof time and
# seal → accepted were recorded; the rest is the wait behind earlier batches plus L1.


# %%
def plot_timeline(timelines: list) -> None:
    fig, ax = plt.subplots(figsize=(7.6, 0.6 * len(timelines) + 1.6))
    segments = list(dict.fromkeys(k for t in timelines for k in t.segments))
    for row, t in enumerate(timelines):
        left = 0.0
        for name in t.segments:
            width = t.segments[name]
            ax.barh(row, width, left=left, color=f"C{segments.index(name)}")
            left += width
        ax.text(left, row, f" {left:,.0f} s", va="center", fontsize=8)
    for i, name in enumerate(segments):
        ax.barh(0, 0, color=f"C{i}", label=name)  # legend entries, in order
    ax.set_yticks(range(len(timelines)), [f"{t.label} ({t.tx_count} tx)" for t in timelines])
    ax.invert_yaxis()
    ax.set(xlabel="seconds", title="Seal → proof → L1, per batch")
    ax.set_xlim(0, max(t.total_s for t in timelines) * 1.15)
    ax.legend(fontsize=8, bbox_to_anchor=(0.5, -0.18), loc="upper center", ncol=2)
    figs.save(fig, "batch_timeline")


if data is not None and timelines:
    plot_timeline(timelines)
elif data is not None:
    print("node.json has no batches timed end to end (benchmarks/node.py without --ack-only records them).")

# %% [markdown]
# ## Throughput
# Acknowledged trades a second (what the sequencer confirms) against proven trades a second
# (a batch's transactions over the time from its first trade, or its seal where that is all
# that was recorded, to its acceptance on L1). Log scale:
# the two differ by orders of magnitude while one 2-core machine also proves.


# %%
def plot_throughput(runs: list, timelines: list) -> None:
    labels = [f"acknowledged,\n{r.name}" for r in runs] + [f"on L1, {t.label}" for t in timelines]
    rates = [r.trades_per_s for r in runs] + [t.tx_count / t.total_s for t in timelines]
    fig, ax = plt.subplots(figsize=(7.6, 0.5 * len(rates) + 1.6))
    bars = ax.barh(range(len(rates)), rates, color=["C0"] * len(runs) + ["C2"] * len(timelines))
    ax.bar_label(bars, [f"{v:,.3g}" for v in rates], fontsize=8, padding=2)
    ax.set_yticks(range(len(rates)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set(xscale="log", xlabel="trades per second", title="Throughput by stage")
    ax.set_xlim(right=max(rates) * 4)
    figs.save(fig, "throughput")


def plot_parts(parts: dict) -> None:
    fig, ax = plt.subplots(figsize=(6.4, 2.6))
    bars = ax.barh(range(len(parts)), list(parts.values()), color="C4")
    ax.bar_label(bars, [f"{v:,.2f} ms" for v in parts.values()], fontsize=8, padding=2)
    ax.set_yticks(range(len(parts)), list(parts))
    ax.set(xscale="log", xlabel="milliseconds (median, timed alone)", title="Pieces of one acknowledgement")
    ax.set_xlim(right=max(parts.values()) * 4)  # room for the labels
    thousands(ax, "x")
    figs.save(fig, "ack_parts")


if data is not None:
    plot_throughput(runs, timelines)
    plot_parts(node_parts(data))

# %% [markdown]
# ## What the figures say

# %%
if data is not None:
    seq = runs[0]
    parts = node_parts(data)
    top = max(parts, key=parts.get)
    print(
        f"One client waits {seq.p50_ms:,.0f} ms for an acknowledgement at the median ({seq.p99_ms:,.0f} ms at p99); "
        f"the largest piece measured alone is {top} ({parts[top]:,.1f} ms)."
    )
    for r in runs[1:]:
        gain = r.trades_per_s / seq.trades_per_s
        why = "the sequencer, not the number of clients, sets the rate" if gain < 1.5 else "concurrency pays"
        print(
            f"{r.name}: {r.trades_per_s:,.1f} trades/s acknowledged ({gain:.1f}x one client), "
            f"p50 {r.p50_ms:,.0f} ms: {why}."
        )
    for t in timelines:
        print(
            f"{t.label}: {t.total_s:,.0f} s to L1 ({', '.join(f'{k} {v:,.0f} s' for k, v in t.segments.items())}); "
            f"{t.tx_count / t.total_s:.3f} trades/s proven."
        )
figs.finish()
