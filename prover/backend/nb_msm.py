"""Multi-scalar multiplication with the numba kernel (see ``msm_kernels``).

``msm(bases, scalars)`` takes affine bases in Montgomery form (G1 ``(n, 2, 4)``,
G2 ``(n, 2, 2, 4)``; all-zero rows are infinity) and Fr scalars in normal form
``(n, 4)``, and returns Σ k_i·P_i as a one-point XYZZ array (see ``curve``).
"""

from __future__ import annotations

import numpy as np

from prover.backend import msm_kernels as kern


def window_bits(n: int, bits: int) -> int:
    return int(kern.window_bits(n, bits))


def msm(bases: np.ndarray, scalars: np.ndarray, workers: int | None = None) -> np.ndarray:
    """Σ scalars[i]·bases[i] as a (1, 4, ...) XYZZ array; infinity has ZZ = 0."""
    if bases.shape[0] != scalars.shape[0]:
        raise ValueError(f"msm: {bases.shape[0]} bases but {scalars.shape[0]} scalars")
    if workers is None:
        import numba

        workers = numba.get_num_threads()
    return kern.msm(bases, scalars, max(1, workers))
