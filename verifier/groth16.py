"""Groth16 verification: one product of four Miller loops and one final exponentiation.

Checks e(A, B) = e(α, β) · e(vk_x, γ) · e(C, δ), with vk_x = Σ x_i·gamma_abc_g1[i]
(x_0 = 1), as  e(-A, B) · e(α, β) · e(vk_x, γ) · e(C, δ) = 1.
"""

from __future__ import annotations

from collections.abc import Sequence

from py_ecc.optimized_bn128 import FQ12, add, curve_order, final_exponentiate, is_inf, multiply, neg, twist
from py_ecc.optimized_bn128.optimized_pairing import cast_point_to_fq12, miller_loop

from verifier.errors import MalformedKeyError, MalformedProofError, PublicInputError
from verifier.points import G1Point, G2Point
from verifier.types import Proof, VerifyingKey


def check_public_inputs(vk: VerifyingKey, public_inputs: Sequence[int]) -> list[int]:
    """Raise PublicInputError unless there are exactly ℓ ints, each in [0, r)."""
    values = list(public_inputs)
    if len(values) != vk.num_inputs:
        raise PublicInputError(f"expected {vk.num_inputs} public inputs, got {len(values)}")
    for i, x in enumerate(values):
        if not isinstance(x, int) or isinstance(x, bool):
            raise PublicInputError(f"public input {i} is {type(x).__name__}, not int")
        if not 0 <= x < curve_order:
            raise PublicInputError(f"public input {i} is not in [0, r)")
    return values


def prepare_inputs(vk: VerifyingKey, public_inputs: Sequence[int]) -> G1Point:
    """vk_x = gamma_abc_g1[0] + Σ x_i · gamma_abc_g1[i + 1]."""
    acc = vk.gamma_abc_g1[0]
    for x, point in zip(check_public_inputs(vk, public_inputs), vk.gamma_abc_g1[1:]):
        if x:
            acc = add(acc, multiply(point, x))
    return acc


def _miller(q: G2Point, p: G1Point) -> FQ12:
    if is_inf(q) or is_inf(p):
        return FQ12.one()
    return miller_loop(twist(q), cast_point_to_fq12(p), final_exponentiate=False)


def verify_proof(vk: VerifyingKey, public_inputs: Sequence[int], proof: Proof) -> bool:
    """True iff the proof is valid for these public inputs.

    Raises MalformedKeyError / MalformedProofError for objects of the wrong type and
    PublicInputError for a wrong count or a value outside [0, r); never returns True
    for anything else.
    """
    if not isinstance(vk, VerifyingKey):
        raise MalformedKeyError(f"expected a VerifyingKey, got {type(vk).__name__}")
    if not isinstance(proof, Proof):
        raise MalformedProofError(f"expected a Proof, got {type(proof).__name__}")
    vk_x = prepare_inputs(vk, public_inputs)
    f = (
        _miller(proof.b, neg(proof.a))
        * _miller(vk.beta_g2, vk.alpha_g1)
        * _miller(vk.gamma_g2, vk_x)
        * _miller(vk.delta_g2, proof.c)
    )
    return final_exponentiate(f) == FQ12.one()
