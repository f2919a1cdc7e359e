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
from prover.backend.limbs import load4, mont_mul, store4, to_limbs

_R3 = to_limbs((1 << 768) % R)


@njit(parallel=True, cache=True)
def to_r2_form(values):
    """v -> v·R^2 mod r for normal-form v (the ``.zkey`` coefficient convention)."""
    out = np.empty_like(values)
    for i in prange(values.shape[0]):
        store4(out, i, mont_mul(load4(values, i), _R3, FR_M))
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
                store4(acc, j, fr_add(load4(acc, j), fr_mul(load4(value, k), load4(z, col[k]))))
    if count == 2:
        a, b, c = out[0], out[1], out[2]
        for i in prange(n):
            store4(c, i, fr_mul(load4(a, i), load4(b, i)))
    return out


@njit(cache=True)
def first_unsatisfied(a, b, c, rows):
    """The first j < rows with a_j·b_j ≠ c_j, or -1."""
    for j in range(rows):
        p = fr_mul(load4(a, j), load4(b, j))
        q = load4(c, j)
        if (p[0] ^ q[0]) | (p[1] ^ q[1]) | (p[2] ^ q[2]) | (p[3] ^ q[3]):
            return j
    return -1
