"""``zkdx setup / prove / verify / export``: Groth16 on a built-in example circuit or a circom
``.r1cs`` + ``.wtns``, with snarkjs JSON for keys, proofs and public signals.

Arguments are checked before any long work: the circuit source (``--circuit`` or
``--r1cs``, never both), options that would be ignored (``--size`` off square-chain,
``--wtns`` with ``--circuit``), inputs (a JSON object naming exactly the circuit's
inputs, each an integer or decimal string in [0, r); booleans are refused), the worker
count (``ZKDX_WORKERS``) and every output path.  Outputs are written atomically.

numpy, numba and the prover load inside the commands that use them (not when the
parser is built), so ``zkdx verify`` and ``zkdx --help`` start without them.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time

from circuits.examples import EXAMPLES, synthesize
from circuits.field import R
from circuits.r1cs import Mode, R1CSMatrices
from prover.errors import INSECURE_WARNING, UnsatisfiedConstraint
from prover.parallel import default_workers
from rollup.cli.errors import UsageError
from rollup.cli.files import check_outputs, read_input, read_json, write_atomic
from verifier import jsonsafe
from verifier.formats import proof_from_json, proof_to_json, public_from_json, public_to_json, vk_from_json, vk_to_json
from verifier.groth16 import verify_proof

SIZED = "square-chain"  # the one example with a size parameter (its field ``length``)
DEFAULT_SIZE, MAX_SIZE = 16, 1 << 22
MAX_INPUT_BYTES = 1 << 20
_MAX_DIGITS = 78  # r has 77 decimal digits


# inputs and circuits ---------------------------------------------------------
def _size(args: argparse.Namespace) -> dict[str, int]:
    """The example's parameters: ``--size`` for square-chain, an error for any other circuit."""
    size = getattr(args, "size", None)
    if args.circuit != SIZED:
        if size is not None:
            raise UsageError(f"--size applies to {SIZED} only, not to {args.circuit or 'an --r1cs file'}")
        return {}
    size = DEFAULT_SIZE if size is None else size
    if not 1 <= size <= MAX_SIZE:
        raise UsageError(f"--size must be between 1 and {MAX_SIZE}, got {size}")
    return {"length": size}


def _example(args: argparse.Namespace, inputs: dict[str, int] | None) -> object:
    cls, params = EXAMPLES[args.circuit], _size(args)
    if inputs is None:
        return cls(**params)
    expected = [f.name for f in dataclasses.fields(cls) if f.name not in params]
    missing, unknown = sorted(set(expected) - set(inputs)), sorted(set(inputs) - set(expected))
    if missing or unknown:
        found = "; ".join(
            f"{what} {', '.join(map(jsonsafe.excerpt, names))}"
            for what, names in (("missing", missing), ("unknown", unknown))
            if names
        )
        raise UsageError(f"{args.circuit} takes the inputs {', '.join(expected)} ({found})")
    return cls(**params, **inputs)


def _inputs(text: str) -> dict[str, int]:
    """--input: JSON text or @file, an object whose values are field elements."""
    raw = read_input(text[1:], MAX_INPUT_BYTES) if text.startswith("@") else text
    try:
        obj = jsonsafe.loads(raw, UsageError, max_bytes=MAX_INPUT_BYTES, max_depth=1)
    except UsageError as exc:
        raise UsageError(f"--input: {exc}") from exc
    if not isinstance(obj, dict):
        raise UsageError('--input must be a JSON object such as {"x": 3}')
    return {name: _field_element(name, v) for name, v in obj.items()}


def _field_element(name: str, v: object) -> int:
    if isinstance(v, str) and v.isascii() and v.isdigit() and len(v) <= _MAX_DIGITS:
        v = int(v)
    if not isinstance(v, int) or isinstance(v, bool):
        raise UsageError(f"--input {jsonsafe.excerpt(name)}: {jsonsafe.excerpt(v)} is not an integer")
    if not 0 <= v < R:
        raise UsageError(f"--input {jsonsafe.excerpt(name)}: {jsonsafe.excerpt(v)} is not in [0, r)")
    return v


