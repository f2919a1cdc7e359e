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
# # Prover scaling: zkdx against snarkjs
#
# **Question.** How do proving time and memory grow with the number of constraints, for zkdx
# and for snarkjs proving the same circuit, and where does zkdx's time go?
#
# The circuits are circomlib Poseidon Merkle paths compiled by circom (`--O2`), sized to fill
# 2^k evaluation domains. Each prover runs as its own process, the two alternating, on the
# same files (`benchmarks/prove.py`); wall time includes process start and reading the key
# and witness. The machine has 2 cores and was shared with other work while measured, so wall
# times are noisy: every run is drawn, not only the median.
#
# The last section turns to a real ledger batch (`benchmarks/batch_prove.py`): there the
# witness values of the batch circuit, not the MSMs, can dominate.
#
# `ZKDX_NB_MEASURE=1` re-measures at the sizes in the parameter cell (2^10 constraints, about a
# minute; a batch of one trade at 2^4 accounts, about 15 s) instead of reading
# `benchmarks/results/prove.json` and `batch_prove.json`.

# %%
import matplotlib.pyplot as plt
from _analysis import loglog_slope
from _common import Figures, load_results, log_axes, pow2_label, run_measurement, thousands
from _results import PHASE_LABELS, batch_proofs, log2_of, prover_sizes

# %% tags=["parameters"]
MEASURE_ARGS = ["--sizes", "10", "--reps", "1", "--no-cold"]  # benchmarks/prove.py options (no cold-cache start-up)
BATCH_MEASURE_ARGS = ["--depth", "2", "--batch", "1"]  # benchmarks/batch_prove.py options

# %%
data, source = load_results("prove", lambda out: run_measurement("prove", out, *MEASURE_ARGS))
print(source)
print("machine:", data.get("machine"), "| workers:", data.get("workers"), "| runs per size:", data.get("reps"))
rows = prover_sizes(data)
figs = Figures("01_prover_scaling")
TOOLS = {"zkdx": "C0", "snarkjs": "C1"}
xs = [r.constraints for r in rows]
print(
    f"{'size':>6} {'constraints':>11} {'zkdx s':>8} {'snarkjs s':>9} {'ratio':>6} {'zkdx MiB':>9} {'snarkjs MiB':>11}"
)
for r in rows:
    print(
        f"{r.label:>6} {r.constraints:>11,} {r.wall['zkdx']:>8.2f} {r.wall['snarkjs']:>9.2f} "
        f"{r.wall['zkdx'] / r.wall['snarkjs']:>6.2f} {r.rss_mib['zkdx']:>9.0f} {r.rss_mib['snarkjs']:>11.0f}"
    )


# %% [markdown]
# ## Time against constraints
# Medians as markers joined by lines; each run as a small dot. CPU time (user + system of
# the process and its workers), where the file records it, is dashed: it does not depend on
# what else the machine was running.


# %%
def slope_note(values: list[float]) -> str:
    return f", slope {loglog_slope(xs, values):.2f}" if len(set(xs)) > 1 else ""


fig, ax = plt.subplots(figsize=(6.4, 4.4))
for tool, colour in TOOLS.items():
    walls = [r.wall[tool] for r in rows]
    ax.plot(xs, walls, "o-", color=colour, label=f"{tool}, wall{slope_note(walls)}")
    for r in rows:
        ax.plot([r.constraints] * len(r.wall_runs[tool]), r.wall_runs[tool], ".", color=colour, alpha=0.35, ms=4)
    if all(tool in r.cpu for r in rows):
        cpus = [r.cpu[tool] for r in rows]
        ax.plot(xs, cpus, "s--", color=colour, mfc="none", label=f"{tool}, CPU{slope_note(cpus)}")
log_axes(ax, "constraints", "time per proof (s)", "Groth16 proving time, whole process")
thousands(ax, "x")
thousands(ax, "y")
ax.legend()
figs.save(fig, "time_vs_constraints")

# %% [markdown]
# ## Memory against constraints
# Peak resident set size of the proving process (for zkdx the largest of the process and its
# workers, from `wait4`).

# %%
fig, ax = plt.subplots(figsize=(6.4, 4.4))
for tool, colour in TOOLS.items():
    ax.plot(xs, [r.rss_mib[tool] for r in rows], "o-", color=colour, label=tool)
log_axes(ax, "constraints", "peak RSS (MiB)", "Prover memory")
thousands(ax, "x")
thousands(ax, "y")
ax.legend()
figs.save(fig, "memory_vs_constraints")

# %% [markdown]
# ## Where zkdx's time goes
# Each bar is one size; the segments are the phases zkdx reports, as shares of their sum
# (the MSMs run in parallel on worker processes, so their seconds can add up to more than the
# wall time). The wall time of the whole process is written above each bar.

# %%
phase_keys = list(dict.fromkeys(k for r in rows for k in r.phases))
fig, ax = plt.subplots(figsize=(7.2, 4.6))
bottoms = [0.0] * len(rows)
colours = plt.get_cmap("tab20")
for i, key in enumerate(phase_keys):
    shares = [100 * r.phases.get(key, 0.0) / sum(r.phases.values()) for r in rows]
    ax.bar(range(len(rows)), shares, bottom=bottoms, color=colours(i), label=PHASE_LABELS.get(key, key))
    bottoms = [b + s for b, s in zip(bottoms, shares)]
