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
# # L1 cost
#
# **Question.** What does posting a batch cost on Ethereum, part by part (proof verification,
# the Poseidon header, calldata, SHA-256 and storage), what does a trade cost as the batch
# grows, and how large must a batch be for a target gas per trade?
#
# `benchmarks/gas.py` deploys the contracts on a pinned hardhat node (Prague rules, EIP-1108
# precompile prices), proves real batches of trades with zkdx and reads `gasUsed` from the
# receipts; the proof verification is measured by calling the verifier on its own, the
# header by calling `PoseidonT5` on its own, and "SHA-256, records, storage" is what remains.
# Gas is deterministic: these are exact, not noisy timings.
#
# `ZKDX_NB_MEASURE=1` re-measures at 4^2 accounts with batches of 1 and 2 trades (a hardhat
# node, two dev setups and about ten proofs: several minutes) instead of reading
# `benchmarks/results/gas.json`.

# %%
import matplotlib.pyplot as plt
from _analysis import fit_linear
from _common import Figures, load_results, log_axes, run_measurement, thousands
from _results import GAS_LABELS, gas_batches

# %% tags=["parameters"]
MEASURE_ARGS = ["--depth", "2", "--sizes", "1,2"]  # benchmarks/gas.py options for a re-measurement
TARGETS = [100_000, 50_000, 20_000, 10_000, 5_000]  # gas per trade to find break-even batch sizes for
MAX_BATCH = 4096  # how far the fitted line is drawn

# %%
data, source = load_results("gas", lambda out: run_measurement("gas", out, *MEASURE_ARGS))
print(source)
batches = gas_batches(data)
depth = max(b.depth for b in batches)  # one tree size per figure: the largest measured
batches = [b for b in batches if b.depth == depth]
figs = Figures("03_l1_cost")
print(f"accounts: 4^{depth}")
for b in batches:
    print(
        f"batch of {b.size:>3}: submitBatch {sum(b.parts.values()):>9,} gas = "
        + " + ".join(f"{v:,} {GAS_LABELS.get(k, k)}" for k, v in b.parts.items())
    )

# %% [markdown]
# ## Gas per batch, by part
# One stacked bar per measured batch size; the total is written on top.

# %%
parts = list(dict.fromkeys(k for b in batches for k in b.parts))
fig, ax = plt.subplots(figsize=(6.4, 4.4))
bottoms = [0] * len(batches)
for i, part in enumerate(parts):
    values = [b.parts.get(part, 0) for b in batches]
    ax.bar(range(len(batches)), values, bottom=bottoms, color=f"C{i}", label=GAS_LABELS.get(part, part))
    bottoms = [x + v for x, v in zip(bottoms, values)]
for i, total in enumerate(bottoms):
    ax.text(i, total * 1.01, f"{total:,}", ha="center", va="bottom", fontsize=8)
ax.set_xticks(range(len(batches)), [f"{b.size}" for b in batches])
ax.set(
    xlabel="trades in the batch",
    ylabel="gas per submitBatch transaction",
    title=f"L1 gas of one batch (4^{depth} accounts)",
)
ax.set_ylim(0, max(bottoms) * 1.12)
thousands(ax, "y")
ax.legend(bbox_to_anchor=(1.02, 1), loc="upper left", fontsize=8)
figs.save(fig, "gas_per_batch")

# %% [markdown]
# ## Gas per trade against batch size
# A batch's gas is very nearly a fixed part (verification, header, the transaction itself)
# plus a part per trade (20 calldata bytes, their SHA-256 words, record parsing): the line
# `gas(n) = F + m·n` is fitted to the measured batches, and gas per trade is `F/n + m`.
# Measured batches are markers; the line beyond them is the model's extrapolation.

