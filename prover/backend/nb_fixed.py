"""Fixed-base scalar multiplication, batch normalization and curve checks (numba).

``table(base, c)`` holds d·2^(c·w)·G for every window w and digit d in [1, 2^c), in
affine form, so k·G costs one mixed addition per non-zero c-bit window of k.
``normalize`` turns XYZZ points into affine ones with one inversion per chunk
(Montgomery's trick on ZZ·ZZZ = Z^5: 1/ZZ = ZZZ/(ZZ·ZZZ), 1/ZZZ = ZZ/(ZZ·ZZZ)).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from prover.backend.curve import (
    affine_is_infinity,
    load_affine,
    load_fe,
    load_xyzz,
    new_affine_array,
    new_fe_array,
    new_xyzz_array,
    store_affine,
    store_fe,
    store_xyzz,
    xyzz_add,
    xyzz_add_mixed,
    xyzz_from_affine,
    xyzz_infinity_like,
)
from prover.backend.field import fe_add, fe_curve_b, fe_eq, fe_inv, fe_is_zero, fe_mul, fe_one_like, fe_sqr
from prover.backend.limbs import load4

WINDOW = 8
_CHUNK = 1024
SCALAR_BITS = 254


@njit(cache=True)
def multiples(base, c):
    """XYZZ array of d·2^(c·w)·base, row w·(2^c - 1) + d - 1."""
    nwin = (SCALAR_BITS + c - 1) // c
    width = (1 << c) - 1
    out = new_xyzz_array(base, nwin * width)
    start = xyzz_from_affine(load_affine(base, 0))
    for w in range(nwin):
        acc = start
        for d in range(width):
            store_xyzz(out, w * width + d, acc)
            acc = xyzz_add(acc, start)
        start = acc  # 2^c · start
    return out


@njit(parallel=True, cache=True)
def mul_many(table, scalars, c):
    """XYZZ array of k_i·G for the table of G (from ``multiples`` then ``normalize``)."""
    n = scalars.shape[0]
    width = (1 << c) - 1
    nwin = table.shape[0] // width
    out = new_xyzz_array(table, n)
    mask = np.uint64(width)
    for i in prange(n):
        k = load4(scalars, i)
        acc = xyzz_infinity_like(load_affine(table, 0)[0])
        for w in range(nwin):
            bit = w * c
            limb = bit // 64
            off = np.uint64(bit % 64)
            v = k[limb] >> off
            if bit % 64 + c > 64 and limb + 1 < 4:
                v |= k[limb + 1] << (np.uint64(64) - off)
            d = np.int64(v & mask)
            if d:
                acc = xyzz_add_mixed(acc, load_affine(table, w * width + d - 1))
        store_xyzz(out, i, acc)
    return out


@njit(parallel=True, cache=True)
def normalize(points):
    """Affine array of XYZZ points; infinity becomes the all-zero row."""
    n = points.shape[0]
    out = new_affine_array(points, n)
    for c in prange((n + _CHUNK - 1) // _CHUNK):
        lo, hi = c * _CHUNK, min(n, (c + 1) * _CHUNK)
        one = fe_one_like(load_xyzz(points, lo)[0])
        prefix = new_fe_array(points, hi - lo)
        acc = one
        for i in range(lo, hi):
            p = load_xyzz(points, i)
            store_fe(prefix, i - lo, acc)
            if not fe_is_zero(p[2]):
                acc = fe_mul(acc, fe_mul(p[2], p[3]))
        inv = fe_inv(acc)
        for i in range(hi - 1, lo - 1, -1):
            p = load_xyzz(points, i)
            if fe_is_zero(p[2]):
                continue
            z5_inv = fe_mul(inv, load_fe(prefix, i - lo))
            inv = fe_mul(inv, fe_mul(p[2], p[3]))
            x = fe_mul(p[0], fe_mul(z5_inv, p[3]))
            y = fe_mul(p[1], fe_mul(z5_inv, p[2]))
            store_affine(out, i, (x, y))
    return out


@njit(cache=True)
def first_off_curve(points):
    """Index of the first affine point with y^2 ≠ x^3 + b (infinity, all zeros, is fine), or -1."""
    for i in range(points.shape[0]):
        if affine_is_infinity(points, i):
            continue
        x, y = load_affine(points, i)
        if not fe_eq(fe_sqr(y), fe_add(fe_mul(fe_sqr(x), x), fe_curve_b(x))):
            return i
    return -1