for i, r in enumerate(rows):
    ax.text(i, 101, f"{r.wall['zkdx']:.1f} s", ha="center", va="bottom", fontsize=8)
ax.set_xticks(range(len(rows)), [f"{pow2_label(2 ** log2_of(r.label))}\n{r.constraints:,}" for r in rows])
ax.set(xlabel="domain size and constraints", ylabel="share of phase time (%)", ylim=(0, 110), title="zkdx proof phases")
ax.legend(bbox_to_anchor=(1.02, 1), loc="upper left", fontsize=8)
figs.save(fig, "phases")

# %% [markdown]
# ## The ratio zkdx / snarkjs
# Below 1, zkdx is faster. Wall time is what a user waits; the CPU ratio (where recorded)
# is the fairer comparison on a loaded machine.

# %%
fig, ax = plt.subplots(figsize=(6.4, 4.0))
ax.plot(xs, [r.wall["zkdx"] / r.wall["snarkjs"] for r in rows], "o-", color="C2", label="wall time")
if all(len(r.cpu) == 2 for r in rows):
    ax.plot(xs, [r.cpu["zkdx"] / r.cpu["snarkjs"] for r in rows], "s--", color="C4", label="CPU time")
ax.plot(xs, [r.rss_mib["zkdx"] / r.rss_mib["snarkjs"] for r in rows], "^:", color="C7", label="peak memory")
ax.axhline(1.0, color="black", lw=0.8)
log_axes(ax, "constraints", "zkdx / snarkjs", "zkdx relative to snarkjs", y_log=False)
thousands(ax, "x")
ax.set_ylim(bottom=0)
ax.legend()
figs.save(fig, "ratio")

# %% [markdown]
# ## A real ledger batch
# One batch of trades proven end to end, as the operator's prover process does it: the
# circuit compiled once, then per proof the witness values (the batch circuit evaluated on
# the transactions) and the Groth16 phases. Seconds, not shares: each segment is one phase;
# the one-off compile and setup of the process are written beside the bar.

# %%
batch_data, batch_source = load_results(
    "batch_prove", lambda out: run_measurement("batch_prove", out, *BATCH_MEASURE_ARGS)
)
print(batch_source)
batches = batch_proofs(batch_data)
fig, ax = plt.subplots(figsize=(7.6, 1.2 + 0.9 * len(batches)))
batch_keys = list(dict.fromkeys(k for b in batches for k in b.phases))
lefts = [0.0] * len(batches)
for i, key in enumerate(batch_keys):
    widths = [b.phases.get(key, 0.0) for b in batches]
    ax.barh(range(len(batches)), widths, left=lefts, color=colours(i), label=PHASE_LABELS.get(key, key))
    lefts = [left + w for left, w in zip(lefts, widths)]
for i, b in enumerate(batches):
    once = ", ".join(f"{k.replace('_', ' ')} {v:,.0f} s" for k, v in b.one_off.items())
    ax.text(lefts[i], i, f" {b.prove_s:,.0f} s\n (once: {once})", va="center", fontsize=8)
ax.set_yticks(
    range(len(batches)),
    [f"{b.batch_size} trades, {pow2_label(b.accounts)} accounts\n{b.constraints:,} constraints" for b in batches],
)
ax.set_xlim(0, 1.35 * max(lefts))
ax.set(xlabel="seconds", title="Proving one ledger batch, by phase")
ax.legend(bbox_to_anchor=(0.5, -0.35 - 0.1 / len(batches)), loc="upper center", ncol=3, fontsize=8)
figs.save(fig, "batch_phases")

# %% [markdown]
# ## What the figures say
# The numbers below are computed from the data just plotted, so they stay true when the
# benchmark is re-run.

# %%
big = rows[-1]
ratio = big.wall["zkdx"] / big.wall["snarkjs"]
print(
    f"At {big.constraints:,} constraints zkdx takes {big.wall['zkdx']:.1f} s and snarkjs {big.wall['snarkjs']:.1f} s "
    f"(zkdx/snarkjs = {ratio:.2f}: zkdx is {'faster' if ratio < 1 else 'slower'})."
)
if len(rows) > 1:
    for tool in TOOLS:
        print(
            f"{tool}: time grows as constraints^{loglog_slope(xs, [r.wall[tool] for r in rows]):.2f} over the range "
            f"(1.0 would be linear; fixed start-up costs pull small sizes up and the slope down)."
        )
top = max(big.phases, key=big.phases.get)
share = 100 * big.phases[top] / sum(big.phases.values())
print(f"zkdx's largest phase at that size: {PHASE_LABELS.get(top, top)} ({share:.0f}% of the phase time).")
print(f"Peak memory there: zkdx {big.rss_mib['zkdx']:.0f} MiB, snarkjs {big.rss_mib['snarkjs']:.0f} MiB.")
for b in batches:
    top = max(b.phases, key=b.phases.get)
    print(
        f"A batch of {b.batch_size} at {b.accounts:,} accounts ({b.constraints:,} constraints) proves in "
        f"{b.prove_s:,.0f} s; its largest phase is {PHASE_LABELS.get(top, top)} "
        f"({100 * b.phases[top] / sum(b.phases.values()):.0f}% of the phase time)."
    )
figs.finish()
