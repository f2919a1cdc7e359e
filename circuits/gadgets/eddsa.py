"""EdDSA-Poseidon signature verification over Baby Jubjub (circomlib's EdDSAPoseidonVerifier).

Constrains, for public key A, signature (R8, S) and message M:
  * S < l (S decomposed into 251 bits and compared with the constant l);
  * A and R8 on the curve, and 8·A ≠ identity (A is not a small-order point);
  * hm = Poseidon(R8.x, R8.y, A.x, A.y, M), decomposed into its unique 254 bits;
  * S·BASE8 = R8 + hm·(8·A), both multiplications in Montgomery form (8·A has order l).
A satisfying assignment exists iff the native ``eddsa.verify`` accepts.
"""

from __future__ import annotations

from circuits.field import R
from circuits.gadgets import babyjubjub as bj
from circuits.gadgets.bits import assert_bits_below, to_bits, to_bits_strict
from circuits.gadgets.montgomery import mul_fixed_base, mul_prime_order
from circuits.gadgets.poseidon import poseidon
from circuits.native import babyjubjub as bjj
from circuits.r1cs import ConstraintSystem, LCLike, LinearCombination


def _assert_nonzero(cs: ConstraintSystem, x: LinearCombination, name: str) -> None:
    """x · x⁻¹ = 1 (1 constraint)."""
    inv = cs.new_witness(f"{name}.inv", lambda: pow(cs.value(x), -1, R) if cs.value(x) else 0)
    cs.enforce(x, inv, 1, f"{name}.nonzero")


def verify_eddsa_poseidon(
    cs: ConstraintSystem, a: bj.CPoint, r8: bj.CPoint, s: LCLike, msg: LCLike, name: str = "eddsa"
) -> None:
    """Enforce that (r8, s) is a valid signature on msg under a."""
    with cs.namespace(name):
        s_bits = to_bits(cs, s, 251, "s")  # l < 2^251
        assert_bits_below(cs, s_bits, bjj.SUBORDER, "s<l")
        bj.assert_on_curve(cs, a, "a")
        bj.assert_on_curve(cs, r8, "r8")
        a8 = a
        for i in range(3):
            a8 = bj.double(cs, a8, f"a.dbl{i}")
        _assert_nonzero(cs, a8[0], "a8.x")
        hm = poseidon(cs, [r8[0], r8[1], a[0], a[1], msg], "hm")
        hm_bits = to_bits_strict(cs, hm, "hm")
        left = mul_fixed_base(cs, s_bits, bjj.BASE8, "sb")
        right = bj.add(cs, r8, mul_prime_order(cs, hm_bits, a8, "ha"), "r8+ha")
        cs.enforce(left[0] - right[0], cs.one(), 0, "x")
        cs.enforce(left[1] - right[1], cs.one(), 0, "y")
