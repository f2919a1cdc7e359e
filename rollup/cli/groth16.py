"""``zkdx setup / prove / verify / export``: Groth16 on a built-in example circuit or a circom
``.r1cs`` + ``.wtns``, with snarkjs JSON for keys, proofs and public signals."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from circuits.examples import EXAMPLES, synthesize
from circuits.iden3 import read_r1cs, read_wtns, read_wtns_array, write_r1cs, write_wtns
from circuits.r1cs import Mode, R1CSMatrices
from prover.errors import UnsatisfiedConstraint
from prover.keys import load_proving_key, save_proving_key
from prover.points import fr_values
from prover.prove import create_proof, prove_zkey
from prover.setup import setup
from prover.zkey import read_zkey
from rollup.cli.errors import UsageError
from verifier.formats import proof_from_json, proof_to_json, public_from_json, public_to_json, vk_from_json, vk_to_json
from verifier.groth16 import verify_proof


def _example(args: argparse.Namespace, inputs: dict | None) -> object:
    cls = EXAMPLES.get(args.circuit)
    if cls is None:
        raise UsageError(f"unknown circuit {args.circuit!r}; known: {', '.join(sorted(EXAMPLES))}")
    params = {"length": args.size} if args.circuit == "square-chain" else {}
    try:
        return cls(**params, **(inputs or {}))
    except TypeError as exc:
        raise UsageError(f"bad inputs for {args.circuit}: {exc}") from exc


def _inputs(text: str) -> dict:
    raw = Path(text[1:]).read_text() if text.startswith("@") else text
    try:
        obj = json.loads(raw)
    except ValueError as exc:
        raise UsageError(f"--input is not JSON: {exc}") from exc
    if not isinstance(obj, dict) or not all(isinstance(v, int) for v in obj.values()):
        raise UsageError("--input must be a JSON object of integers")
    return obj


def _matrices(args: argparse.Namespace) -> R1CSMatrices:
    if args.r1cs:
        return read_r1cs(args.r1cs)
    if not args.circuit:
        raise UsageError("give --circuit NAME or --r1cs FILE")
    return synthesize(_example(args, None), Mode.SETUP).to_matrices()


def _assignment(args: argparse.Namespace) -> tuple[R1CSMatrices, list[int]]:
    if args.r1cs:
        if not args.wtns:
            raise UsageError("--r1cs needs --wtns")
        m = read_r1cs(args.r1cs)
        return m, read_wtns(args.wtns)
    if not args.circuit or args.input is None:
        raise UsageError("give --circuit NAME --input JSON, or --r1cs FILE --wtns FILE")
    cs = synthesize(_example(args, _inputs(args.input)), Mode.PROVE)
    return cs.to_matrices(), cs.assignment()


def cmd_setup(args: argparse.Namespace) -> int:
    m = _matrices(args)
    t0 = time.perf_counter()
    pk = setup(m)
    save_proving_key(pk, args.pk)
    Path(args.vk).write_text(json.dumps(vk_to_json(pk.vk), indent=1))
    print(f"setup: {m.num_constraints} constraints, {m.num_inputs} public inputs, "
          f"{m.num_variables} variables, domain 2^{pk.domain_size.bit_length() - 1}, "
          f"{time.perf_counter() - t0:.2f}s -> {args.pk}, {args.vk}")  # fmt: skip
    return 0


def cmd_prove(args: argparse.Namespace) -> int:
    if args.zkey:
        return _prove_zkey(args)
    if not args.pk:
        raise UsageError("give --pk FILE (a zkdx key) or --zkey FILE (a snarkjs ceremony key)")
    pk = load_proving_key(args.pk)
    m, z = _assignment(args)
    t0 = time.perf_counter()
    proof = create_proof(pk, m, z)
    public = z[1 : 1 + m.num_inputs]
    Path(args.proof).write_text(json.dumps(proof_to_json(proof), indent=1))
    Path(args.public).write_text(json.dumps(public_to_json(public)))
    print(f"prove: {m.num_constraints} constraints in {time.perf_counter() - t0:.2f}s, "
          f"public inputs {public} -> {args.proof}, {args.public}")  # fmt: skip
    return 0


def _prove_zkey(args: argparse.Namespace) -> int:
    """--zkey + --wtns (+ optional --r1cs to name an unsatisfied constraint first)."""
    if args.pk or args.circuit or args.input is not None or not args.wtns:
        raise UsageError("--zkey takes --wtns (and optionally --r1cs), not --pk, --circuit or --input")
    z = read_wtns_array(args.wtns)
    if args.r1cs:
        m = read_r1cs(args.r1cs)
        failing = m.which_is_unsatisfied(fr_values(z))
        if failing is not None:
            raise UnsatisfiedConstraint(failing)
    t0 = time.perf_counter()
    pk, coeffs = read_zkey(args.zkey)
    proof = prove_zkey(pk, coeffs, z)
    public = fr_values(z[1 : 1 + pk.num_inputs])
    Path(args.proof).write_text(json.dumps(proof_to_json(proof), indent=1))
    Path(args.public).write_text(json.dumps(public_to_json(public)))
    print(f"prove: {coeffs.num_variables} variables (.zkey) in {time.perf_counter() - t0:.2f}s, "
          f"public inputs {public} -> {args.proof}, {args.public}")  # fmt: skip
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    vk = vk_from_json(_read(args.vk))
    proof = proof_from_json(_read(args.proof))
    public = public_from_json(_read(args.public))
    t0 = time.perf_counter()
    ok = verify_proof(vk, public, proof)
    print(f"verify: {'VALID' if ok else 'INVALID'} proof for public inputs {public} ({time.perf_counter() - t0:.2f}s)")
    return 0 if ok else 1


def cmd_export(args: argparse.Namespace) -> int:
    m, z = _assignment(args)
    write_r1cs(m, args.out_r1cs)
    write_wtns(z, args.out_wtns)
    print(f"export: {m.num_constraints} constraints -> {args.out_r1cs}, {len(z)} values -> {args.out_wtns}")
    return 0


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read: {exc}") from exc


def _circuit_args(p: argparse.ArgumentParser, witness: bool) -> None:
    p.add_argument("--circuit", choices=sorted(EXAMPLES), help="a built-in example circuit")
    p.add_argument("--size", type=int, default=16, help="length of the square-chain circuit")
    p.add_argument("--r1cs", help="an iden3 .r1cs file instead of a built-in circuit")
    if witness:
        p.add_argument("--input", help="circuit inputs as JSON, or @file.json")
        p.add_argument("--wtns", help="an iden3 .wtns witness for --r1cs")


def add_parsers(sub: argparse._SubParsersAction) -> None:
    fmt = argparse.ArgumentDefaultsHelpFormatter
    p = sub.add_parser("setup", help="circuit-specific setup (dev trapdoor: INSECURE)", formatter_class=fmt)
    _circuit_args(p, witness=False)
    p.add_argument("--pk", required=True, help="proving key output")
    p.add_argument("--vk", required=True, help="verification key output (snarkjs JSON)")
    p.set_defaults(func=cmd_setup)
    p = sub.add_parser("prove", help="prove an assignment", formatter_class=fmt)
    _circuit_args(p, witness=True)
    p.add_argument("--pk", help="proving key (from zkdx setup)")
    p.add_argument("--zkey", help="snarkjs Groth16 .zkey from a phase-2 ceremony (secure setup); needs --wtns")
    p.add_argument("--proof", required=True, help="proof output (snarkjs JSON)")
    p.add_argument("--public", required=True, help="public signals output (snarkjs JSON)")
    p.set_defaults(func=cmd_prove)
    p = sub.add_parser("verify", help="verify a proof (exit 0 valid, 1 invalid, 2 malformed)", formatter_class=fmt)
    p.add_argument("--vk", required=True, help="verification key (snarkjs JSON)")
    p.add_argument("--proof", required=True, help="proof (snarkjs JSON)")
    p.add_argument("--public", required=True, help="public signals (snarkjs JSON)")
    p.set_defaults(func=cmd_verify)
    help_ = "write a circuit and witness as iden3 .r1cs/.wtns (for snarkjs)"
    p = sub.add_parser("export", help=help_, formatter_class=fmt)
    _circuit_args(p, witness=True)
    p.add_argument("--out-r1cs", required=True, help=".r1cs output")
    p.add_argument("--out-wtns", required=True, help=".wtns output")
    p.set_defaults(func=cmd_export)
