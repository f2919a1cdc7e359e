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
# # Where a trade's constraints go
#
# **Question.** What does one more transaction cost the batch circuit, component by
# component, how does that change with the size of the account tree (2^16, 2^20, 2^24
# accounts) and with the batch size, and what does binding the posted data by SHA-256 cost
# against packing it into public inputs?
#
# Counts come from SETUP-mode synthesis of the real circuits (`benchmarks/constraints.py`), so
# they are exact, not timings. Every transaction type uses the same slot; a trade costs one
# slot plus SHA-256 over its 20-byte record. The project's goal is 30,000 constraints a trade.
#
# `ZKDX_NB_MEASURE=1` re-counts a small subset (2^16 accounts, batches of 1 and 2, about a
# minute) instead of reading `benchmarks/results/constraints.json`.

# %%
import math

import matplotlib.pyplot as plt
from _analysis import fit_linear
from _common import Figures, load_results, log_axes, pow2_label, run_measurement, thousands
from _results import batch_totals, binding_rows, merkle_rows, trade_breakdowns

from circuits.ledger.params import RECORD_BYTES

# %% tags=["parameters"]
GOAL_PER_TRADE = 30_000  # constraints a trade, the project's target
HEADER_BYTES = 32 + 1 + 5  # hashed before the records: the Poseidon header, the format version, the batch time
VERIFIER_GAS_PER_INPUT = 6_000 + 150 + 32 * 16  # ecMul + ecAdd (EIP-1108) and one calldata word

# %%
data, source = load_results("constraints", lambda out: run_measurement("constraints", out))
print(source)
trades = trade_breakdowns(data, RECORD_BYTES)
figs = Figures("02_trade_constraints")
for t in trades:
    print(f"2^{t.log_accounts} accounts: {t.total:,} constraints a trade")
    for name, n in t.components.items():
        print(f"    {n:>7,}  {name}")

# %% [markdown]
# ## One trade, by component
# A slot's components at each tree size, plus its share of the SHA-256 data binding
# (block cost × 20/64). Only the Merkle updates grow with the tree: one arity-4 level per
# factor of 4 in accounts.

# %%
fig, ax = plt.subplots(figsize=(8.0, 3.6))
names = list(dict.fromkeys(k for t in trades for k in t.components))
colours = plt.get_cmap("tab10")
for row, t in enumerate(trades):
    left = 0
    for i, name in enumerate(names):
        width = t.components.get(name, 0)
        ax.barh(row, width, left=left, color=colours(i % 10), label=name if row == 0 else None)
        left += width
    ax.text(left + 300, row, f"{left:,}", va="center", fontsize=8)
ax.axvline(GOAL_PER_TRADE, color="black", ls="--", lw=1, label=f"goal: {GOAL_PER_TRADE:,} a trade")
ax.set_yticks(range(len(trades)), [f"{pow2_label(2**t.log_accounts)} accounts" for t in trades])
ax.set(xlabel="constraints per trade", title="Constraints one trade adds to the batch circuit")
ax.set_xlim(0, max(GOAL_PER_TRADE, max(t.total for t in trades)) * 1.12)
thousands(ax, "x")
ax.legend(bbox_to_anchor=(0.5, -0.22), loc="upper center", ncol=2, fontsize=8)
figs.save(fig, "per_trade_components")

# %% [markdown]
# ## Against the batch size
# The batch circuit's total and its cost per transaction. A batch has fixed parts (the
# header hash, the SHA-256 padding and the final block), so the cost per transaction falls
# toward the marginal cost of a slot plus its 20 bytes (dashed).

# %%
totals = batch_totals(data)
fig, (ax_total, ax_per) = plt.subplots(1, 2, figsize=(10.0, 4.0))
for i, (log_acc, sizes) in enumerate(totals.items()):
    ns = list(sizes)
    label = f"{pow2_label(2**log_acc)} accounts"
    ax_total.plot(ns, list(sizes.values()), "o-", color=f"C{i}", label=label)
    ax_per.plot(ns, [sizes[n] / n for n in ns], "o-", color=f"C{i}", label=label)
    marginal = next((t.total for t in trades if t.log_accounts == log_acc), None)
    if marginal:
        ax_per.axhline(marginal, color=f"C{i}", ls="--", lw=0.8)
ax_per.axhline(GOAL_PER_TRADE, color="black", ls=":", lw=1, label=f"goal {GOAL_PER_TRADE:,}")
log_axes(ax_total, "transactions per batch", "constraints", "Batch circuit size", x_base=2)
log_axes(ax_per, "transactions per batch", "constraints per transaction", "Cost per transaction", x_base=2, y_log=False)
thousands(ax_per, "y")
for ax in (ax_total, ax_per):
    ax.legend(fontsize=8)
figs.save(fig, "batch_size")

