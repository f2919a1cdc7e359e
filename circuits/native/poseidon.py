"""Poseidon hash over Fr with circomlib's parameters (x^5 S-box, R_F = 8).

``poseidon([a, b])`` equals circomlibjs ``poseidon([a, b])`` and circomlib's
``Poseidon(2)`` template: state = [init_state, inputs...], R_F/2 full rounds, R_P
partial rounds (S-box on state[0] only), R_F/2 full rounds; the output is state[0].

Evaluated in the sparse partial-round form (``circuits.poseidon_sparse``) by a numba
kernel (``poseidon_nb``) or, with ``ZKDX_BACKEND=gmpy2`` or without numba, by
straight-line gmpy2 code per width (``poseidon_gmp``).  Inputs are reduced mod r;
results are plain ``int`` in [0, r).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from types import ModuleType

from circuits.errors import ParameterError
from circuits.field import R
from circuits.native.backend import use_numba
from circuits.poseidon_constants import MAX_WIDTH


@functools.cache
def implementation() -> ModuleType:
    """The module that evaluates the permutation (chosen on first use, so importing this module
    does not load numba)."""
    if use_numba():
        from circuits.native import poseidon_nb

        return poseidon_nb
    from circuits.native import poseidon_gmp

    return poseidon_gmp


def poseidon_permutation(state: Sequence[int]) -> list[int]:
    """The Poseidon permutation of a width-t state (2 <= t <= 17)."""
    t = len(state)
    if not 2 <= t <= MAX_WIDTH:
        raise ParameterError(f"Poseidon width t = {t} is outside 2..{MAX_WIDTH}")
    return implementation().all_lanes([int(v) % R for v in state])


def poseidon(inputs: Sequence[int], init_state: int = 0) -> int:
    """Hash 1..16 field elements; inputs are reduced mod r."""
    n = len(inputs)
    if not 1 <= n <= MAX_WIDTH - 1:
        raise ParameterError(f"Poseidon takes 1..{MAX_WIDTH - 1} inputs, got {n}")
    return implementation().first_lane([int(init_state) % R, *[int(v) % R for v in inputs]])
