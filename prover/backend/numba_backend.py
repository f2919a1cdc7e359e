"""The numba backend: the prover's compute steps on the compiled kernels of this package."""

from __future__ import annotations

import numpy as np

from prover.backend import nb_fixed, nb_msm, nb_qap, nb_rows
from prover.points import Affine, xyzz_to_affine

NAME = "numba"


def set_workers(workers: int) -> None:
    """Threads for the parallel kernels (at most numba's pool size)."""
    import numba

    numba.set_num_threads(max(1, min(workers, numba.config.NUMBA_NUM_THREADS)))


def msm(bases: np.ndarray, scalars: np.ndarray) -> Affine:
    """Σ scalars[i]·bases[i] as affine integers (None for infinity)."""
    return xyzz_to_affine(nb_msm.msm(bases, scalars))


def row_values(coeffs, z: np.ndarray, n: int) -> np.ndarray:
    """(3, n, 4): A·z, B·z and C·z on the domain (Montgomery form); C = A∘B when the key holds no C."""
    count = 3 if coeffs.has_c else 2
    return nb_rows.evaluate(coeffs.matrix, coeffs.row, coeffs.col, coeffs.value, z, n, count)


def witness_map(coeffs, z: np.ndarray, n: int) -> tuple[np.ndarray, int]:
    """(e, bad): e = A·B - C on the odd coset (normal-form scalars for the H MSM); bad is the
    first constraint a·b ≠ c (only checkable when the coefficients include C), else -1.
    When bad ≥ 0, e is not computed (an empty array)."""
    abc = row_values(coeffs, z, n)
    bad = int(nb_rows.first_unsatisfied(abc[0], abc[1], abc[2], coeffs.num_constraints)) if coeffs.has_c else -1
    if bad >= 0:
        return np.zeros((0, 4), dtype=np.uint64), bad
    return nb_qap.quotient_values(abc), -1


def fixed_base(base: np.ndarray, scalars: np.ndarray) -> np.ndarray:
    """Affine array of k_i·G for a one-point affine array ``base``."""
    table = nb_fixed.normalize(nb_fixed.multiples(base, nb_fixed.WINDOW))
    return nb_fixed.normalize(nb_fixed.mul_many(table, scalars, nb_fixed.WINDOW))


def first_off_curve(points: np.ndarray) -> int:
    """Index of the first affine point (Montgomery array) not on its curve, or -1."""
    return int(nb_fixed.first_off_curve(points)) if len(points) else -1
