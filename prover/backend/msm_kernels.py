"""Pippenger multi-scalar multiplication (numba), one kernel for G1 and G2.

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
from prover.backend.limbs import ZERO, load4, sub4, to_limbs

R_LIMBS = to_limbs(R)
SKIP, PLUS_ONE, MINUS_ONE, SMALL, SMALL_NEG, FULL = 0, 1, 2, 3, 4, 5


@njit(cache=True)
def classify(bases, scalars):
    """Kind of each (base, scalar) pair: SKIP, PLUS_ONE, MINUS_ONE, SMALL, SMALL_NEG or FULL."""
    n = scalars.shape[0]
    kind = np.zeros(n, dtype=np.int8)
    one = np.uint64(1)
    for i in range(n):
        k = load4(scalars, i)
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


@njit(cache=True)
def window_bits(n, bits):
    """c minimising windows·(n + 1.4·2^c) mixed additions (bucket fill + running sums)."""
    if n < 4:
        return 2
    best, best_cost = 2, 1e300
    for c in range(2, 20):
        cost = ((bits + c) // c) * (n + 1.4 * (1 << c))
        if cost < best_cost:
            best, best_cost = c, cost
    return best


@njit(forceinline=True)
def _digit(k, bit, c, mask):
    limb = bit // 64
    off = np.uint64(bit % 64)
    v = k[limb] >> off if limb < 4 else ZERO
    if bit % 64 + c > 64 and limb + 1 < 4:
        v |= k[limb + 1] << (np.uint64(64) - off)
    return np.int64(v & mask)


@njit(parallel=True, cache=True)
def msm(bases, scalars, chunks):
    """Σ scalars[i]·bases[i] as a one-point XYZZ array (ZZ = 0: infinity).

    One kernel per MSM: classify, then for the FULL and SMALL classes signed digits
    (parallel over scalars) and bucket sums (parallel over windows) combined by Horner,
    and the ±1 class summed in ``chunks`` parallel parts."""
    out = new_xyzz_array(bases, 1)
    if scalars.shape[0] == 0:
        return out
    kind = classify(bases, scalars)
    acc = xyzz_infinity_like(load_affine(bases, 0)[0])
    for cls in range(2):
        idx = np.flatnonzero(kind == FULL) if cls == 0 else np.flatnonzero((kind == SMALL) | (kind == SMALL_NEG))
        if idx.size == 0:
            continue
        negate = kind[idx] == SMALL_NEG
        bits = 254 if cls == 0 else 64
        c = window_bits(idx.size, bits)
        nwin = (bits + c) // c  # c·nwin ≥ bits + 1: the top digit never carries out
        half, full = 1 << (c - 1), 1 << c
        mask = np.uint64(full - 1)
        digits = np.empty((nwin, idx.size), dtype=np.int32)
        for j in prange(idx.size):
            k = load4(scalars, idx[j])
            if negate[j]:
                k, _ = sub4(R_LIMBS, k)
            carry = 0
            for w in range(nwin):
                d = _digit(k, w * c, c, mask) + carry
                carry = 0
                if d > half:
                    d -= full
                    carry = 1
                digits[w, j] = -d if negate[j] else d
        wins = new_xyzz_array(bases, nwin)
        for w in prange(nwin):
            store_xyzz(wins, w, _window(bases, idx, digits[w], half))
        top = load_xyzz(wins, nwin - 1)
        for w in range(nwin - 2, -1, -1):
            for _ in range(c):
                top = xyzz_double(top)
            top = xyzz_add(top, load_xyzz(wins, w))
        acc = xyzz_add(acc, top)
    ones = np.flatnonzero((kind == PLUS_ONE) | (kind == MINUS_ONE))
    if ones.size:
        parts = new_xyzz_array(bases, chunks)
        step = (ones.size + chunks - 1) // chunks
        for t in prange(chunks):
            part = xyzz_infinity_like(load_affine(bases, 0)[0])
            for j in range(t * step, min(ones.size, (t + 1) * step)):
                q = load_affine(bases, ones[j])
                part = xyzz_add_mixed(part, affine_neg(q) if kind[ones[j]] == MINUS_ONE else q)
            store_xyzz(parts, t, part)
        for t in range(chunks):
            acc = xyzz_add(acc, load_xyzz(parts, t))
    store_xyzz(out, 0, acc)
    return out


@njit
def _window(bases, idx, row, half):
    """Σ_j row[j]·bases[idx[j]] for one window: fill 2^(c-1) buckets, then running sums."""
    buckets = new_xyzz_array(bases, half)
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
    return total
