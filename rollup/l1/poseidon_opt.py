"""Poseidon evaluated the way the L1 contract does: the sparse partial-round form on plain integers.

The derivation (``circuits.poseidon_sparse``) is shared with the native hash; this module
keeps the contract's evaluation order as a model of ``PoseidonT<t>.sol``, tested equal to the
plain permutation.
"""

from __future__ import annotations

from circuits.field import R
from circuits.poseidon_sparse import OptimizedPoseidon, SparseRound, mat_vec, optimized

__all__ = ["OptimizedPoseidon", "SparseRound", "optimized", "permutation"]


def permutation(state: list[int]) -> list[int]:
    """The permutation evaluated in the optimized form (must equal the plain one)."""
    o = optimized(len(state))
    s = [v % R for v in state]
    mds = [list(r) for r in o.mds]

    def full_round(s: list[int], c: tuple[int, ...]) -> list[int]:
        return mat_vec(mds, [pow((v + k) % R, 5, R) for v, k in zip(s, c)])

    for c in o.full_constants[: o.half]:
        s = full_round(s, c)
    s = mat_vec([list(r) for r in o.pre_partial_matrix], [(v + k) % R for v, k in zip(s, o.first_partial_constant)])
    for rnd in o.partial:
        s0 = (pow(s[0], 5, R) + rnd.post_constant) % R
        s = [sum(a * b for a, b in zip(rnd.first_row, [s0, *s[1:]])) % R] + [
            (c * s0 + v) % R for c, v in zip(rnd.column, s[1:])
        ]
    for c in o.full_constants[o.half :]:
        s = full_round(s, c)
    return s
