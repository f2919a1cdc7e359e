"""Membership in Baby Jubjub's prime-order subgroup by one reduced Tate pairing of order 8.

E(Fr) is cyclic of order 8·l and 8 divides r − 1, so for T of order 8 the reduced Tate
pairing P ↦ f_{8,T}(P)^((r−1)/8) is an injective map of E(Fr)/8E(Fr) ≅ Z/8 into the 8th
roots of unity: P lies in the order-l subgroup (= 8E(Fr)) iff it gives 1.  On the Montgomery
model v² = u³ + A·u² + u, Miller's loop for 8 = 2³ has three doubling steps, and the last is
the vertical tangent at 4T = (0, 0), so

    f_{8,T} = ℓ₁⁴ · ℓ₂² / ((u − u_{2T})⁴ · u)

with ℓ₁, ℓ₂ the tangent lines at T and 2T (normalised in v).  Evaluated at P outside ⟨T⟩
every factor is non-zero.  Cost: one inversion and one exponentiation, instead of l·P
(~250 doublings).  Points of order dividing 8 are decided directly (8P = O): only the
identity is in the subgroup.  Tested against l·P = O on every coset of the subgroup.
"""

from __future__ import annotations

import gmpy2
from gmpy2 import mpz

from circuits.field import R
from circuits.native import babyjubjub as bjj
from circuits.native import edwards as ed

P = mpz(R)
MONT_A = mpz(2 * (bjj.A + bjj.D) * pow(bjj.A - bjj.D, -1, R) % R)  # B = 4/(a − d) = 1
EXPONENT = (R - 1) // 8


def _montgomery(p: bjj.Point) -> tuple[mpz, mpz]:
    """(u, v) = ((1 + y)/(1 − y), u/x) for x ≠ 0, with one inversion."""
    x, y = mpz(p[0]), mpz(p[1])
    inv = gmpy2.invert((1 - y) * x % P, P)
    v = (1 + y) * inv % P
    return v * x % P, v


def _tangent(p: bjj.Point) -> tuple[mpz, mpz, mpz]:
    """(u, v, slope) of the tangent at p on the Montgomery model."""
    u, v = _montgomery(p)
    return u, v, (3 * u * u + 2 * MONT_A * u + 1) * gmpy2.invert(2 * v, P) % P


def _torsion_lines() -> tuple[tuple[mpz, mpz, mpz], tuple[mpz, mpz, mpz]]:
    t = bjj.mul(bjj.GENERATOR, bjj.SUBORDER)  # order 8: E(Fr) is cyclic of order 8l
    two_t = bjj.add(t, t)
    if bjj.add(two_t, two_t) != (0, R - 1):
        raise ImportError("Baby Jubjub torsion point does not have order 8")
    return _tangent(t), _tangent(two_t)


(_U1, _V1, _L1), (_U2, _V2, _L2) = _torsion_lines()


def is_small_order(p: bjj.Point) -> bool:
    """8·p is the identity (p on the curve)."""
    return ed.is_identity(ed.times8(ed.from_affine(p)))


def in_subgroup(p: bjj.Point) -> bool:
    """p is on the curve and l·p = O."""
    if not bjj.on_curve(p):
        return False
    if p[0] == 0:  # the identity (0, 1) or the point (0, −1) of order 2
        return p[1] == 1
    if is_small_order(p):
        return False
    u, v = _montgomery(p)
    l1 = (v - _V1 - _L1 * (u - _U1)) % P
    w = (u - _U2) % P
    l2 = (v - _V2 - _L2 * w) % P
    l1_2 = l1 * l1 % P
    num = l1_2 * l1_2 % P * (l2 * l2 % P) % P
    w2 = w * w % P
    den = w2 * w2 % P * u % P
    den2 = den * den % P
    den7 = den2 * den2 % P * den2 % P * den % P
    return gmpy2.powmod(num * den7 % P, EXPONENT, P) == 1  # (num/den)^e = 1 ⇔ (num·den⁷)^e = den^(8e) = 1
