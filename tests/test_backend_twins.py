"""The plain-Python bodies of the numba-overloaded helpers (``prover.backend.field`` fe_*,
``prover.backend.curve`` array access) against their jitted overloads and against py_ecc.

Kernels compile the overloads; Python callers run the bodies: both must compute the same thing."""

from __future__ import annotations

import random

import numpy as np
import pytest
from numba import njit
from py_ecc.optimized_bn128 import FQ, FQ2, field_modulus

from prover.backend import curve, field
from prover.backend.limbs import from_limbs, to_limbs

Q, MONT = field_modulus, 1 << 256
EDGE = [0, 1, 2, Q - 1, Q - 2]


def _python(a, b):
    """Every generic field helper on (a, b); run as Python, and compiled by numba below."""
    f = field
    return (
        f.fe_add(a, b), f.fe_sub(a, b), f.fe_mul(a, b), f.fe_sqr(a), f.fe_neg(a), f.fe_inv(a),
        f.fe_eq(a, b), f.fe_eq(a, a), f.fe_is_zero(a), f.fe_one_like(a), f.fe_zero_like(a), f.fe_curve_b(a),
    )  # fmt: skip


_jitted = njit(_python)  # the same source: numba resolves each helper to its overload


def _mont(v: int) -> tuple:
    return to_limbs(v * MONT % Q)


def _plain(x) -> object:
    """Nested limb tuples as nested tuples of Python ints (the kernels return uint64 tuples)."""
    if isinstance(x, tuple):
        return tuple(_plain(c) for c in x)
    return x if isinstance(x, bool) else int(x)


def _fq_elements(n: int) -> list[tuple]:
    rng = random.Random(7)
    return [_mont(v) for v in EDGE + [rng.randrange(Q) for _ in range(n)]]


@pytest.mark.parametrize("degree", [1, 2], ids=["Fq", "Fq2"])
def test_python_bodies_match_the_jitted_overloads(degree: int):
    xs = _fq_elements(12)
    elements = xs if degree == 1 else [(xs[k], xs[-1 - k]) for k in range(len(xs))]
    for a, b in zip(elements, elements[1:] + elements[:1]):
        assert _plain(_python(a, b)) == _plain(_jitted(a, b))


def test_python_bodies_match_py_ecc():
    """In Montgomery form the bodies are py_ecc's FQ and FQ2 arithmetic."""
    rng = random.Random(11)
    for _ in range(20):
        x, y, z, w = (rng.randrange(1, Q) for _ in range(4))
        val = lambda t: from_limbs(t) * pow(MONT, -1, Q) % Q  # noqa: E731
        assert val(field.fe_mul(_mont(x), _mont(y))) == (FQ(x) * FQ(y)).n
        assert val(field.fe_inv(_mont(x))) == (FQ(1) / FQ(x)).n
        prod = field.fe_mul((_mont(x), _mont(y)), (_mont(z), _mont(w)))
        assert [val(c) for c in prod] == [int(c) for c in (FQ2([x, y]) * FQ2([z, w])).coeffs]
        inv = field.fe_inv((_mont(x), _mont(y)))
        assert [val(c) for c in inv] == [int(c) for c in (FQ2([1, 0]) / FQ2([x, y])).coeffs]
    assert field.fe_inv(_mont(0)) == to_limbs(0)


def _python_arrays(affine, xyzz, fe):
    out_affine, out_xyzz = curve.new_affine_array(xyzz, 2), curve.new_xyzz_array(affine, 2)
    out_fe = curve.new_fe_array(xyzz, 2)
    for i in range(2):
        curve.store_affine(out_affine, i, curve.load_affine(affine, i))
        curve.store_xyzz(out_xyzz, i, curve.load_xyzz(xyzz, i))
        curve.store_fe(out_fe, i, curve.load_fe(fe, i))
    return out_affine, out_xyzz, out_fe, curve.affine_is_infinity(affine, 0), curve.affine_is_infinity(affine, 1)


_jitted_arrays = njit(_python_arrays)


@pytest.mark.parametrize("group", [1, 2], ids=["G1", "G2"])
def test_array_helpers_match_the_jitted_overloads(group: int):
    """Load, store and allocate on both layouts; point 0 is infinity (all limbs 0), point 1 is not."""
    rng = np.random.default_rng(group)
    tail = (4,) if group == 1 else (2, 4)
    affine = rng.integers(0, 1 << 63, size=(2, 2, *tail), dtype=np.uint64)
    affine[0] = 0
    xyzz = rng.integers(0, 1 << 63, size=(2, 4, *tail), dtype=np.uint64)
    fe = rng.integers(0, 1 << 63, size=(2, *tail), dtype=np.uint64)
    python, jitted = _python_arrays(affine, xyzz, fe), _jitted_arrays(affine, xyzz, fe)
    for p, j, expected in zip(python[:3], jitted[:3], (affine, xyzz, fe)):
        assert p.shape == j.shape == expected.shape and (p == expected).all() and (j == expected).all()
    assert python[3:] == tuple(jitted[3:]) == (True, False)
