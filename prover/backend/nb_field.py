"""Array-level field operations (numba), for differential tests of the limb arithmetic."""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from prover.backend.field import FQ_M, FR_M
from prover.backend.limbs import mont_add, mont_mul, mont_neg, mont_sub


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
def field_ops(a, b, scalar_field):
    """(a·b/2^256, a + b, a - b, -a) elementwise mod r (scalar_field) or mod q; shape (4, n, 4)."""
    out = np.empty((4, a.shape[0], 4), dtype=np.uint64)
    m = FR_M if scalar_field else FQ_M
    for i in prange(a.shape[0]):
        x, y = _ld(a, i), _ld(b, i)
        _st(out[0], i, mont_mul(x, y, m))
        _st(out[1], i, mont_add(x, y, m))
        _st(out[2], i, mont_sub(x, y, m))
        _st(out[3], i, mont_neg(x, m))
    return out
