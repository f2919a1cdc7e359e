"""The benchmark JSON schemas, read in one place: a schema change is an edit here.

Each function takes the parsed ``benchmarks/results/<name>.json`` (as written by
``benchmarks/<name>.py``) and returns plain rows for plotting.  Both prover schemas are read:
the gmpy2 prover's (phases in ``zkdx``: load, check, witness map, MSMs A, B, L, H) and the
numba prover's (a ``zkdx_phases`` process: import, read files, witness map, MSMs A, B, C;
CPU seconds beside wall time).  A file that lacks what a figure needs raises ``SchemaError``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

NOT_PHASES = {"wall", "cpu", "rss_mib", "pool_wall", "total_in_process"}
PHASE_LABELS = {  # prover phase key -> legend label, in pipeline order
    "import": "imports",
    "load": "load key and circuit",
    "read_files": "read key and witness",
    "witness": "witness values (synthesis)",
    "check": "satisfaction check",
    "witness_map": "witness map (h, NTTs)",
    "msm_a": "MSM A (G1)",
    "msm_b_g1": "MSM B (G1)",
    "msm_b_g2": "MSM B (G2)",
    "msm_l": "MSM L (G1)",
    "msm_h": "MSM H (G1)",
    "msm_c": "MSM C = L + H (G1)",
    "assemble": "assemble proof",
}
GAS_LABELS = {
    "intrinsic": "intrinsic (per transaction)",
    "calldata": "calldata",
    "verification": "proof verification",
    "poseidon_header": "Poseidon header",
    "rest (sha256, records, storage)": "SHA-256, records, storage",
}
GAS_OPERATIONS = ("register", "deposit", "forced_exit_request", "claim", "freeze", "escape")


class SchemaError(Exception):
    """A results file does not hold what the notebook reads from it."""


def _need(data: dict, key: str, where: str) -> object:
    if not isinstance(data, dict) or key not in data:
        raise SchemaError(f"{where}: no {key!r} (re-run the benchmark, or ZKDX_NB_MEASURE=1)")
    return data[key]


def log2_of(label: str) -> int:
    """'2^16' or '2^16_accounts' -> 16."""
    match = re.match(r"2\^(\d+)", label)
    if not match:
        raise SchemaError(f"expected a 2^k label, got {label!r}")
    return int(match.group(1))


# ---- prove.json -------------------------------------------------------------------------
@dataclass(frozen=True)
class ProverSize:
    label: str  # the domain size measured, e.g. "2^14"
    constraints: int
    wall: dict[str, float]  # tool -> median wall seconds of a whole process
    wall_runs: dict[str, list[float]]  # tool -> every run's wall seconds
    rss_mib: dict[str, float]  # tool -> median peak resident memory
    cpu: dict[str, float]  # tool -> median CPU seconds (newer schema only)
    phases: dict[str, float]  # prover phase -> median seconds, pipeline order


def prover_sizes(data: dict) -> list[ProverSize]:
    """One row per measured size, smallest first."""
    rows = []
    for label, entry in _need(data, "sizes", "prove.json").items():
        runs = entry.get("runs", {})
        tools = ("zkdx", "snarkjs")
        medians = {t: _need(entry, t, f"prove.json {label}") for t in tools}
        phase_source = entry.get("zkdx_phases", medians["zkdx"])
        rows.append(
            ProverSize(
                label=label,
                constraints=int(_need(entry, "constraints", f"prove.json {label}")),
                wall={t: float(_need(medians[t], "wall", f"{label} {t}")) for t in tools},
                wall_runs={t: [float(r["wall"]) for r in runs.get(t, [])] for t in tools},
                rss_mib={t: float(medians[t].get("rss_mib", math.nan)) for t in tools},
                cpu={t: float(medians[t]["cpu"]) for t in tools if "cpu" in medians[t]},
                phases=_phases(phase_source),
            )
        )
    return sorted(rows, key=lambda r: r.constraints)


def _phases(timings: dict) -> dict[str, float]:
    known = [k for k in PHASE_LABELS if k in timings]
    other = [k for k in timings if k not in PHASE_LABELS and k not in NOT_PHASES]
    return {k: float(timings[k]) for k in known + other if isinstance(timings[k], int | float)}


# ---- batch_prove.json ------------------------------------------------------------------------
@dataclass(frozen=True)
class BatchProof:
    label: str  # the ledger parameters, e.g. "d8-n4-m2"
    accounts: int
    batch_size: int
    constraints: int
    prove_s: float
    phases: dict[str, float]  # proof phase -> seconds, pipeline order (witness values included)
    one_off: dict[str, float]  # once per prover process: compile, setup


ONE_OFF = {"compile": "compile_once_s", "setup": "setup_s"}  # label -> batch_prove.json key


def batch_proofs(data: dict) -> list[BatchProof]:
    """One row per ledger parameter set proven end to end, smallest circuit first."""
    rows = []
    for label, entry in data.items():
        if not isinstance(entry, dict) or "prove_phases_s" not in entry:
            continue
        where = f"batch_prove.json {label}"
        rows.append(
            BatchProof(
                label=label,
                accounts=int(_need(entry, "accounts", where)),
                batch_size=int(_need(entry, "batch_size", where)),
                constraints=int(_need(entry, "constraints", where)),
                prove_s=float(_need(entry, "prove_s", where)),
                phases=_phases(entry["prove_phases_s"]),
                one_off={name: float(entry[k]) for name, k in ONE_OFF.items() if k in entry},
            )
        )
    if not rows:
        raise SchemaError("batch_prove.json: no entry with prove_phases_s")
    return sorted(rows, key=lambda r: r.constraints)


# ---- constraints.json ---------------------------------------------------------------------
@dataclass(frozen=True)
class TradeBreakdown:
    log_accounts: int
    components: dict[str, int]  # constraints a trade adds, by component (data binding last)

    @property
    def total(self) -> int:
        return sum(self.components.values())


def trade_breakdowns(data: dict, record_bytes: int) -> list[TradeBreakdown]:
    """Slot components per accounts size plus SHA-256 over one record (block cost × bytes/64)."""
    ledger = _need(data, "ledger", "constraints.json")
    block = int(_need(ledger, "sha256_block", "constraints.json ledger"))
    rows = []
    for label, slot in _need(ledger, "slot", "constraints.json ledger").items():
        parts = {k: int(v) for k, v in slot.items() if k != "slot total"}
        parts[f"data binding (SHA-256 of the {record_bytes}-byte record)"] = round(block * record_bytes / 64)
        rows.append(TradeBreakdown(log2_of(label), parts))
    return sorted(rows, key=lambda r: r.log_accounts)


def batch_totals(data: dict) -> dict[int, dict[int, int]]:
    """log2(accounts) -> {batch size: constraints of the whole batch circuit}."""
    batches = _need(_need(data, "ledger", "constraints.json"), "batches", "constraints.json ledger")
    out = {}
    for label, row in batches.items():
        sizes = {int(m.group(1)): int(v) for k, v in row.items() if (m := re.fullmatch(r"batch_(\d+)", k))}
        out[log2_of(label)] = dict(sorted(sizes.items()))
    return dict(sorted(out.items()))


def binding_rows(data: dict) -> list[tuple[int, int, int, int]]:
    """(bytes, SHA-256 constraints, packing constraints, packing public inputs), by size."""
    rows = []
    for label, row in _need(data, "data_binding", "constraints.json").items():
        n = int(label.split("_")[0])
        rows.append((n, row["sha256_constraints"], row["packing_constraints"], row["packing_public_inputs"]))
    return sorted(rows)


def merkle_rows(data: dict) -> dict[int, dict[int, tuple[int, int]]]:
    """log2(leaves) -> {arity: (depth, constraints of one leaf update)}."""
    out: dict[int, dict[int, tuple[int, int]]] = {}
    for label, row in _need(data, "merkle_update", "constraints.json").items():
        for key, value in row.items():
            arity, depth = map(int, re.fullmatch(r"arity(\d+)_depth(\d+)", key).groups())
            out.setdefault(log2_of(label), {})[arity] = (depth, int(value))
    return dict(sorted(out.items()))


# ---- gas.json -----------------------------------------------------------------------------
@dataclass(frozen=True)
class GasBatch:
    depth: int
    size: int  # trades in the batch
    parts: dict[str, int]  # submitBatch gas by part; sums to the receipt's gasUsed
    operations: dict[str, int]  # the other L1 operations measured in the same run


def gas_batches(data: dict) -> list[GasBatch]:
    rows = []
    for key, entry in data.items():
        match = re.fullmatch(r"depth(\d+)_batch(\d+)", key)
        if not match:
            continue
        sub = dict(_need(entry, "submit_batch_of_trades", f"gas.json {key}"))
        total = sub.pop("total")
        if sum(sub.values()) != total:
            raise SchemaError(f"gas.json {key}: the parts do not add up to the total {total}")
        ops = {k: int(entry[k]) for k in GAS_OPERATIONS if k in entry}
        rows.append(GasBatch(int(match.group(1)), int(match.group(2)), sub, ops))
    if not rows:
        raise SchemaError("gas.json: no depth<d>_batch<n> entries")
    return sorted(rows, key=lambda r: (r.depth, r.size))


# ---- node.json ----------------------------------------------------------------------------
@dataclass(frozen=True)
class AckRun:
    name: str
    n: int
    p50_ms: float
    p99_ms: float
    trades_per_s: float
    latencies_ms: list[float] | None  # every acknowledgement, when the run kept them


@dataclass(frozen=True)
class BatchTimeline:
    label: str
    tx_count: int
    segments: dict[str, float]  # consecutive phases in seconds, from the first trade or the seal

    @property
    def total_s(self) -> float:
        return sum(self.segments.values())


def node_ack(data: dict) -> list[AckRun]:
    """The sequential (one client) and concurrent acknowledgement runs."""
    ack = _need(data, "ack", "node.json")
    runs = []
    for key in ("sequential", "concurrent"):
        row = _need(ack, key, "node.json ack")
        clients = row.get("clients", 1)
        runs.append(
            AckRun(
                f"{key} ({clients} client{'s' if clients > 1 else ''})",
                int(row["n"]),
                float(row["p50_ms"]),
                float(row["p99_ms"]),
                float(row["trades_per_s"]),
                row.get("latencies_ms"),
            )
        )
    return runs


def node_parts(data: dict) -> dict[str, float]:
    """Milliseconds of the pieces of one acknowledgement, each timed alone."""
    parts = _need(_need(data, "ack", "node.json"), "parts", "node.json ack")
    return {k.removesuffix("_ms_median").replace("_", " "): float(v) for k, v in parts.items()}


def node_timelines(data: dict) -> list[BatchTimeline]:
    """Batches timed end to end (``batches``), then the demo's batches if recorded."""
    rows = []
    for size, b in sorted(data.get("batches", {}).items(), key=lambda kv: int(kv[0])):
        if not isinstance(b, dict):  # a note in place of a size that was not run
            continue
        collect = max(0.0, b["first_trade_to_accepted_s"] - b["seal_to_accepted_s"])
        segments = {
            "first trade → seal": collect,
            "seal → proved": b["seal_to_proved_s"],
            "proved → accepted on L1": b["proved_to_accepted_s"],
        }
        rows.append(BatchTimeline(f"batch of {size}", int(b["tx_count"]), segments))
    for b in data.get("demo_defaults", {}).get("batches", []):
        prove = float(b["prove_seconds"])
        # the demo records only seal -> accepted and the proof's own time
        segments = {
            "queued behind earlier batches, and L1": max(0.0, b["seal_to_accepted_s"] - prove),
            "proving": prove,
        }
        rows.append(BatchTimeline(f"demo batch {b['number']}", int(b["tx_count"]), segments))
    return rows


def node_notes(data: dict) -> list[str]:
    """Notes left in place of batch sizes that were not run."""
    return [f"batch of {k}: {v}" for k, v in data.get("batches", {}).items() if isinstance(v, str)]