def _matrices(args: argparse.Namespace) -> R1CSMatrices:
    from circuits.iden3 import read_r1cs

    if args.r1cs:
        _size(args)  # refuses --size
        return read_r1cs(args.r1cs)
    return synthesize(_example(args, None), Mode.SETUP).to_matrices()


def _witness_args(args: argparse.Namespace) -> None:
    """--r1cs goes with --wtns, --circuit with --input; nothing is silently ignored."""
    if args.r1cs and args.input is not None:
        raise UsageError("--input goes with --circuit; with --r1cs give the witness as --wtns")
    if args.circuit and args.wtns:
        raise UsageError("--wtns goes with --r1cs; with --circuit give the inputs as --input")
    if args.r1cs and not args.wtns:
        raise UsageError("--r1cs needs --wtns")
    if args.circuit and args.input is None:
        raise UsageError(f"--circuit {args.circuit} needs --input (JSON or @file)")


def _assignment(args: argparse.Namespace) -> tuple[R1CSMatrices, list[int]]:
    from circuits.iden3 import read_r1cs, read_wtns

    _witness_args(args)
    if args.r1cs:
        _size(args)  # refuses --size
        return read_r1cs(args.r1cs), read_wtns(args.wtns)
    cs = synthesize(_example(args, _inputs(args.input)), Mode.PROVE)
    return cs.to_matrices(), cs.assignment()


def _satisfying(m: R1CSMatrices, z: list[int]) -> list[int]:
    """z itself once it fits m and satisfies every constraint (else the first failing one is named)."""
    failing = m.which_is_unsatisfied(z)
    if failing is not None:
        raise UnsatisfiedConstraint(failing)
    return z


