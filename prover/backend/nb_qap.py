"""The Groth16 witness map with the numba kernels, as snarkjs computes it.

Given the evaluations of A·z, B·z and C·z on H = {ω^i} (Montgomery form, length n),
each is moved to the odd coset ω_2n·H (iNTT, scale by ω_2n^i / n, NTT: six NTTs in
all, no interpolation back) and e_i = A_i·B_i - C_i there.  Since Z = -2 on that
coset, e is h's evaluation up to the constant the ``.zkey`` H points absorb (their
section 9 holds [L^(2n)_(2i+1)(τ)/δ]_1), so the H MSM takes e as is.
"""

from __future__ import annotations

import functools

import numpy as np

from prover.backend import ntt as kern
from prover.backend.field import R
from prover.backend.limbs import to_limbs

GENERATOR = 5  # the smallest quadratic non-residue of Fr, as ffjavascript picks it
TWO_ADICITY = 28
MONT = 1 << 256


def root_of_unity(log_n: int) -> int:
    """ω_(2^log_n) = 5^((r-1)/2^log_n), the root snarkjs (ffjavascript ``Fr.w``) uses."""
    return pow(GENERATOR, (R - 1) >> log_n, R)


def to_mont(x: int) -> np.ndarray:
    return np.array([to_limbs(x * MONT % R)], dtype=np.uint64)


@functools.cache
def twiddles(log_n: int, inverse: bool) -> np.ndarray:
    w = root_of_unity(log_n)
    w = pow(w, -1, R) if inverse else w
    return kern.powers(tuple(to_mont(w)[0]), max(1, (1 << log_n) // 2))


def odd_coset_many(polys: np.ndarray) -> None:
    """In place, each polys[k] (shape (k, n, 4)): evaluations on H -> evaluations on ω_2n·H."""
    n = polys.shape[1]
    log_n = n.bit_length() - 1
    if log_n >= TWO_ADICITY:
        raise ValueError("the odd coset needs a 2n-th root of unity: domain too large")
    kern.ntt_many(polys, twiddles(log_n, True))
    kern.scale_many(polys, to_mont(pow(n, -1, R)), to_mont(root_of_unity(log_n + 1)))
    kern.ntt_many(polys, twiddles(log_n, False))


def odd_coset(a: np.ndarray) -> None:
    odd_coset_many(a.reshape(1, *a.shape))


def quotient_values(abc: np.ndarray) -> np.ndarray:
    """e = A·B - C on the odd coset, in normal form, from abc = (A, B, C) on H (consumed)."""
    odd_coset_many(abc)
    return kern.ab_minus_c_normal(abc)
