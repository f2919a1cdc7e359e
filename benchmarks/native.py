"""Native cryptography next to circomlibjs, timed in the same run.

    python benchmarks/native.py [--rounds 7] [--clock cpu|wall]

Starts ``benchmarks/native_circomlibjs.mjs`` (node, ``node_modules/circomlibjs``) and
alternates rounds: a round times many calls of one operation in zkdx, then the same
operation in circomlibjs (each side warms up first); the figures are medians over rounds
of the time per call, in CPU time of the timing process by default (a shared, loaded
machine then slows neither side by the share of the CPU it happens to get).  Outputs are
cross-checked (same hash, same signature, same verdict).
Writes ``benchmarks/results/native.json``: machine, versions, medians in µs, ratios
(circomlibjs time / zkdx time, so > 1 means zkdx is faster).  Nothing is asserted about
speed.  The machine may be shared: the load average is recorded before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import gmpy2  # noqa: E402

from circuits.field import R  # noqa: E402
from circuits.ledger.params import LedgerParams  # noqa: E402
from circuits.native import bjj_scalar as sc  # noqa: E402
from circuits.native import eddsa, poseidon_gmp  # noqa: E402
from circuits.native import edwards as ed  # noqa: E402
from circuits.native.babyjubjub import SUBORDER as L  # noqa: E402
from circuits.native.backend import use_numba  # noqa: E402
from circuits.native.bjj_subgroup import in_subgroup  # noqa: E402
from circuits.native.blake512 import blake512  # noqa: E402
from circuits.native.merkle import SparseMerkleTree  # noqa: E402
from circuits.native.poseidon import poseidon  # noqa: E402
from rollup.ledger.batch import process_batch  # noqa: E402
from rollup.ledger.demo import funded_world, trades  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "native.json"
NODE_SCRIPT = ROOT / "benchmarks" / "native_circomlibjs.mjs"


class CircomlibJs:
    """The node helper process: one JSON request a line, one reply a line."""

    def __init__(self, clock_name: str) -> None:
        self.clock_name = clock_name

    def __enter__(self) -> CircomlibJs:
        self.proc = subprocess.Popen(
            ["node", str(NODE_SCRIPT), self.clock_name],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        return self

    def ask(self, **request: object) -> dict:
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"circomlibjs helper exited (code {self.proc.poll()})")
        return json.loads(line)

    def __exit__(self, *exc: object) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


CLOCK = {"cpu": time.process_time, "wall": time.perf_counter}


@dataclass(frozen=True)
class Timing:
    rounds: int
    clock: Callable[[], float]

    def per_call_us(self, fn: Callable[[], object], iters: int) -> float:
        """Like the node helper: iters warm-up calls, then the mean of iters timed calls."""
        for _ in range(iters):
            fn()
        t = self.clock()
        for _ in range(iters):
            fn()
        return (self.clock() - t) / iters * 1e6

    def alternate(self, sides: dict[str, Callable[[], float]]) -> dict[str, float]:
        """Median per-call µs of each side over rounds that run the sides in turn."""
        samples: dict[str, list[float]] = {name: [] for name in sides}
        for _ in range(self.rounds):
            for name, side in sides.items():
                samples[name].append(side())
        return {name: round(statistics.median(v), 2) for name, v in samples.items()}


def _with_ratio(row: dict[str, float], ours: str = "zkdx_us") -> dict[str, float]:
    if "circomlibjs_us" in row:
        row["ratio"] = round(row["circomlibjs_us"] / row[ours], 2)
    return row


def bench_poseidon(js: CircomlibJs, tm: Timing) -> dict[str, dict]:
    """Poseidon(n) for n = 1..16 inputs: zkdx (default backend), the gmpy2 backend, circomlibjs."""
    rng, out = random.Random(11), {}
    for n in range(1, 17):
        inputs = [rng.randrange(R) for _ in range(n)]
        iters = max(20, 4000 // (n + 8))
        theirs = js.ask(op="poseidon", inputs=[str(v) for v in inputs], iters=1)
        if int(theirs["out"]) != poseidon(inputs):
            raise RuntimeError(f"Poseidon({n}) differs from circomlibjs")
        state = [0, *inputs]
        out[str(n)] = _with_ratio(
            tm.alternate(
                {
                    "zkdx_us": lambda inputs=inputs, it=iters: tm.per_call_us(lambda: poseidon(inputs), it),
                    "gmpy2_us": lambda state=state, it=iters: tm.per_call_us(
                        lambda: poseidon_gmp.first_lane(state), it
                    ),
                    "circomlibjs_us": lambda inputs=inputs, it=iters: js.ask(
                        op="poseidon", inputs=[str(v) for v in inputs], iters=it
                    )["us"],
                },
            )
        )
    return out


def bench_eddsa(js: CircomlibJs, tm: Timing) -> dict[str, dict]:
    key, msg = bytes(range(32)), 2**200 + 12345
    sig, pub = eddsa.sign(key, msg), eddsa.public_key(key)
    theirs = js.ask(op="sign", key=key.hex(), msg=str(msg), iters=1)
    if (theirs["R8"], theirs["S"]) != ([str(v) for v in sig.r8], str(sig.s)):
        raise RuntimeError("signature differs from circomlibjs")
    vq = {"msg": str(msg), "R8": theirs["R8"], "S": theirs["S"], "A": [str(v) for v in pub]}
    if not (js.ask(op="verify", iters=1, **vq)["ok"] and eddsa.verify(msg, sig, pub)):
        raise RuntimeError("signature does not verify")
    sign = tm.alternate(
        {
            "zkdx_us": lambda: tm.per_call_us(lambda: eddsa.sign(key, msg), 40),
            "circomlibjs_us": lambda: js.ask(op="sign", key=key.hex(), msg=str(msg), iters=5)["us"],
        },
    )
    verify = tm.alternate(
        {
            "zkdx_us": lambda: tm.per_call_us(lambda: eddsa.verify(msg, sig, pub), 40),
            "circomlibjs_us": lambda: js.ask(op="verify", iters=5, **vq)["us"],
        },
    )
    out = {"sign": _with_ratio(sign), "verify": _with_ratio(verify)}
    for n in (16, 64):
        items = [(m, eddsa.sign(k, m), eddsa.public_key(k)) for k, m in ((bytes([i]) * 32, i * 7919) for i in range(n))]
        batch = tm.alternate({"zkdx_us": lambda items=items: tm.per_call_us(lambda: eddsa.verify_batch(items), 2)})
        per_sig = round(batch["zkdx_us"] / n, 2)
        out[f"verify_batch_{n}"] = {
            "zkdx_us_per_signature": per_sig,
            "vs_single_verify": round(verify["zkdx_us"] / per_sig, 2),
            "vs_circomlibjs_verify": round(verify["circomlibjs_us"] / per_sig, 2),
        }
    return out


def bench_curve(tm: Timing) -> dict[str, float]:
    """Baby Jubjub pieces of sign and verify (zkdx only): fixed-base and variable-base multiplication,
    the subgroup check by pairing next to l·P = O, and one BLAKE-512 block (two per signature)."""
    k = 2 * L // 3  # dense digits, 251 bits
    p = ed.to_affine(sc.mul_base(98765))
    e = ed.from_affine(p)
    return tm.alternate(
        {
            "mul_base_us": lambda: tm.per_call_us(lambda: sc.mul_base(k), 50),
            "mul_us": lambda: tm.per_call_us(lambda: sc.mul(e, k), 10),
            "in_subgroup_pairing_us": lambda: tm.per_call_us(lambda: in_subgroup(p), 50),
            "in_subgroup_l_times_p_us": lambda: tm.per_call_us(lambda: ed.is_identity(sc.mul(e, L)), 10),
            "blake512_block_us": lambda: tm.per_call_us(lambda: blake512(bytes(64)), 50),
        }
    )


def bench_merkle(tm: Timing) -> dict[str, dict]:
    """µs per leaf update (arity 4) in a tree holding 4,096 leaves, and the cost of copy()."""
    out = {}
    for depth in (8, 10):
        rng = random.Random(depth)
        tree = SparseMerkleTree(depth, 4)
        for _ in range(4096):
            tree.set_leaf(rng.randrange(4**depth), rng.randrange(1, R))
        idx = [rng.randrange(4**depth) for _ in range(64)]

        def updates(tree: SparseMerkleTree = tree, idx: list[int] = idx, rng: random.Random = rng) -> float:
            return tm.per_call_us(lambda: [tree.set_leaf(i, rng.randrange(1, R)) for i in idx], 2) / len(idx)

        row = tm.alternate({"update_us": updates, "copy_us": lambda t=tree: tm.per_call_us(t.copy, 50)})
        out[f"4^{depth}"] = {**row, "stored_nodes": tree.stored_nodes}
    return out


def bench_batch(tm: Timing) -> dict[str, float]:
    """process_batch over 16 signed trades (2^16 accounts, witness included): ms per trade."""
    params = LedgerParams(depth=8, batch_size=16)
    w, start = funded_world(params)
    txs = trades(w, 16)
    row = tm.alternate({"batch_ms": lambda: tm.per_call_us(lambda: process_batch(start, txs), 1) / 1000})
    return {"trades": 16, "depth": 8, "batch_ms": row["batch_ms"], "ms_per_trade": round(row["batch_ms"] / 16, 3)}


def machine(js: CircomlibJs) -> dict[str, object]:
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), platform.processor())  # fmt: skip
    pkg = json.loads((ROOT / "node_modules" / "circomlibjs" / "package.json").read_text())
    versions = {"python": platform.python_version(), "gmpy2": gmpy2.version(), "circomlibjs": pkg["version"]}
    versions["node"] = js.ask(op="versions")["node"]
    if use_numba():
        import numba

        versions["numba"] = numba.__version__
    return {"cpu": cpu, "cores": os.cpu_count(), "backend": "numba" if use_numba() else "gmpy2", "versions": versions}


def main() -> None:
    ap = argparse.ArgumentParser(formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument("--rounds", type=int, default=7, help="alternating rounds per operation")
    ap.add_argument("--clock", choices=sorted(CLOCK), default="cpu", help="CPU time of each process, or wall clock")
    args = ap.parse_args()
    tm = Timing(args.rounds, CLOCK[args.clock])
    with CircomlibJs(args.clock) as js:
        out: dict[str, object] = {"machine": machine(js), "load_before": os.getloadavg()}
        out["method"] = (
            f"median over {args.rounds} alternating rounds of the mean time per call; clock: {args.clock} "
            "(cpu = CPU time of the timing process, both sides); µs unless named ms"
        )
        out["poseidon"] = bench_poseidon(js, tm)
        out["eddsa"] = bench_eddsa(js, tm)
    out["baby_jubjub"] = bench_curve(tm)
    out["merkle"] = bench_merkle(tm)
    out["process_batch"] = bench_batch(tm)
    out["load_after"] = os.getloadavg()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
