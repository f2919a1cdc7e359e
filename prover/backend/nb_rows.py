"""Row values of the constraint matrices (numba): <A_j, z>, <B_j, z>, <C_j, z> on the domain.

Coefficients come as parallel arrays ``matrix`` (0 = A, 1 = B, 2 = C), ``row``, ``col``
and ``value`` (Fr, ``(nnz, 4)``) in the ``.zkey`` convention: value·R^2 mod r, so
that one Montgomery product with a normal-form witness value lands in Montgomery
form.  The witness z is ``(num_variables, 4)`` in normal form.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from prover.backend.field import FR_M, R, fr_add, fr_mul
from prover.backend.limbs import mont_mul, to_limbs

_R3 = to_limbs((1 << 768) % R)


@njit(forceinline=True)
def _ld(a, i):
    return (a[i, 0], a[i, 1], a[i, 2], a[i, 3])


@njit(forceinline=True)
def _st(a, i, v):
    a[i, 0] = v[0]
    a[i, 1] = v[1]
    a[i, 2] = v[2]
    a[i, 3] = v[3]


@njit(parallel=True, cache=True)
def to_r2_form(values):
    """v -> v·R^2 mod r for normal-form v (the ``.zkey`` coefficient convention)."""
    out = np.empty_like(values)
    for i in prange(values.shape[0]):
        _st(out, i, mont_mul(_ld(values, i), _R3, FR_M))
    return out


@njit(parallel=True, cache=True)
def evaluate(matrix, row, col, value, z, n, count):
    """(3, n, 4) Montgomery evaluations of A, B, C at z; with count = 2 (no C coefficients,
    as in a .zkey) C is A∘B, which equals C·z exactly when z satisfies the constraints."""
    out = np.zeros((3, n, 4), dtype=np.uint64)
    for mtx in prange(count):
        acc = out[mtx]
        for k in range(matrix.size):
            if matrix[k] == mtx:
                j = row[k]
                _st(acc, j, fr_add(_ld(acc, j), fr_mul(_ld(value, k), _ld(z, col[k]))))
    if count == 2:
        a, b, c = out[0], out[1], out[2]
        for i in prange(n):
            _st(c, i, fr_mul(_ld(a, i), _ld(b, i)))
    return out


@njit(cache=True)
def first_unsatisfied(a, b, c, rows):
    """The first j < rows with a_j·b_j ≠ c_j, or -1."""
    for j in range(rows):
        p = fr_mul(_ld(a, j), _ld(b, j))
        q = _ld(c, j)
        if (p[0] ^ q[0]) | (p[1] ^ q[1]) | (p[2] ^ q[2]) | (p[3] ^ q[3]):
            return j
    return -1
