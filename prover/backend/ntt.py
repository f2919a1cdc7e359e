"""Radix-2 NTT over Fr and the Groth16 quotient on the odd coset (numba kernels).

Arrays hold Fr elements as ``(n, 4)`` uint64 in Montgomery form unless a name says
otherwise.  ``ntt`` is an in-place iterative Cooley-Tukey transform (bit-reversal,
then log n stages; each stage's n/2 butterflies run in parallel) with a twiddle
table tw[j] = ω^j, j < n/2.  ``odd_coset_values`` maps evaluations on the domain H
to evaluations on the odd coset ω_2n·H (iNTT, scale by ω_2n^i / n, NTT), which is
where snarkjs evaluates the quotient: there Z(x) = x^n - 1 = -2.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from prover.backend.field import FR_M, FR_ONE, fr_add, fr_mul, fr_sub
from prover.backend.limbs import ONE, ZERO, load4, mont_mul, store4

_CHUNK = 4096


@njit(forceinline=True)
def _fr_pow(base, e):
    acc = FR_ONE
    b = base
    while e:
        if e & 1:
            acc = fr_mul(acc, b)
        b = fr_mul(b, b)
        e >>= 1
    return acc


@njit(cache=True)
def powers(base, count):
    """[base^0, ..., base^(count-1)] (base given as a Montgomery 4-tuple)."""
    out = np.empty((count, 4), dtype=np.uint64)
    acc = FR_ONE
    for i in range(count):
        store4(out, i, acc)
        acc = fr_mul(acc, base)
    return out


@njit(forceinline=True)
def _log2(n):
    k = 0
    while (1 << k) < n:
        k += 1
    return k


@njit(forceinline=True)
def _butterfly(a, i0, i1, w):
    x = load4(a, i0)
    y = fr_mul(load4(a, i1), w)
    store4(a, i0, fr_add(x, y))
    store4(a, i1, fr_sub(x, y))


@njit(parallel=True, cache=True)
def ntt_many(polys, tw):
    """In place, each polys[k]: coefficients -> evaluations at ω^0..ω^(n-1) (tw[j] = ω^j).

    Bit reversal, then the first log(n/B) stages inside B = 8 contiguous blocks (one
    parallel region for all of them), then the last log B stages across the array:
    log B + 2 parallel regions per transform instead of log n + 1."""
    n = polys.shape[1]
    log_n = _log2(n)
    log_b = min(3, log_n)
    blocks = 1 << log_b
    span = n >> log_b
    for k in range(polys.shape[0]):
        a = polys[k]
        for i in prange(n):
            j = 0
            for b in range(log_n):
                j = (j << 1) | ((i >> b) & 1)
            if i < j:
                t = load4(a, i)
                store4(a, i, load4(a, j))
                store4(a, j, t)
        for blk in prange(blocks):
            base = blk * span
            for log_m in range(log_n - log_b):
                m = 1 << log_m
                shift = log_n - 1 - log_m
                for u in range(span // 2):
                    j = u & (m - 1)
                    i0 = base + ((u >> log_m) << (log_m + 1)) + j
                    _butterfly(a, i0, i0 + m, load4(tw, j << shift))
        for log_m in range(log_n - log_b, log_n):
            m = 1 << log_m
            shift = log_n - 1 - log_m
            for t in prange(n // 2):
                j = t & (m - 1)
                i0 = ((t >> log_m) << (log_m + 1)) | j
                _butterfly(a, i0, i0 + m, load4(tw, j << shift))


def ntt(a: np.ndarray, tw: np.ndarray) -> None:
    """In place: coefficients -> evaluations at ω^0..ω^(n-1) (tw from the same ω)."""
    ntt_many(a.reshape(1, *a.shape), tw)


@njit(parallel=True, cache=True)
def scale_many(polys, start, step):
    """polys[k][i] *= start · step^i, in chunks that each begin with one exponentiation."""
    n = polys.shape[1]
    s = load4(start, 0)
    g = load4(step, 0)
    chunks = (n + _CHUNK - 1) // _CHUNK
    for t in prange(polys.shape[0] * chunks):
        a = polys[t // chunks]
        lo = (t % chunks) * _CHUNK
        acc = fr_mul(s, _fr_pow(g, lo))
        for i in range(lo, min(n, lo + _CHUNK)):
            store4(a, i, fr_mul(load4(a, i), acc))
            acc = fr_mul(acc, g)


@njit(parallel=True, cache=True)
def ab_minus_c_normal(abc):
    """a·b - c per element, converted out of Montgomery form (the MSM takes normal scalars)."""
    n = abc.shape[1]
    out = np.empty((n, 4), dtype=np.uint64)
    one = (ONE, ZERO, ZERO, ZERO)
    a, b, c = abc[0], abc[1], abc[2]
    for i in prange(n):
        v = fr_sub(fr_mul(load4(a, i), load4(b, i)), load4(c, i))
        store4(out, i, mont_mul(v, one, FR_M))
    return out
