"""Poseidon parameters for BN254, derived exactly as circomlib's were.

circomlib's constants come from the Poseidon reference script
``generate_parameters_grain.sage 1 0 254 t 8 R_P r``: a Grain LFSR seeded with
(field = prime, S-box = x^5, n = 254 bits, t, R_F = 8, R_P) yields the round
constants (rejection-sampled below r) and then 2t values x_i, y_j for the Cauchy
MDS matrix M[i][j] = 1 / (x_i + y_j).  We regenerate them here instead of
shipping a data file; ``tests/test_poseidon.py`` compares every width with
circomlibjs's ``poseidon_constants.json``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass

from circuits.errors import ParameterError
from circuits.field import R

FULL_ROUNDS = 8
PARTIAL_ROUNDS = (56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68)  # t = 2..17
MAX_WIDTH = 1 + len(PARTIAL_ROUNDS)  # t = 17: up to 16 inputs
FIELD_BITS = 254


@dataclass(frozen=True)
class PoseidonParams:
    t: int  # state width = inputs + 1
    full_rounds: int  # R_F, half before and half after the partial rounds
    partial_rounds: int  # R_P
    round_constants: tuple[int, ...]  # (R_F + R_P) * t values, round-major
    mds: tuple[tuple[int, ...], ...]  # t x t, new_state[i] = Σ_j mds[i][j] * state[j]


def _grain_bits(t: int, partial_rounds: int) -> Iterator[int]:
    """Grain LFSR output with the reference script's bit selection (keep b2 when b1 = 1)."""
    seed = f"{1:02b}{0:04b}{FIELD_BITS:012b}{t:012b}{FULL_ROUNDS:010b}{partial_rounds:010b}" + "1" * 30
    state = int(seed, 2)  # bit 79 (MSB) is the oldest bit s[0]

    def step() -> int:
        nonlocal state
        bit = ((state >> 17) ^ (state >> 28) ^ (state >> 41) ^ (state >> 56) ^ (state >> 66) ^ (state >> 79)) & 1
        state = ((state << 1) | bit) & ((1 << 80) - 1)
        return bit

    for _ in range(160):
        step()
    while True:
        if step():
            yield step()
        else:
            step()


def _take(bits: Iterator[int], n: int) -> int:
    v = 0
    for _ in range(n):
        v = (v << 1) | next(bits)
    return v


@functools.cache
def poseidon_params(t: int) -> PoseidonParams:
    """circomlib's parameters for state width t (2..17); computed once per width."""
    if not 2 <= t <= MAX_WIDTH:
        raise ParameterError(f"Poseidon width t = {t} is outside 2..{MAX_WIDTH}")
    rp = PARTIAL_ROUNDS[t - 2]
    bits = _grain_bits(t, rp)
    constants = []
    for _ in range((FULL_ROUNDS + rp) * t):
        v = _take(bits, FIELD_BITS)
        while v >= R:
            v = _take(bits, FIELD_BITS)
        constants.append(v)
    xy = [_take(bits, FIELD_BITS) % R for _ in range(2 * t)]
    mds = tuple(tuple(pow((x + y) % R, -1, R) for y in xy[t:]) for x in xy[:t])
    return PoseidonParams(t, FULL_ROUNDS, rp, tuple(constants), mds)
