"""The gmpy2 reference backend: the same steps as ``numba_backend`` on Python integers.

Slow but small and independent of the compiled kernels: ``ZKDX_BACKEND=gmpy2``
selects it, and the tests compare the two.  Arrays are converted to integers on
entry (``prover.points``); curve formulas are those of ``prover.curve``, NTTs those
of ``prover.domain``.
"""

from __future__ import annotations

import numpy as np

from prover import points
from prover.curve import G1, G2, Group
from prover.domain import Radix2Domain
from prover.fixed_base import batch_to_affine, build_table, fixed_base_mul
from prover.msm import msm as pippenger

NAME = "gmpy2"
R = points.R
_R2_INV = pow(1 << 512, -1, R)


def set_workers(workers: int) -> None:
    """The reference runs in one thread."""


def _group(bases: np.ndarray) -> tuple[Group, list]:
    if bases.ndim == 3:
        return G1, points.g1_affines(bases)
    return G2, points.g2_affines(bases)


def msm(bases: np.ndarray, scalars: np.ndarray) -> points.Affine:
    group, affines = _group(bases)
    return group.to_affine(pippenger(group, affines, points.fr_values(scalars)))


def row_values(coeffs, z: np.ndarray, n: int) -> tuple[list[int], list[int], list[int]]:
    zs = points.fr_values(z)
    values = [v * _R2_INV % R for v in points.fr_values(coeffs.value)]
    rows: list[list[int]] = [[0] * n for _ in range(3)]
    for mtx, j, i, v in zip(coeffs.matrix.tolist(), coeffs.row.tolist(), coeffs.col.tolist(), values):
        rows[mtx][j] += v * zs[i]
    a, b, c = ([x % R for x in r] for r in rows)
    if not coeffs.has_c:
        c = [x * y % R for x, y in zip(a, b)]
    return a, b, c


def witness_map(coeffs, z: np.ndarray, n: int) -> tuple[np.ndarray, int]:
    a, b, c = row_values(coeffs, z, n)
    if coeffs.has_c:
        for j in range(coeffs.num_constraints):
            if a[j] * b[j] % R != c[j]:
                return np.zeros((0, 4), dtype=np.uint64), j
    d = Radix2Domain(n)
    shift = pow(5, (R - 1) >> (d.log_size + 1), R)  # ω_2n
    a, b, c = (d.ntt(d._scale(d.intt(v), shift)) for v in (a, b, c))
    return points.fr_array([(x * y - w) % R for x, y, w in zip(a, b, c)]), -1


def fixed_base(base: np.ndarray, scalars: np.ndarray) -> np.ndarray:
    group, (gen,) = _group(base)
    table = build_table(group, gen)
    out = batch_to_affine(group, [fixed_base_mul(group, table, k) for k in points.fr_values(scalars)])
    return points.g1_array(out) if group is G1 else points.g2_array(out)


def first_off_curve(arr: np.ndarray) -> int:
    """Index of the first affine point not on its curve (infinity is fine), or -1."""
    from py_ecc.optimized_bn128 import FQ, FQ2, b, b2, is_on_curve

    g1 = arr.ndim == 3
    for i, p in enumerate(points.g1_affines(arr) if g1 else points.g2_affines(arr)):
        if p is None:
            continue
        pt = (FQ(p[0]), FQ(p[1]), FQ.one()) if g1 else (FQ2(p[0]), FQ2(p[1]), FQ2.one())
        if not is_on_curve(pt, b if g1 else b2):
            return i
    return -1
