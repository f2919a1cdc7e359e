"""Reference: the plain Poseidon permutation (dense MDS every round), circomlib's parameters.

``poseidon([a, b])`` equals circomlibjs ``poseidon([a, b])`` and circomlib's
``Poseidon(2)`` template: state = [0, inputs...], R_F/2 full rounds, R_P partial
rounds (S-box on state[0] only), R_F/2 full rounds; the output is state[0].
"""

from __future__ import annotations

from collections.abc import Sequence

from circuits.errors import ParameterError
from circuits.field import R
from circuits.poseidon_constants import MAX_WIDTH, poseidon_params


def poseidon_permutation(state: Sequence[int]) -> list[int]:
    """The Poseidon permutation of a width-t state (2 <= t <= 17)."""
    p = poseidon_params(len(state))
    t, half = p.t, p.full_rounds // 2
    s = [v % R for v in state]
    for r in range(p.full_rounds + p.partial_rounds):
        s = [(v + p.round_constants[r * t + i]) % R for i, v in enumerate(s)]
        if r < half or r >= half + p.partial_rounds:
            s = [pow(v, 5, R) for v in s]
        else:
            s[0] = pow(s[0], 5, R)
        s = [sum(m * v for m, v in zip(row, s)) % R for row in p.mds]
    return s


def poseidon(inputs: Sequence[int], init_state: int = 0) -> int:
    """Hash 1..16 field elements; inputs are reduced mod r."""
    if not 1 <= len(inputs) <= MAX_WIDTH - 1:
        raise ParameterError(f"Poseidon takes 1..{MAX_WIDTH - 1} inputs, got {len(inputs)}")
    return poseidon_permutation([init_state, *inputs])[0]
