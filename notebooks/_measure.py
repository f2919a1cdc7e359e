"""Small re-measurements for the notebooks, written in the benchmark scripts' own schema.

    python notebooks/_measure.py NAME OUT.json [ARGS...]

``prove``, ``batch_prove``, ``gas`` and ``node`` run ``benchmarks/NAME.py``'s ``main()`` unchanged with ARGS
(or the small defaults below) and its output path (module constant ``RESULTS``, ``OUT`` for
node) pointed at OUT.json, so the committed results are never touched.  ``node`` also keeps
every acknowledgement latency (the script records percentiles only) for the histogram.
``constraints`` has no size option, so a small subset of it runs here on its own functions.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import time
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
SMALL_ARGS = {
    "prove": ["--sizes", "10", "--reps", "1", "--no-cold"],  # a cold numba cache alone takes minutes
    "gas": ["--depth", "2", "--sizes", "1,2"],
    "node": ["--ack-only", "--trades", "32"],
    "batch_prove": ["--depth", "2", "--batch", "1"],
}
OUTPUT_CONSTANT = {"node": "OUT"}


def benchmark_module(name: str) -> ModuleType:
    """``benchmarks/<name>.py`` imported as a module (its ``if __name__`` block does not run)."""
    path = ROOT / "benchmarks" / f"{name}.py"
    if not path.exists():
        raise SystemExit(f"no benchmark script {path}")
    spec = importlib.util.spec_from_file_location(f"zkdx_bench_{name}", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def run_script(name: str, out: Path, args: list[str]) -> ModuleType:
    """The script's main() with argv = args and its results file redirected to out."""
    mod = benchmark_module(name)
    constant = OUTPUT_CONSTANT.get(name, "RESULTS")
    if not hasattr(mod, constant):
        raise SystemExit(f"benchmarks/{name}.py has no {constant} path to redirect")
    setattr(mod, constant, out)
    sys.argv = [str(mod.__file__), *args]
    mod.main()
    return mod


def run_node(out: Path, args: list[str]) -> None:
    """node.py with each acknowledgement's latency recorded (sequential phase first)."""
    mod = benchmark_module("node")
    seen: list[float] = []
    timed = mod._timed

    def recording(client: object, tx: object) -> float:
        seconds = timed(client, tx)
        seen.append(seconds)
        return seconds

    mod._timed, mod.OUT = recording, out
    sys.argv = [str(mod.__file__), *args]
    mod.main()
    data = json.loads(out.read_text())
    ack = data["ack"]
    n_seq = ack["sequential"]["n"]
    ack["sequential"]["latencies_ms"] = [round(1000 * s, 2) for s in seen[:n_seq]]
    ack["concurrent"]["latencies_ms"] = [round(1000 * s, 2) for s in seen[n_seq:]]
    out.write_text(json.dumps(data, indent=1) + "\n")


def run_constraints(out: Path, depths: tuple[int, ...] = (8,), batches: tuple[int, ...] = (1, 2)) -> None:
    """constraints.json's ledger, merkle_update and data_binding parts at small sizes."""
    from circuits.ledger.circuit import BatchCircuit
    from circuits.ledger.params import LedgerParams
    from circuits.r1cs import ConstraintSystem, Mode

    mod = benchmark_module("constraints")
    t0 = time.perf_counter()
    ledger: dict = {"batches": {}, "slot": {}, "sha256_block": mod.sha256_block_cost()}
    for depth in depths:
        accounts, totals = f"2^{2 * depth}_accounts", {}
        for n in batches:
            cs = ConstraintSystem(Mode.SETUP)
            BatchCircuit(LedgerParams(depth=depth, batch_size=n)).generate_constraints(cs)
            totals[f"batch_{n}"] = cs.num_constraints
            if n == 1:
                ledger["slot"][accounts] = mod.slot_breakdown(cs.to_matrices().names)
        ledger["batches"][accounts] = totals
    merkle = {f"2^{2 * d}_leaves": {f"arity4_depth{d}": mod.merkle_update_count(4, d)} for d in depths}
    data = {"ledger": ledger, "merkle_update": merkle, "data_binding": mod.binding()}
    data["note"] = f"small re-measurement by notebooks/_measure.py in {time.perf_counter() - t0:.0f} s"
    out.write_text(json.dumps(data, indent=1) + "\n")


def main() -> None:
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    name, out, args = sys.argv[1], Path(sys.argv[2]).resolve(), sys.argv[3:]
    sys.path.insert(0, str(ROOT))
    if name == "constraints":
        run_constraints(out)
    elif name == "node":
        run_node(out, args or SMALL_ARGS["node"])
    elif name in SMALL_ARGS:
        run_script(name, out, args or SMALL_ARGS[name])
    else:
        raise SystemExit(f"unknown measurement {name!r}: constraints, {', '.join(SMALL_ARGS)}")


if __name__ == "__main__":
    main()