# commands ----------------------------------------------------------------------
def cmd_setup(args: argparse.Namespace) -> int:
    from prover.keys import encode_proving_key
    from prover.setup import setup

    check_outputs(args.pk, args.vk)
    workers = default_workers()
    m = _matrices(args)
    print(INSECURE_WARNING, file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    pk = setup(m, workers=workers, quiet=True)
    write_atomic(args.pk, encode_proving_key(pk))
    write_atomic(args.vk, json.dumps(vk_to_json(pk.vk), indent=1))
    print(f"setup: {m.num_constraints} constraints, {m.num_inputs} public inputs, "
          f"{m.num_variables} variables, domain 2^{pk.domain_size.bit_length() - 1}, "
          f"{time.perf_counter() - t0:.2f}s -> {args.pk}, {args.vk}")  # fmt: skip
    return 0


def cmd_prove(args: argparse.Namespace) -> int:
    check_outputs(args.proof, args.public)
    if args.zkey:
        return _prove_zkey(args)
    if not args.pk:
        raise UsageError("give --pk FILE (a zkdx key) or --zkey FILE (a snarkjs ceremony key)")
    if not (args.circuit or args.r1cs):
        raise UsageError("--pk proves --circuit NAME or --r1cs FILE; give one of them")
    from prover.keys import load_proving_key
    from prover.prove import create_proof

    workers = default_workers()
    m, z = _assignment(args)
    pk = load_proving_key(args.pk)
    t0 = time.perf_counter()
    proof = create_proof(pk, m, z, workers=workers)
    public = z[1 : 1 + m.num_inputs]
    write_atomic(args.proof, json.dumps(proof_to_json(proof), indent=1))
    write_atomic(args.public, json.dumps(public_to_json(public)))
    print(f"prove: {m.num_constraints} constraints in {time.perf_counter() - t0:.2f}s, "
          f"public inputs {public} -> {args.proof}, {args.public}")  # fmt: skip
    return 0


def _prove_zkey(args: argparse.Namespace) -> int:
    """--zkey + --wtns (+ optional --r1cs to name an unsatisfied constraint first)."""
    from circuits.iden3 import read_r1cs, read_wtns_array
    from prover.points import fr_values
    from prover.prove import prove_zkey
    from prover.zkey import read_zkey

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
    write_atomic(args.proof, json.dumps(proof_to_json(proof), indent=1))
    write_atomic(args.public, json.dumps(public_to_json(public)))
    print(f"prove: {coeffs.num_variables} variables (.zkey) in {time.perf_counter() - t0:.2f}s, "
          f"public inputs {public} -> {args.proof}, {args.public}")  # fmt: skip
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    vk = read_json(args.vk, vk_from_json)
    proof = read_json(args.proof, proof_from_json)
    public = read_json(args.public, public_from_json)
    t0 = time.perf_counter()
    ok = verify_proof(vk, public, proof)
    print(f"verify: {'VALID' if ok else 'INVALID'} proof for public inputs {public} ({time.perf_counter() - t0:.2f}s)")
    return 0 if ok else 1


def cmd_export(args: argparse.Namespace) -> int:
    from circuits.iden3 import encode_r1cs, encode_wtns

    outputs = [p for p in (args.out_r1cs, args.out_wtns) if p]
    if not outputs:
        raise UsageError("give --out-r1cs FILE, --out-wtns FILE or both")
    check_outputs(*outputs)
    if args.out_wtns is None:
        if args.input is not None or args.wtns:
            raise UsageError("--input/--wtns without --out-wtns would be ignored")
        m, z = _matrices(args), None
    else:
        m, z = _assignment(args)
        z = _satisfying(m, z)
    if args.out_r1cs:
        write_atomic(args.out_r1cs, encode_r1cs(m))
    if z is not None:
        write_atomic(args.out_wtns, encode_wtns(z))
    wrote = [f"{m.num_constraints} constraints -> {args.out_r1cs}"] if args.out_r1cs else []
    wrote += [f"{len(z)} values -> {args.out_wtns}"] if z is not None else []
    print(f"export: {', '.join(wrote)}")
    return 0


# parsers -----------------------------------------------------------------------
def _circuit_args(p: argparse.ArgumentParser, witness: bool, required: bool = True) -> None:
    source = p.add_mutually_exclusive_group(required=required)
    source.add_argument("--circuit", choices=sorted(EXAMPLES), help="a built-in example circuit")
    source.add_argument("--r1cs", help="an iden3 .r1cs file (e.g. from circom) instead of a built-in circuit")
    p.add_argument(
        "--size", type=int, default=argparse.SUPPRESS, help=f"{SIZED} only: its length ({DEFAULT_SIZE} if not given)"
    )
    if witness:
        p.add_argument("--input", help="--circuit inputs as JSON (e.g. '{\"x\": 3}') or @file.json")
        p.add_argument("--wtns", help="an iden3 .wtns witness for --r1cs")


def add_parsers(sub: argparse._SubParsersAction) -> None:
    fmt = argparse.ArgumentDefaultsHelpFormatter
    p = sub.add_parser("setup", help="circuit-specific setup (dev trapdoor: INSECURE)", formatter_class=fmt)
    _circuit_args(p, witness=False)
    p.add_argument("--pk", required=True, help="proving key output")
    p.add_argument("--vk", required=True, help="verification key output (snarkjs JSON)")
    p.set_defaults(func=cmd_setup)
    p = sub.add_parser("prove", help="prove an assignment", formatter_class=fmt)
    _circuit_args(p, witness=True, required=False)  # --zkey needs only --wtns
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
    p = sub.add_parser("export", help="write a circuit (and a witness) as iden3 .r1cs/.wtns", formatter_class=fmt,
                       description=EXPORT_HELP)  # fmt: skip
    _circuit_args(p, witness=True)
    p.add_argument("--out-r1cs", help=".r1cs output (the circuit; needs no input)")
    p.add_argument("--out-wtns", help=".wtns output (needs --input or --wtns; refused unless it satisfies the circuit)")
    p.set_defaults(func=cmd_export)


EXPORT_HELP = (
    "Write a circuit as an iden3 .r1cs file and, given inputs, a satisfying witness as .wtns, for "
    "snarkjs and other iden3 tools (e.g. `snarkjs groth16 setup`). This exports the circuit itself; "
    "to get a Solidity contract that verifies proofs for a verification key, use `zkdx export-verifier`."
)
