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
from prover.backend.limbs import ONE, ZERO, mont_mul

_CHUNK = 4096


@njit(forceinline=True)
def _ld(a, i):
    return (a[i, 0], a[i, 1], a[i, 2], a[i, 3])


@njit(forceinline=True)
def _st(a, i, v):
    a[i, 0] = v[0]
    a[i, 1] = v[1]
    a[i, 2] = v[2]
    a[i, 3] = v[3]


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
        _st(out, i, acc)
        acc = fr_mul(acc, base)
    return out


@njit(parallel=True, cache=True)
def bit_reverse(a):
    n = a.shape[0]
    bits = 0
    while (1 << bits) < n:
        bits += 1
    for i in prange(n):
        j = 0
        for b in range(bits):
            j = (j << 1) | ((i >> b) & 1)
        if i < j:
            t = _ld(a, i)
            _st(a, i, _ld(a, j))
            _st(a, j, t)


@njit(parallel=True, cache=True)
def _stages(a, tw):
    n = a.shape[0]
    log_n = 0
    while (1 << log_n) < n:
        log_n += 1
    for log_m in range(log_n):
        m = 1 << log_m
        shift = log_n - 1 - log_m  # twiddle stride n / (2m)
        for t in prange(n // 2):
            j = t & (m - 1)
            i0 = ((t >> log_m) << (log_m + 1)) | j
            i1 = i0 + m
            x = _ld(a, i0)
            y = fr_mul(_ld(a, i1), _ld(tw, j << shift))
            _st(a, i0, fr_add(x, y))
            _st(a, i1, fr_sub(x, y))


def ntt(a: np.ndarray, tw: np.ndarray) -> None:
    """In place: coefficients -> evaluations at ω^0..ω^(n-1) (tw from the same ω)."""
    bit_reverse(a)
    _stages(a, tw)


@njit(parallel=True, cache=True)
def scale_by_powers(a, start, step):
    """a[i] *= start · step^i, in chunks that each begin with one exponentiation."""
    n = a.shape[0]
    s = _ld(start, 0)
    g = _ld(step, 0)
    for c in prange((n + _CHUNK - 1) // _CHUNK):
        lo = c * _CHUNK
        acc = fr_mul(s, _fr_pow(g, lo))
        for i in range(lo, min(n, lo + _CHUNK)):
            _st(a, i, fr_mul(_ld(a, i), acc))
            acc = fr_mul(acc, g)


@njit(parallel=True, cache=True)
def ab_minus_c_normal(a, b, c):
    """a·b - c per element, converted out of Montgomery form (the MSM takes normal scalars)."""
    n = a.shape[0]
    out = np.empty((n, 4), dtype=np.uint64)
    one = (ONE, ZERO, ZERO, ZERO)
    for i in prange(n):
        v = fr_sub(fr_mul(_ld(a, i), _ld(b, i)), _ld(c, i))
        _st(out, i, mont_mul(v, one, FR_M))
    return out
