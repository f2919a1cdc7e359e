"""Prove one ledger batch of trades end to end and record the times.

    python benchmarks/batch_prove.py [--depth 8] [--batch 4]

Writes benchmarks/results/batch_prove.json: constraints, domain size, seconds for
setup, witness generation (native spec), synthesis, proving and verification,
and the proving key's size.  Times are wall-clock on this machine; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from circuits.ledger.params import LedgerParams  # noqa: E402
from prover.keys import encode_proving_key  # noqa: E402
from prover.qap import domain_for  # noqa: E402
from prover.setup import InsecureSetupWarning, setup  # noqa: E402
from rollup.ledger.batch import process_batch  # noqa: E402
from rollup.ledger.demo import funded_world, trades  # noqa: E402
from rollup.pipeline import batch_matrices, prove_batch, verify_batch  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "batch_prove.json"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--depth", type=int, default=8)
    ap.add_argument("--batch", type=int, default=4)
    args = ap.parse_args()
    params = LedgerParams(depth=args.depth, batch_size=args.batch)
    out: dict = {"depth": params.depth, "accounts": params.num_accounts, "batch_size": params.batch_size}
    t = time.perf_counter()
    m = batch_matrices(params)
    out["synthesize_setup_s"] = round(time.perf_counter() - t, 1)
    out["constraints"], out["domain_size"] = m.num_constraints, domain_for(m).size
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsecureSetupWarning)
        t = time.perf_counter()
        pk = setup(m, quiet=True)
    out["setup_s"] = round(time.perf_counter() - t, 1)
    out["proving_key_mib"] = round(len(encode_proving_key(pk)) / 2**20, 1)
    w, start = funded_world(params)
    txs = trades(w, params.batch_size)
    t = time.perf_counter()
    res = process_batch(start, txs)
    out["native_spec_s"] = round(time.perf_counter() - t, 2)
    timings: dict = {}
    t = time.perf_counter()
    proof = prove_batch(pk, params, res, timings=timings)
    out["prove_s"] = round(time.perf_counter() - t, 1)
    out["prove_phases_s"] = {k: round(v, 2) for k, v in timings.items()}
    t = time.perf_counter()
    assert verify_batch(pk.vk, res, proof)
    out["verify_s"] = round(time.perf_counter() - t, 2)
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results[params.key()] = out
    RESULTS.write_text(json.dumps(results, indent=1) + "\n")
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
