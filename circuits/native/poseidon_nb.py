"""Poseidon as a numba kernel on Fr limbs (``circuits.native.fr_limbs``), in the sparse form.

Same rounds and constants as ``circuits.native.poseidon_gmp`` (``circuits.poseidon_sparse``),
in Montgomery form: R_F/2 full rounds, the first partial constant and the dense matrix, R_P
sparse rounds (S-box on s0, a row for s0 and a column for s_1..), R_F/2 full rounds.
One constant array per width, laid out as
``full (R_F·t) | mds (t·t) | first partial (t) | pre (t·t) | sparse (R_P·2t)``,
where a sparse round is its first row (t), its column (t − 1) and its post constant.
The kernels take it as an argument, so one compiled kernel serves every width.
Inputs are little-endian 32-byte field elements already in [0, r).
"""

from __future__ import annotations

import functools

import numpy as np
from numba import njit

from circuits.native import fr_limbs as fr
from circuits.poseidon_sparse import optimized

fr.configure_cache()


@functools.cache
def constants(t: int) -> tuple[np.ndarray, int, int]:
    """(constant array, R_F, R_P) of width t, built once."""
    o = optimized(t)
    flat = [c for row in o.full_constants for c in row]
    flat += [m for row in o.mds for m in row]
    flat += list(o.first_partial_constant)
    flat += [m for row in o.pre_partial_matrix for m in row]
    flat += [v for r in o.partial for v in (*r.first_row, *r.column, r.post_constant)]
    return fr.mont_array(flat), len(o.full_constants), len(o.partial)


@njit(forceinline=True, cache=True)
def _sbox(x):  # noqa: ANN001
    x2 = fr.mul(x, x)
    return fr.mul(fr.mul(x2, x2), x)


@njit(forceinline=True, cache=True)
def _dot(c, off, s, first):  # noqa: ANN001
    """Σ_j c[off + j]·v_j with v = (first, s[1], ..., s[t-1]): products summed unreduced, one
    Montgomery reduction per 5 terms (5 products of values < r stay below r·2^256)."""
    t = s.shape[0]
    acc = fr.redc(fr.mul_wide(fr.load(c, off), first))
    j = 1
    while j < t:
        w = fr.mul_wide(fr.load(c, off + j), fr.load(s, j))
        for i in range(j + 1, min(j + 5, t)):
            w = fr.add_wide(w, fr.mul_wide(fr.load(c, off + i), fr.load(s, i)))
        acc = fr.add(acc, fr.redc(w))
        j += 5
    return acc


@njit(cache=True)
def _matrix(c, off, s, tmp, rows):  # noqa: ANN001
    """s[i] := Σ_j c[off + i·t + j]·s[j] for i < rows (through tmp)."""
    t = s.shape[0]
    for i in range(rows):
        fr.store(tmp, i, _dot(c, off + i * t, s, fr.load(s, 0)))
    s[:rows] = tmp[:rows]


@njit(cache=True)
def _full_round(s, tmp, c, r, mds_off, rows):  # noqa: ANN001
    t = s.shape[0]
    for i in range(t):
        fr.store(s, i, _sbox(fr.add(fr.load(s, i), fr.load(c, r * t + i))))
    _matrix(c, mds_off, s, tmp, rows)


@njit(cache=True)
def _partial_rounds(s, c, off, n_partial):  # noqa: ANN001
    t = s.shape[0]
    for k in range(n_partial):
        base = off + 2 * t * k
        x = fr.add(_sbox(fr.load(s, 0)), fr.load(c, base + 2 * t - 1))
        s0 = _dot(c, base, s, x)
        for j in range(1, t):
            fr.store(s, j, fr.add(fr.load(s, j), fr.mul(fr.load(c, base + t + j - 1), x)))
        fr.store(s, 0, s0)


@njit(cache=True)
def permute(s, outputs, c, n_full, n_partial):  # noqa: ANN001, ANN201
    """The permutation of the Montgomery-form state s (t, 4) in place; the last round computes
    only the first ``outputs`` lanes (the others are then stale)."""
    t = s.shape[0]
    half = n_full // 2
    mds = n_full * t
    first_partial = mds + t * t
    pre = first_partial + t
    tmp = np.empty_like(s)
    for r in range(half):
        _full_round(s, tmp, c, r, mds, t)
    for i in range(t):
        fr.store(s, i, fr.add(fr.load(s, i), fr.load(c, first_partial + i)))
    _matrix(c, pre, s, tmp, t)
    _partial_rounds(s, c, pre + t * t, n_partial)
    for r in range(half, n_full):
        _full_round(s, tmp, c, r, mds, outputs if r == n_full - 1 else t)


@njit(cache=True)
def _state(data):  # noqa: ANN001
    """The Montgomery-form state from little-endian 32-byte elements."""
    raw = np.frombuffer(data, dtype=np.uint64)
    t = raw.shape[0] // 4
    s = np.empty((t, 4), np.uint64)
    for i in range(t):
        fr.store(s, i, fr.to_mont((raw[4 * i], raw[4 * i + 1], raw[4 * i + 2], raw[4 * i + 3])))
    return s


@njit(cache=True)
def hash_first(data, c, n_full, n_partial):  # noqa: ANN001, ANN201
    """Lane 0 of the permutation of the state in ``data``, as four limbs (normal form)."""
    s = _state(data)
    permute(s, 1, c, n_full, n_partial)
    return fr.from_mont(fr.load(s, 0))


@njit(cache=True)
def permute_all(data, c, n_full, n_partial):  # noqa: ANN001, ANN201
    """Every lane of the permutation of the state in ``data``, as a (t, 4) array (normal form)."""
    s = _state(data)
    permute(s, s.shape[0], c, n_full, n_partial)
    for i in range(s.shape[0]):
        fr.store(s, i, fr.from_mont(fr.load(s, i)))
    return s


def encode(values: list[int]) -> bytes:
    """Field elements in [0, r) as the kernels' input."""
    return b"".join(v.to_bytes(32, "little") for v in values)


def first_lane(state: list[int]) -> int:
    """Host wrapper: lane 0 of the permutation of state (ints in [0, r))."""
    l0, l1, l2, l3 = hash_first(encode(state), *constants(len(state)))
    return l0 | l1 << 64 | l2 << 128 | l3 << 192


def all_lanes(state: list[int]) -> list[int]:
    """Host wrapper: the whole permuted state."""
    return fr.from_array(permute_all(encode(state), *constants(len(state))))
