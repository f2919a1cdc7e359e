"""Many Groth16 proofs under one key checked together: n + 3 Miller loops and one final exponentiation.

For proofs (A_i, B_i, C_i) with prepared inputs vk_x_i and fresh random 128-bit r_i:

    Π e(-r_i·A_i, B_i) · e((Σ r_i)·α, β) · e(Σ r_i·vk_x_i, γ) · e(Σ r_i·C_i, δ) = 1

holds if every proof verifies, and holds with probability at most 2^-128 over the r_i if
one does not (the standard small-exponent batch test).  Single verification costs 4 Miller
loops and a final exponentiation per proof; on py_ecc a Miller loop costs about as much as
a final exponentiation (its Frobenius maps are exponentiations), so per proof a batch of 16
costs about one Miller loop instead of four plus a final exponentiation.  A batch that
fails is checked proof by proof (``verifier.verify_proof``) to name the invalid ones.
Points are validated when a ``Proof`` is built (on the curve, G2 in the subgroup).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from py_ecc.optimized_bn128 import FQ12, Z1, add, curve_order, final_exponentiate, multiply, neg

from verifier import verify_proof
from verifier.groth16 import _miller, check_public_inputs
from verifier.types import Proof, VerifyingKey

R_BITS = 128


def batch_verify(vk: VerifyingKey, items: Sequence[tuple[Sequence[int], Proof]]) -> bool:
    """True iff every (public inputs, proof) verifies (false positives with probability ≤ 2^-128).

    Σ r_i·vk_x_i is computed as Σ_j (Σ_i r_i·x_ij)·IC_j (x_i0 = 1): ℓ + 1 scalar multiplications
    for the whole batch instead of ℓ + 1 per proof."""
    if len(items) == 1:
        return verify_proof(vk, *items[0])
    f, c = FQ12.one(), Z1
    coeffs = [0] * len(vk.gamma_abc_g1)  # coeffs[0] = Σ r_i
    for inputs, proof in items:
        r = secrets.randbits(R_BITS) | 1  # odd: never zero
        for j, x in enumerate([1, *check_public_inputs(vk, inputs)]):
            coeffs[j] = (coeffs[j] + r * x) % curve_order
        f *= _miller(proof.b, neg(multiply(proof.a, r)))
        c = add(c, multiply(proof.c, r))
    vk_x = Z1
    for coeff, point in zip(coeffs, vk.gamma_abc_g1):
        vk_x = add(vk_x, multiply(point, coeff)) if coeff else vk_x
    f *= _miller(vk.beta_g2, multiply(vk.alpha_g1, coeffs[0]))
    f *= _miller(vk.gamma_g2, vk_x) * _miller(vk.delta_g2, c)
    return final_exponentiate(f) == FQ12.one()


def invalid_proofs(
    vk: VerifyingKey, items: Sequence[tuple[Sequence[int], Proof]], first_only: bool = False
) -> list[int]:
    """Positions of the proofs that do not verify (one batch check when all do); with first_only,
    the proofs are rechecked in order up to the first invalid one only, whose position is returned."""
    if not items or batch_verify(vk, items):
        return []
    bad = []
    for i, (inputs, proof) in enumerate(items):
        if not verify_proof(vk, inputs, proof):
            bad.append(i)
            if first_only:
                break
    return bad