# %% [markdown]
# ## SHA-256 against packing
# Binding the posted data to the proof. **SHA-256**: one public input whatever the size, the
# contract hashes the data (cheap on L1), the circuit pays ~26,000 constraints a 64-byte block.
# **Packing**: the data as 31-byte public inputs, almost free in the circuit, but the verifier
# pays an ecMul + ecAdd and a calldata word for every input. Markers are measured; lines are
# the model named in the legend (SHA-256 fitted to the measured blocks; L1 gas from EIP-1108
# prices, precompiles only). Dotted verticals: the data of a batch of 1, 16 and 256 trades.

# %%
rows = binding_rows(data)


def sha_blocks(n_bytes: int) -> int:
    return math.ceil((n_bytes + 9) / 64)  # SHA-256 padding: 1 byte of 0x80 and a 64-bit length


sha_model = fit_linear([(sha_blocks(b), c) for b, c, _, _ in rows])
grid = sorted({round(16 * 2 ** (k / 16)) for k in range(161)})  # 16 B .. 16 KiB, fine enough for the steps
fig, (ax_c, ax_g) = plt.subplots(1, 2, figsize=(10.0, 4.0))
ax_c.plot([r[0] for r in rows], [r[1] for r in rows], "o", color="C0", label="SHA-256, measured")
ax_c.plot(
    grid,
    [sha_model.total(sha_blocks(b)) for b in grid],
    "-",
    color="C0",
    label=f"SHA-256, {sha_model.per_item:,.0f} a block",
)
ax_c.plot([r[0] for r in rows], [r[2] for r in rows], "s", color="C1", label="packing, measured")
ax_c.plot(grid, [math.ceil(b / 31) for b in grid], "-", color="C1", label="packing, 1 per 31 bytes")
log_axes(ax_c, "bytes of public data", "constraints", "In the circuit")
ax_g.plot(grid, [60 + 12 * math.ceil(b / 32) for b in grid], "-", color="C0", label="SHA-256 precompile")
ax_g.plot(
    grid,
    [VERIFIER_GAS_PER_INPUT * math.ceil(b / 31) for b in grid],
    "-",
    color="C1",
    label=f"packing: {VERIFIER_GAS_PER_INPUT:,} gas an input",
)
log_axes(ax_g, "bytes of public data", "gas per batch (model)", "On L1")
for ax in (ax_c, ax_g):
    for n_trades in (1, 16, 256):
        x = HEADER_BYTES + RECORD_BYTES * n_trades
        ax.axvline(x, color="grey", ls=":", lw=0.8)
        ax.annotate(
            f"{n_trades} trade{'s' if n_trades > 1 else ''}",
            (x, 1),
            xycoords=("data", "axes fraction"),
            xytext=(2, -10),
            textcoords="offset points",
            fontsize=7,
            color="grey",
        )
    ax.legend(fontsize=8)
figs.save(fig, "sha256_vs_packing")

# %% [markdown]
# ## Merkle arity
# Why the account tree is quaternary: constraints of one leaf update (old leaf under the old
# root and the new root from the same path) for binary and quaternary trees of the same size.

# %%
merkle = merkle_rows(data)
fig, ax = plt.subplots(figsize=(6.4, 3.8))
arities = sorted({a for row in merkle.values() for a in row})
width = 0.8 / len(arities)
for i, arity in enumerate(arities):
    xs = [j + (i - (len(arities) - 1) / 2) * width for j in range(len(merkle))]
    ys = [row.get(arity, (0, 0))[1] for row in merkle.values()]
    bars = ax.bar(xs, ys, width, color=f"C{i}", label=f"arity {arity}")
    ax.bar_label(bars, [f"depth {row[arity][0]}" if arity in row else "" for row in merkle.values()], fontsize=7)
ax.set_xticks(range(len(merkle)), [f"{pow2_label(2**k)} leaves" for k in merkle])
ax.set(ylabel="constraints per leaf update", title="Merkle leaf update: binary against quaternary")
ax.legend()
figs.save(fig, "merkle_arity")

# %% [markdown]
# ## What the figures say

# %%
for t in trades:
    verdict = "meets" if t.total <= GOAL_PER_TRADE else "misses"
    top = sorted(t.components.items(), key=lambda kv: -kv[1])[:3]
    print(
        f"2^{t.log_accounts} accounts: {t.total:,} a trade, {verdict} the {GOAL_PER_TRADE:,} goal; largest parts: "
        + ", ".join(f"{name} {100 * n / t.total:.0f}%" for name, n in top)
    )
if len(trades) > 1:
    step = (trades[-1].total - trades[0].total) / ((trades[-1].log_accounts - trades[0].log_accounts) / 2)
    print(f"Each 4x more accounts adds {step:,.0f} constraints a trade (two Merkle paths one level deeper).")
print(
    f"SHA-256 costs {sha_model.per_item:,.0f} constraints a 64-byte block, i.e. "
    f"{sha_model.per_item * RECORD_BYTES / 64:,.0f} for a trade's {RECORD_BYTES} bytes; packing would add "
    f"{RECORD_BYTES / 31:.2f} public inputs a trade, ~{VERIFIER_GAS_PER_INPUT * RECORD_BYTES / 31:,.0f} gas of "
    "verification on L1 each time the batch is verified, and a verifier whose cost grows with the batch."
)
figs.finish()
