"""``zkdx ledger-demo`` and ``zkdx export-verifier``.

``ledger-demo``: one ledger batch through the whole pipeline on the embedded defaults.
Deposits from the L1 queue, an oracle tick and a signed trade are run through the
native spec; the batch circuit is set up (dev trapdoor), proved and verified; the
state is rebuilt from the posted data alone; and a proof with a changed public
input is shown to fail.  Files go to --out; ``batch.json`` holds everything the
public input commits to, so ``public.json`` can be recomputed from the files alone.

``export-verifier``: the Solidity verifier for a verifying key, and (with Node.js and
``npm ci``) its compiled artifact.  The ``.sol`` is written first, so it exists even
when solc is missing; then a missing solc is a typed error that names ``npm ci``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from circuits.ledger.params import LedgerParams
from prover.errors import INSECURE_WARNING
from prover.parallel import default_workers
from rollup.cli.files import read_json, write_atomic
from verifier import verify_proof
from verifier.formats import proof_to_json, vk_to_json

if TYPE_CHECKING:
    from rollup.ledger.batch import BatchResult


def _say(msg: str, since: float | None = None) -> float:
    now = time.perf_counter()
    print(f"== {msg}" + (f" ({now - since:.1f} s)" if since is not None else ""), flush=True)
    return now


def batch_record(params: LedgerParams, res: BatchResult) -> dict:
    """What the batch's public input commits to, as JSON (integers as decimal strings):

    public_input = SHA-256(header ‖ data) mod 2^253 with
    header = Poseidon(old_root, new_root, queue_before, queue_after)
    (``circuits.ledger.state.header`` / ``public_input``; the contract computes the same)."""
    return {
        "depth": params.depth,
        "batch_size": params.batch_size,
        "old_root": str(res.old_root),
        "new_root": str(res.new_root),
        "queue_before": str(res.queue_before),
        "queue_after": str(res.queue_after),
        "header": str(res.header),
        "public_input": str(res.public_input),
        "data": res.data.hex(),
    }


def cmd_ledger_demo(args: argparse.Namespace) -> int:
    from rollup.ledger.batch import process_batch, replay_batch  # the ledger and the prover load here, not
    from rollup.ledger.demo import demo_batch  # for every command (e.g. a 2^12 `zkdx prove`)
    from rollup.pipeline import prove_batch, setup_batch, verify_batch

    params = LedgerParams(depth=args.depth, batch_size=args.batch)
    workers = default_workers()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    t = _say(f"ledger: 4^{params.depth} accounts, {params.batch_size} slots, {len(params.markets)} markets")
    start, txs = demo_batch(params)
    res = process_batch(start, txs)
    t = _say(f"native spec: old root {res.old_root:#x}, new root {res.new_root:#x}", t)
    write_atomic(out / "batch.bin", res.data)
    write_atomic(out / "batch.json", json.dumps(batch_record(params, res), indent=1))
    if replay_batch(start, res.data).root != res.new_root:
        raise RuntimeError("replaying the posted data gave another root than the spec")
    t = _say(f"posted data ({len(res.data)} bytes) rebuilds the new root", t)
    print(INSECURE_WARNING, file=sys.stderr, flush=True)
    pk = setup_batch(params, workers=workers, quiet=True)
    t = _say(f"setup: {len(pk.a_query)} variables, dev trapdoor (INSECURE)", t)
    proof = prove_batch(pk, params, res, workers=workers)
    write_atomic(out / "proof.json", json.dumps(proof_to_json(proof), indent=1))
    write_atomic(out / "vk.json", json.dumps(vk_to_json(pk.vk), indent=1))
    write_atomic(out / "public.json", json.dumps([str(res.public_input)]))
    t = _say("proved", t)
    ok = verify_batch(pk.vk, res, proof)
    forged = verify_proof(pk.vk, [res.public_input ^ 1], proof)
    _say(f"verify: {ok}; with a changed public input: {forged}", t)
    return 0 if ok and not forged else 1


def cmd_export_verifier(args: argparse.Namespace) -> int:
    """Render the Solidity verifier for a verifying key and compile it with the pinned solc."""
    from rollup.l1.contracts import verifier_artifact
    from rollup.l1.solc import SolcMissing
    from verifier.formats import vk_from_json
    from verifier.solidity import render_verifier

    vk = read_json(args.vk, vk_from_json)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    sol, artifact = out / "Groth16Verifier.sol", out / "Groth16Verifier.json"
    write_atomic(sol, render_verifier(vk))
    if args.no_artifact:
        print(f"wrote {sol}")
        return 0
    try:
        compiled = verifier_artifact(vk)
    except SolcMissing as exc:
        raise SolcMissing(f"wrote {sol}, but not {artifact.name}: {exc} (or pass --no-artifact)") from exc
    write_atomic(artifact, json.dumps(compiled, indent=1, sort_keys=True))
    print(f"wrote {sol} and {artifact} (ABI, bytecode)")
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    fmt = argparse.ArgumentDefaultsHelpFormatter
    defaults = LedgerParams()
    help_ = "prove and verify one ledger batch end to end (dev setup)"
    p = sub.add_parser("ledger-demo", help=help_, description=help_, formatter_class=fmt)
    p.add_argument("--depth", type=int, default=defaults.depth, help="account tree levels (arity 4)")
    p.add_argument("--batch", type=int, default=defaults.batch_size, help="transaction slots per batch")
    p.add_argument("--out", default="build/demo/ledger", help="output directory")
    p.set_defaults(func=cmd_ledger_demo)
    help_ = "Solidity verifier (+ compiled artifact) for a verification key"
    p = sub.add_parser("export-verifier", help=help_, description=EXPORT_VERIFIER_HELP, formatter_class=fmt)
    p.add_argument("--vk", required=True, help="verification key (snarkjs JSON)")
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--no-artifact", action="store_true", help="write only the .sol (no Node.js or solc needed)")
    p.set_defaults(func=cmd_export_verifier)


EXPORT_VERIFIER_HELP = (
    "Write Groth16Verifier.sol, a Solidity contract that verifies proofs for the given verification "
    "key, and Groth16Verifier.json (ABI and bytecode, compiled with the pinned solc: needs Node.js and "
    "`npm ci`). To export the circuit itself as .r1cs/.wtns, use `zkdx export`."
)