# %%
model = fit_linear([(b.size, sum(b.parts.values())) for b in batches])
print(f"fitted: F = {model.fixed:,.0f} gas a batch, m = {model.per_item:,.0f} gas a trade")
ns = [2 ** (k / 4) for k in range(4 * MAX_BATCH.bit_length() - 3)]
fig, ax = plt.subplots(figsize=(6.4, 4.4))
ax.plot(
    ns, [model.per_unit(n) for n in ns], "-", color="C0", label=f"model: {model.fixed:,.0f}/n + {model.per_item:,.0f}"
)
ax.plot([b.size for b in batches], [sum(b.parts.values()) / b.size for b in batches], "o", color="C0", label="measured")
ax.axhline(model.per_item, color="C0", ls=":", lw=0.8, label="per-trade floor m")
for target in TARGETS:
    n = model.break_even(target)
    if n is not None and n <= MAX_BATCH:
        ax.plot([n], [target], "x", color="C3")
        ax.annotate(f"{target:,}: n ≥ {n}", (n, target), xytext=(4, 4), textcoords="offset points", fontsize=7)
log_axes(ax, "trades per batch", "gas per trade", "L1 gas per trade", x_base=2)
thousands(ax, "y")
ax.legend(fontsize=8)
figs.save(fig, "gas_per_trade")

# %% [markdown]
# ## Break-even batch sizes
# The smallest batch whose gas per trade is at or below a target, from the fitted line; a
# target at or below the per-trade floor `m` cannot be reached by batching alone.

# %%
dense = [model.per_item * 10 ** (e / 40) for e in range(1, 200) if model.per_item * 10 ** (e / 40) <= model.total(1)]
fig, ax = plt.subplots(figsize=(6.4, 4.0))
ax.plot(dense, [model.break_even(t) for t in dense], "-", color="C3", drawstyle="steps-post", label="model")
marked = [(t, model.break_even(t)) for t in TARGETS if model.break_even(t) is not None]
ax.plot([t for t, _ in marked], [n for _, n in marked], "o", color="C3")
for t, n in marked:
    ax.annotate(f"{n:,}", (t, n), xytext=(4, 4), textcoords="offset points", fontsize=7)
ax.axvline(model.per_item, color="grey", ls=":", label=f"floor m = {model.per_item:,.0f} gas a trade")
log_axes(ax, "target gas per trade", "smallest batch (trades)", "Break-even batch size")
thousands(ax, "x")
ax.legend(fontsize=8)
figs.save(fig, "break_even")
for t in TARGETS:
    n = model.break_even(t)
    print(f"  {t:>8,} gas a trade: " + (f"batches of {n:,} or more" if n else "not reachable (below the floor)"))

# %% [markdown]
# The line is a model: beyond the measured sizes it leaves out what a larger batch changes on
# L1 (EIP-7623's calldata floor once data outweighs execution, the block gas limit) and that
# the circuit, and so the proving time, grows with the batch (notebook 2).

# %% [markdown]
# ## Everything else users pay for
# The other L1 operations, measured in the same run (one transaction each).

# %%
ops = batches[-1].operations
fig, ax = plt.subplots(figsize=(6.4, 3.4))
bars = ax.barh(range(len(ops)), list(ops.values()), color="C5")
ax.bar_label(bars, [f"{v:,}" for v in ops.values()], fontsize=8, padding=2)
ax.set_yticks(range(len(ops)), [k.replace("_", " ") for k in ops])
ax.set(xlabel="gas per transaction", title="Other L1 operations")
ax.set_xlim(0, max(ops.values()) * 1.2)
thousands(ax, "x")
figs.save(fig, "operations")

# %% [markdown]
# ## What the figures say

# %%
last = batches[-1]
share = 100 * last.parts.get("verification", 0) / sum(last.parts.values())
print(f"In a batch of {last.size}, proof verification is {share:.0f}% of the gas; it does not grow with the batch.")
print(
    f"A batch costs about {model.fixed:,.0f} gas before its first trade and {model.per_item:,.0f} a trade after it, "
    f"so gas per trade falls as 1/n toward {model.per_item:,.0f}."
)
for t in TARGETS:
    n = model.break_even(t)
    print(f"  {t:,} gas a trade needs " + (f"batches of {n:,} trades" if n else "more than batching can give"))
figs.finish()
