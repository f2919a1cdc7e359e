"""``zkdx ledger-demo``: one ledger batch through the whole pipeline on the embedded defaults.

Deposits from the L1 queue, an oracle tick and a signed trade are run through the
native spec; the batch circuit is set up (dev trapdoor), proved and verified; the
state is rebuilt from the posted data alone; and a proof with a changed public
input is shown to fail.  Files go to --out.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from circuits.ledger.params import LedgerParams
from rollup.ledger.batch import process_batch, replay_batch
from rollup.ledger.demo import demo_batch
from rollup.pipeline import prove_batch, setup_batch, verify_batch
from verifier import verify_proof
from verifier.formats import proof_to_json, vk_to_json


def _say(msg: str, since: float | None = None) -> float:
    now = time.perf_counter()
    print(f"== {msg}" + (f" ({now - since:.1f} s)" if since is not None else ""), flush=True)
    return now


def cmd_ledger_demo(args: argparse.Namespace) -> int:
    params = LedgerParams(depth=args.depth, batch_size=args.batch)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    t = _say(f"ledger: 4^{params.depth} accounts, {params.batch_size} slots, {len(params.markets)} markets")
    start, txs = demo_batch(params)
    res = process_batch(start, txs)
    t = _say(f"native spec: old root {res.old_root:#x}, new root {res.new_root:#x}", t)
    (out / "batch.bin").write_bytes(res.data)
    if replay_batch(start, res.data).root != res.new_root:
        print("error: replaying the posted data gave another root", flush=True)
        return 1
    t = _say(f"posted data ({len(res.data)} bytes) rebuilds the new root", t)
    pk = setup_batch(params)
    t = _say(f"setup: {len(pk.a_query)} variables, dev trapdoor (INSECURE)", t)
    proof = prove_batch(pk, params, res)
    (out / "proof.json").write_text(json.dumps(proof_to_json(proof), indent=1))
    (out / "vk.json").write_text(json.dumps(vk_to_json(pk.vk), indent=1))
    (out / "public.json").write_text(json.dumps([str(res.public_input)]))
    t = _say("proved", t)
    ok = verify_batch(pk.vk, res, proof)
    forged = verify_proof(pk.vk, [res.public_input ^ 1], proof)
    _say(f"verify: {ok}; with a changed public input: {forged}", t)
    return 0 if ok and not forged else 1


def cmd_export_verifier(args: argparse.Namespace) -> int:
    """Render the Solidity verifier for a verifying key and compile it with the pinned solc."""
    from rollup.l1.contracts import verifier_artifact
    from verifier.formats import vk_from_json
    from verifier.solidity import render_verifier

    vk = vk_from_json(Path(args.vk).read_text())
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "Groth16Verifier.sol").write_text(render_verifier(vk))
    (out / "Groth16Verifier.json").write_text(json.dumps(verifier_artifact(vk), indent=1, sort_keys=True))
    print(f"wrote {out / 'Groth16Verifier.sol'} and {out / 'Groth16Verifier.json'} (ABI, bytecode)")
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    defaults = LedgerParams()
    p = sub.add_parser("ledger-demo", help="prove and verify one ledger batch end to end (dev setup)")
    p.add_argument("--depth", type=int, default=defaults.depth, help="account tree levels (arity 4)")
    p.add_argument("--batch", type=int, default=defaults.batch_size, help="transaction slots per batch")
    p.add_argument("--out", default="build/demo/ledger", help="output directory")
    p.set_defaults(func=cmd_ledger_demo)
    p = sub.add_parser("export-verifier", help="Solidity verifier (+ compiled artifact) for a vk.json")
    p.add_argument("--vk", required=True, help="verification key (snarkjs JSON)")
    p.add_argument("--out", required=True, help="output directory")
    p.set_defaults(func=cmd_export_verifier)
