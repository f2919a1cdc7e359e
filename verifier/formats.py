"""snarkjs JSON (proof, verification key, public signals) and EIP-197 calldata.

snarkjs writes field elements as decimal strings and points in projective form
with Z = "1" (G1 ``[x, y, "1"]``, G2 ``[[x.c0, x.c1], [y.c0, y.c1], ["1", "0"]]``;
infinity has Z = 0).  EIP-197 puts an Fp2 element on chain as (c1, c0).
Everything that cannot be parsed raises a typed MalformedError subclass.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from py_ecc.optimized_bn128 import Z1, Z2

from verifier import jsonsafe
from verifier.errors import (
    MalformedError,
    MalformedKeyError,
    MalformedPointError,
    MalformedProofError,
    PublicInputError,
)
from verifier.points import G1Point, G2Point, g1_from_xy, g1_xy, g2_from_xy, g2_xy
from verifier.types import Proof, VerifyingKey

_MAX_DIGITS = 80  # a 256-bit number has 78 decimal digits


def _load(data: str | bytes | dict | list, error: type[MalformedError]) -> Any:
    if isinstance(data, (str, bytes)):
        return jsonsafe.loads(data, error)
    return data


def _int(v: object, what: str) -> int:
    if isinstance(v, int) and not isinstance(v, bool):
        return v
    if isinstance(v, str) and v.isascii() and v.isdigit() and len(v) <= _MAX_DIGITS:
        return int(v)
    raise MalformedPointError(f"{what}: {jsonsafe.excerpt(v)} is not a decimal number of at most {_MAX_DIGITS} digits")


def _list(v: object, n: int, what: str) -> list:
    if not isinstance(v, list) or len(v) != n:
        raise MalformedPointError(f"{what}: expected a list of {n}")
    return v


# points ----------------------------------------------------------------------
def g1_to_json(pt: G1Point) -> list[str]:
    x, y = g1_xy(pt)
    return ["0", "1", "0"] if (x, y) == (0, 0) else [str(x), str(y), "1"]


def g1_from_json(v: object, what: str) -> G1Point:
    x, y, z = (_int(c, what) for c in _list(v, 3, what))
    if z == 0:
        return Z1
    if z != 1:
        raise MalformedPointError(f"{what}: Z must be 1 (affine) or 0 (infinity)")
    return g1_from_xy(x, y, what)


def g2_to_json(pt: G2Point) -> list[list[str]]:
    (x0, x1), (y0, y1) = g2_xy(pt)
    if not (x0 or x1 or y0 or y1):
        return [["0", "0"], ["1", "0"], ["0", "0"]]
    return [[str(x0), str(x1)], [str(y0), str(y1)], ["1", "0"]]


def g2_from_json(v: object, what: str) -> G2Point:
    x, y, z = ([_int(c, what) for c in _list(e, 2, what)] for e in _list(v, 3, what))
    if z == [0, 0]:
        return Z2
    if z != [1, 0]:
        raise MalformedPointError(f"{what}: Z must be [1, 0] (affine) or [0, 0] (infinity)")
    return g2_from_xy((x[0], x[1]), (y[0], y[1]), what)


# proof -----------------------------------------------------------------------
def proof_to_json(proof: Proof) -> dict:
    return {
        "pi_a": g1_to_json(proof.a),
        "pi_b": g2_to_json(proof.b),
        "pi_c": g1_to_json(proof.c),
        "protocol": "groth16",
        "curve": "bn128",
    }


def proof_from_json(data: str | bytes | dict) -> Proof:
    obj = _load(data, MalformedProofError)
    if not isinstance(obj, dict):
        raise MalformedProofError("proof JSON must be an object")
    if obj.get("protocol", "groth16") != "groth16" or obj.get("curve", "bn128") not in ("bn128", "bn254"):
        raise MalformedProofError("not a groth16 proof on bn128")
    try:
        return Proof(
            g1_from_json(obj.get("pi_a"), "pi_a"),
            g2_from_json(obj.get("pi_b"), "pi_b"),
            g1_from_json(obj.get("pi_c"), "pi_c"),
        )
    except MalformedPointError as exc:
        raise MalformedProofError(str(exc)) from exc


# verifying key ---------------------------------------------------------------
def vk_to_json(vk: VerifyingKey) -> dict:
    return {
        "protocol": "groth16",
        "curve": "bn128",
        "nPublic": vk.num_inputs,
        "vk_alpha_1": g1_to_json(vk.alpha_g1),
        "vk_beta_2": g2_to_json(vk.beta_g2),
        "vk_gamma_2": g2_to_json(vk.gamma_g2),
        "vk_delta_2": g2_to_json(vk.delta_g2),
        "IC": [g1_to_json(p) for p in vk.gamma_abc_g1],
    }


def vk_from_json(data: str | bytes | dict) -> VerifyingKey:
    obj = _load(data, MalformedKeyError)
    if not isinstance(obj, dict):
        raise MalformedKeyError("verification key JSON must be an object")
    if obj.get("protocol") != "groth16" or obj.get("curve") not in ("bn128", "bn254"):
        raise MalformedKeyError("not a groth16 verification key on bn128")
    ic = obj.get("IC")
    if not isinstance(ic, list) or not ic:
        raise MalformedKeyError("IC must be a non-empty list")
    n_public = obj.get("nPublic")
    if n_public != len(ic) - 1 or isinstance(n_public, bool):
        raise MalformedKeyError(
            f"nPublic {jsonsafe.excerpt(n_public)} does not match the {len(ic)} IC points, which imply "
            f"{len(ic) - 1} public inputs (IC[0] is the constant term): the key is inconsistent, "
            "likely edited or cut; export it again from its setup"
        )
    try:
        return VerifyingKey(
            g1_from_json(obj.get("vk_alpha_1"), "vk_alpha_1"),
            g2_from_json(obj.get("vk_beta_2"), "vk_beta_2"),
            g2_from_json(obj.get("vk_gamma_2"), "vk_gamma_2"),
            g2_from_json(obj.get("vk_delta_2"), "vk_delta_2"),
            tuple(g1_from_json(p, f"IC[{i}]") for i, p in enumerate(ic)),
        )
    except MalformedPointError as exc:
        raise MalformedKeyError(str(exc)) from exc


# public signals --------------------------------------------------------------
def public_to_json(values: Sequence[int]) -> list[str]:
    return [str(v) for v in values]


def public_from_json(data: str | bytes | list) -> list[int]:
    obj = _load(data, PublicInputError)
    if not isinstance(obj, list):
        raise PublicInputError("public signals JSON must be a list")
    try:
        return [_int(v, f"public[{i}]") for i, v in enumerate(obj)]
    except MalformedPointError as exc:
        raise PublicInputError(str(exc)) from exc


# EIP-197 calldata ------------------------------------------------------------
def proof_to_calldata(proof: Proof) -> list[int]:
    """[a.x, a.y, b.x.c1, b.x.c0, b.y.c1, b.y.c0, c.x, c.y] as the precompiles want them."""
    ax, ay = g1_xy(proof.a)
    (bx0, bx1), (by0, by1) = g2_xy(proof.b)
    cx, cy = g1_xy(proof.c)
    return [ax, ay, bx1, bx0, by1, by0, cx, cy]


def proof_from_calldata(words: Sequence[int]) -> Proof:
    if len(words) != 8:
        raise MalformedProofError(f"EIP-197 proof has 8 words, got {len(words)}")
    w = list(words)
    try:
        return Proof(
            g1_from_xy(w[0], w[1], "a"),
            g2_from_xy((w[3], w[2]), (w[5], w[4]), "b"),
            g1_from_xy(w[6], w[7], "c"),
        )
    except MalformedPointError as exc:
        raise MalformedProofError(str(exc)) from exc


def encode_calldata(proof: Proof, public_inputs: Sequence[int]) -> bytes:
    """ABI words of verifyProof(uint[2] a, uint[2][2] b, uint[2] c, uint[n] input): all static."""
    return b"".join(int(w).to_bytes(32, "big") for w in [*proof_to_calldata(proof), *public_inputs])
