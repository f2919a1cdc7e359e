"""Prove one ledger batch of trades end to end and record the times.

    python benchmarks/batch_prove.py [--depth 8] [--batch 4]

The circuit is compiled once (SETUP-mode matrices, their digest and the prover's
coefficient arrays: ``prover.compiled.CompiledCircuit``), as an operator's prover
process would at start; a proof then computes only the witness values
(``circuits.examples.witness_only``) and proves against the kept matrices.

Writes benchmarks/results/batch_prove.json: constraints, domain size, seconds for the
one-off compile and setup, the native spec, the proof (witness values included, by
phase) and verification, peak RSS and the backend.  Wall-clock on a shared machine
(the load average is recorded); nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from circuits.ledger.circuit import BatchCircuit  # noqa: E402
from circuits.ledger.params import LedgerParams  # noqa: E402
from prover.backend import get_backend  # noqa: E402
from prover.compiled import CompiledCircuit  # noqa: E402
from prover.keys import encode_proving_key  # noqa: E402
from prover.qap import domain_for  # noqa: E402
from prover.setup import InsecureSetupWarning, setup  # noqa: E402
from rollup.ledger.batch import process_batch  # noqa: E402
from rollup.ledger.demo import funded_world, trades  # noqa: E402
from rollup.pipeline import verify_batch  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "batch_prove.json"


def _since(t: float) -> float:
    return round(time.perf_counter() - t, 2)


def _cpu() -> float:
    """CPU seconds of this process so far (all threads): the load-independent figure."""
    return time.process_time()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--depth", type=int, default=8)
    ap.add_argument("--batch", type=int, default=4)
    args = ap.parse_args()
    params = LedgerParams(depth=args.depth, batch_size=args.batch)
    out: dict = {"depth": params.depth, "accounts": params.num_accounts, "batch_size": params.batch_size,
                 "backend": get_backend().NAME, "load_average_start": os.getloadavg()}  # fmt: skip
    t, c = time.perf_counter(), _cpu()
    compiled = CompiledCircuit.of(BatchCircuit(params))
    out["compile_once_s"], out["compile_once_cpu_s"] = _since(t), round(_cpu() - c, 2)
    m = compiled.matrices
    out["constraints"], out["domain_size"] = m.num_constraints, domain_for(m).size
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsecureSetupWarning)
        t, c = time.perf_counter(), _cpu()
        pk = setup(m, quiet=True)
    out["setup_s"], out["setup_cpu_s"] = _since(t), round(_cpu() - c, 2)
    out["proving_key_mib"] = round(len(encode_proving_key(pk)) / 2**20, 1)
    w, start = funded_world(params)
    txs = trades(w, params.batch_size)
    t = time.perf_counter()
    res = process_batch(start, txs)
    out["native_spec_s"] = _since(t)
    timings: dict = {}
    t, c = time.perf_counter(), _cpu()
    proof = compiled.prove(pk, BatchCircuit(params, res.witness, res.public_input), timings=timings)
    out["prove_s"], out["prove_cpu_s"] = _since(t), round(_cpu() - c, 2)  # witness values + proof
    out["prove_phases_s"] = {k: round(v, 2) for k, v in timings.items()}
    t = time.perf_counter()
    if not verify_batch(pk.vk, res, proof):
        raise SystemExit("the batch proof does not verify")
    out["verify_s"] = _since(t)
    out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    out["load_average_end"] = os.getloadavg()
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results[params.key()] = out
    RESULTS.write_text(json.dumps(results, indent=1) + "\n")
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
