"""Validated BN254 points as py_ecc ``optimized_bn128`` tuples, normalized to Z = 1.

Coordinates are integers in [0, p).  (0, 0) in G1 and (0, 0, 0, 0) in G2 encode the
point at infinity (the EIP-197 convention); any other point must be on its curve,
and a G2 point must also lie in the order-r subgroup (G2's cofactor is not 1).
"""

from __future__ import annotations

from typing import Any

from py_ecc.optimized_bn128 import (
    FQ,
    FQ2,
    Z1,
    Z2,
    b,
    b2,
    curve_order,
    field_modulus,
    is_inf,
    is_on_curve,
    multiply,
    normalize,
)

from verifier.errors import MalformedPointError

G1Point = Any  # (FQ, FQ, FQ)
G2Point = Any  # (FQ2, FQ2, FQ2)


def _coord(v: object, what: str) -> int:
    if not isinstance(v, int) or isinstance(v, bool):
        raise MalformedPointError(f"{what}: coordinate is {type(v).__name__}, not int")
    if not 0 <= v < field_modulus:
        raise MalformedPointError(f"{what}: coordinate is not in [0, p)")
    return v


def g1_from_xy(x: int, y: int, what: str = "G1 point") -> G1Point:
    x, y = _coord(x, what), _coord(y, what)
    if x == 0 and y == 0:
        return Z1
    pt = (FQ(x), FQ(y), FQ.one())
    if not is_on_curve(pt, b):
        raise MalformedPointError(f"{what}: not on the curve y^2 = x^3 + 3")
    return pt


def g2_from_xy(x: tuple[int, int], y: tuple[int, int], what: str = "G2 point") -> G2Point:
    """x, y as (c0, c1) pairs, i.e. c0 + c1·u (py_ecc's order, not EIP-197's)."""
    cs = [_coord(v, what) for v in (*x, *y)]
    if not any(cs):
        return Z2
    pt = (FQ2(cs[0:2]), FQ2(cs[2:4]), FQ2.one())
    if not is_on_curve(pt, b2):
        raise MalformedPointError(f"{what}: not on the twist curve")
    if not is_inf(multiply(pt, curve_order)):
        raise MalformedPointError(f"{what}: not in the order-r subgroup")
    return pt


def check_g1(pt: object, what: str = "G1 point") -> G1Point:
    """Validate a py_ecc point of any projective scale and return it normalized."""
    x, y = g1_xy(pt, what)
    return g1_from_xy(x, y, what)


def check_g2(pt: object, what: str = "G2 point") -> G2Point:
    x, y = g2_xy(pt, what)
    return g2_from_xy(x, y, what)


def g1_xy(pt: object, what: str = "G1 point") -> tuple[int, int]:
    """Affine coordinates as ints; infinity is (0, 0)."""
    if not (isinstance(pt, tuple) and len(pt) == 3 and all(isinstance(c, FQ) for c in pt)):
        raise MalformedPointError(f"{what}: not a py_ecc optimized G1 point")
    if is_inf(pt):
        return 0, 0
    x, y = normalize(pt)
    return int(x), int(y)


def g2_xy(pt: object, what: str = "G2 point") -> tuple[tuple[int, int], tuple[int, int]]:
    """Affine coordinates as ((x.c0, x.c1), (y.c0, y.c1)); infinity is all zeros."""
    if not (isinstance(pt, tuple) and len(pt) == 3 and all(isinstance(c, FQ2) for c in pt)):
        raise MalformedPointError(f"{what}: not a py_ecc optimized G2 point")
    if is_inf(pt):
        return (0, 0), (0, 0)
    x, y = normalize(pt)
    return (int(x.coeffs[0]), int(x.coeffs[1])), (int(y.coeffs[0]), int(y.coeffs[1]))
