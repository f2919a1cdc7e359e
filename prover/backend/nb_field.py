"""Array-level field operations (numba), for differential tests of the limb arithmetic."""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from prover.backend.field import FQ_M, FR_M
from prover.backend.limbs import load4, mont_add, mont_mul, mont_neg, mont_sub, store4


@njit(parallel=True, cache=True)
def field_ops(a, b, scalar_field):
    """(a·b/2^256, a + b, a - b, -a) elementwise mod r (scalar_field) or mod q; shape (4, n, 4)."""
    out = np.empty((4, a.shape[0], 4), dtype=np.uint64)
    m = FR_M if scalar_field else FQ_M
    for i in prange(a.shape[0]):
        x, y = load4(a, i), load4(b, i)
        store4(out[0], i, mont_mul(x, y, m))
        store4(out[1], i, mont_add(x, y, m))
        store4(out[2], i, mont_sub(x, y, m))
        store4(out[3], i, mont_neg(x, m))
    return out
