"""Multi-scalar multiplication with the numba kernels: classify, then Pippenger per class.

``msm(bases, scalars)`` takes affine bases in Montgomery form (G1 ``(n, 2, 4)``,
G2 ``(n, 2, 2, 4)``; all-zero rows are infinity) and Fr scalars in normal form
``(n, 4)``, and returns Σ k_i·P_i as a one-point XYZZ array (see ``curve``).
"""

from __future__ import annotations

import numpy as np

from prover.backend import msm_kernels as kern

SCALAR_BITS = 254
SMALL_BITS = 64
_ADD_OVER_MADD = 1.4  # cost of a full XYZZ addition in mixed additions


def window_bits(n: int, bits: int) -> int:
    """c minimising windows·(n + 2·1.4·2^(c-1)) mixed additions (bucket fill + running sums)."""
    if n < 4:
        return 2
    return min(range(2, 20), key=lambda c: ((bits + c) // c) * (n + _ADD_OVER_MADD * (1 << c)))


def _pippenger(bases: np.ndarray, scalars: np.ndarray, idx: np.ndarray, negate: np.ndarray, bits: int) -> np.ndarray:
    c = window_bits(idx.size, bits)
    nwin = (bits + c) // c  # c·nwin ≥ bits + 1: the top digit never carries out
    digits = kern.signed_digits(scalars, idx, negate, c, nwin)
    return kern.combine_windows(kern.window_sums(bases, idx, digits, c), c)


def msm(bases: np.ndarray, scalars: np.ndarray, workers: int = 2) -> np.ndarray:
    """Σ scalars[i]·bases[i] as a (1, 4, ...) XYZZ array; infinity has ZZ = 0."""
    if bases.shape[0] != scalars.shape[0]:
        raise ValueError(f"msm: {bases.shape[0]} bases but {scalars.shape[0]} scalars")
    parts = [np.zeros((1, 4, *bases.shape[2:]), dtype=np.uint64)]
    if bases.shape[0] == 0:
        return parts[0]
    kind = kern.classify(bases, scalars)
    for classes, bits in (((kern.SMALL, kern.SMALL_NEG), SMALL_BITS), ((kern.FULL,), SCALAR_BITS)):
        idx = np.flatnonzero(np.isin(kind, classes))
        if idx.size:
            parts.append(_pippenger(bases, scalars, idx, kind[idx] == classes[-1] if len(classes) > 1 else
                                    np.zeros(idx.size, dtype=np.bool_), bits))  # fmt: skip
    ones = np.flatnonzero((kind == kern.PLUS_ONE) | (kind == kern.MINUS_ONE))
    if ones.size:
        parts.append(kern.signed_sum(bases, ones, kind[ones] == kern.MINUS_ONE, max(1, min(workers, ones.size // 256))))
    return kern.sum_xyzz(np.concatenate(parts))
