"""Pippenger multi-scalar multiplication kernels (numba), generic over G1 and G2.

Scalars are Fr elements in normal form, ``(n, 4)`` uint64.  A scalar k is cut into
signed c-bit digits d_w in (-2^(c-1), 2^(c-1)] with Σ d_w 2^(cw) = k, so a window
needs 2^(c-1) buckets and a negative digit adds the negated base.  Buckets are
XYZZ points (8M + 2S a mixed addition).  Windows run in parallel (``prange``).

``classify`` sorts the pairs before any curve work: a base at infinity or a zero
scalar contributes nothing; ±1 scalars are summed directly; scalars k or r - k
below 2^64 ("small": range-check values, amounts, negative constants) go to a
Pippenger over 64-bit digits; the rest to the full 254-bit one.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from prover.backend.curve import (
    affine_is_infinity,
    affine_neg,
    load_affine,
    load_xyzz,
    new_xyzz_array,
    store_xyzz,
    xyzz_add,
    xyzz_add_mixed,
    xyzz_double,
    xyzz_infinity_like,
)
from prover.backend.field import R
from prover.backend.limbs import ZERO, sub4, to_limbs

R_LIMBS = to_limbs(R)
SKIP, PLUS_ONE, MINUS_ONE, SMALL, SMALL_NEG, FULL = 0, 1, 2, 3, 4, 5


@njit(forceinline=True)
def _load4(a, i):
    return (a[i, 0], a[i, 1], a[i, 2], a[i, 3])


@njit(cache=True)
def classify(bases, scalars):
    """Kind of each (base, scalar) pair: SKIP, PLUS_ONE, MINUS_ONE, SMALL, SMALL_NEG or FULL."""
    n = scalars.shape[0]
    kind = np.zeros(n, dtype=np.int8)
    one = np.uint64(1)
    for i in range(n):
        k = _load4(scalars, i)
        if (k[0] | k[1] | k[2] | k[3]) == ZERO or affine_is_infinity(bases, i):
            continue
        if (k[1] | k[2] | k[3]) == ZERO:
            kind[i] = PLUS_ONE if k[0] == one else SMALL
            continue
        neg, _ = sub4(R_LIMBS, k)
        if (neg[1] | neg[2] | neg[3]) == ZERO:
            kind[i] = MINUS_ONE if neg[0] == one else SMALL_NEG
        else:
            kind[i] = FULL
    return kind


@njit(parallel=True, cache=True)
def signed_digits(scalars, idx, negate, c, nwin):
    """digits[w, j] of scalar idx[j] (of r - scalar where negate[j], with the digits negated)."""
    m = idx.size
    out = np.empty((nwin, m), dtype=np.int32)
    half = 1 << (c - 1)
    full = 1 << c
    mask = np.uint64(full - 1)
    for j in prange(m):
        k = _load4(scalars, idx[j])
        if negate[j]:
            k, _ = sub4(R_LIMBS, k)
        sign = -1 if negate[j] else 1
        carry = 0
        for w in range(nwin):
            bit = w * c
            limb = bit // 64
            off = np.uint64(bit % 64)
            v = k[limb] >> off if limb < 4 else ZERO
            if bit % 64 + c > 64 and limb + 1 < 4:
                v |= k[limb + 1] << (np.uint64(64) - off)
            d = np.int64(v & mask) + carry
            carry = 0
            if d > half:
                d -= full
                carry = 1
            out[w, j] = sign * d
    return out


@njit(parallel=True, cache=True)
def window_sums(bases, idx, digits, c):
    """Σ_j digits[w, j] · bases[idx[j]] for every window w (XYZZ array)."""
    nwin = digits.shape[0]
    half = 1 << (c - 1)
    out = new_xyzz_array(bases, nwin)
    for w in prange(nwin):
        buckets = new_xyzz_array(bases, half)
        row = digits[w]
        for j in range(idx.size):
            d = row[j]
            if d == 0:
                continue
            q = load_affine(bases, idx[j])
            if d < 0:
                q = affine_neg(q)
                d = -d
            store_xyzz(buckets, d - 1, xyzz_add_mixed(load_xyzz(buckets, d - 1), q))
        running = xyzz_infinity_like(load_affine(bases, 0)[0])
        total = running
        for b in range(half - 1, -1, -1):
            running = xyzz_add(running, load_xyzz(buckets, b))
            total = xyzz_add(total, running)
        store_xyzz(out, w, total)
    return out


@njit(cache=True)
def combine_windows(wins, c):
    """Σ_w 2^(cw) · wins[w] (Horner from the top window), as a 1-point XYZZ array."""
    nwin = wins.shape[0]
    acc = load_xyzz(wins, nwin - 1)
    for w in range(nwin - 2, -1, -1):
        for _ in range(c):
            acc = xyzz_double(acc)
        acc = xyzz_add(acc, load_xyzz(wins, w))
    out = np.empty_like(wins[:1])
    store_xyzz(out, 0, acc)
    return out


@njit(parallel=True, cache=True)
def signed_sum(bases, idx, negate, chunks):
    """Σ ±bases[idx[j]] (minus where negate[j]) in ``chunks`` parallel parts (XYZZ array)."""
    out = new_xyzz_array(bases, chunks)
    step = (idx.size + chunks - 1) // chunks
    for t in prange(chunks):
        acc = xyzz_infinity_like(load_affine(bases, 0)[0])
        for j in range(t * step, min(idx.size, (t + 1) * step)):
            q = load_affine(bases, idx[j])
            acc = xyzz_add_mixed(acc, affine_neg(q) if negate[j] else q)
        store_xyzz(out, t, acc)
    return out


@njit(cache=True)
def sum_xyzz(points):
    """Σ of the XYZZ points of an array, as a 1-point XYZZ array."""
    acc = load_xyzz(points, 0)
    for i in range(1, points.shape[0]):
        acc = xyzz_add(acc, load_xyzz(points, i))
    out = np.empty_like(points[:1])
    store_xyzz(out, 0, acc)
    return out
