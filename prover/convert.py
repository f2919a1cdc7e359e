"""Conversions between py_ecc optimized points (API boundary) and gmpy2 affine tuples."""

from __future__ import annotations

import gmpy2
from py_ecc.optimized_bn128 import FQ, FQ2, Z1, Z2

from prover.curve import Affine, Jacobian, g1_to_affine, g2_to_affine
from verifier.points import G1Point, G2Point, g1_xy, g2_xy


def g1_from_py_ecc(pt: G1Point) -> Affine:
    x, y = g1_xy(pt)
    return None if (x, y) == (0, 0) else (gmpy2.mpz(x), gmpy2.mpz(y))


def g2_from_py_ecc(pt: G2Point) -> Affine:
    (x0, x1), (y0, y1) = g2_xy(pt)
    if not (x0 or x1 or y0 or y1):
        return None
    return (gmpy2.mpz(x0), gmpy2.mpz(x1)), (gmpy2.mpz(y0), gmpy2.mpz(y1))


def g1_to_py_ecc(p: Affine) -> G1Point:
    return Z1 if p is None else (FQ(int(p[0])), FQ(int(p[1])), FQ.one())


def g2_to_py_ecc(p: Affine) -> G2Point:
    if p is None:
        return Z2
    return FQ2([int(c) for c in p[0]]), FQ2([int(c) for c in p[1]]), FQ2.one()


def g1_jacobian_to_py_ecc(p: Jacobian) -> G1Point:
    return g1_to_py_ecc(g1_to_affine(p))


def g2_jacobian_to_py_ecc(p: Jacobian) -> G2Point:
    return g2_to_py_ecc(g2_to_affine(p))
