"""Poseidon in the sparse partial-round form (Poseidon paper, appendix B), for L1 gas.

Equivalent to ``circuits.native.poseidon`` (tested against it):
  * Round constants of the partial rounds move up: round k+1's constant c passes
    back through the MDS as d = M⁻¹c; d[1:] joins round k's constant (before its
    S-box, which only touches s0) and d[0] is added to s0 after round k's S-box.
    So only the first partial round keeps a full constant vector.
  * Each partial round's MDS M splits as M = M''·M' with M' = diag(1, M[1:,1:]):
    M' commutes with the S-box on s0, so it moves into the round before, and
    M'' = [[m00, m[0,1:]·M̂⁻¹], [m[1:,0], I]] costs 2t - 1 multiplications.
    What piles up before the first partial round is one dense matrix.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from circuits.field import R
from circuits.poseidon_constants import poseidon_params

Matrix = list[list[int]]


def _mat_mul(a: Matrix, b: Matrix) -> Matrix:
    return [[sum(a[i][k] * b[k][j] for k in range(len(b))) % R for j in range(len(b[0]))] for i in range(len(a))]


def _mat_vec(a: Matrix, v: list[int]) -> list[int]:
    return [sum(x * y for x, y in zip(row, v)) % R for row in a]


def _inverse(a: Matrix) -> Matrix:
    """Gauss-Jordan over Fr."""
    n = len(a)
    m = [[*row, *(1 if i == j else 0 for j in range(n))] for i, row in enumerate(a)]
    for col in range(n):
        piv = next(r for r in range(col, n) if m[r][col] % R)
        m[col], m[piv] = m[piv], m[col]
        inv = pow(m[col][col], -1, R)
        m[col] = [x * inv % R for x in m[col]]
        for r in range(n):
            if r != col and m[r][col]:
                f = m[r][col]
                m[r] = [(x - f * y) % R for x, y in zip(m[r], m[col])]
    return [row[n:] for row in m]


@dataclass(frozen=True)
class SparseRound:
    first_row: tuple[int, ...]  # new s0 = Σ first_row[j]·s_j
    column: tuple[int, ...]  # new s_i = column[i-1]·s0 + s_i (i ≥ 1)
    post_constant: int  # added to s0 after this round's S-box (0 for the last partial round)


@dataclass(frozen=True)
class OptimizedPoseidon:
    t: int
    half: int
    full_constants: tuple[tuple[int, ...], ...]  # the R_F full rounds' constant vectors
    first_partial_constant: tuple[int, ...]
    pre_partial_matrix: tuple[tuple[int, ...], ...]  # dense, applied once before the partial rounds
    partial: tuple[SparseRound, ...]
    mds: tuple[tuple[int, ...], ...]


@functools.cache
def optimized(t: int) -> OptimizedPoseidon:
    p = poseidon_params(t)
    half, n_p = p.full_rounds // 2, p.partial_rounds
    mds = [list(row) for row in p.mds]
    consts = [list(p.round_constants[r * t : (r + 1) * t]) for r in range(p.full_rounds + n_p)]
    m_inv = _inverse(mds)
    post = [0] * n_p
    for k in range(n_p - 1, 0, -1):  # partial round k's constant moves into round k-1
        d = _mat_vec(m_inv, consts[half + k])
        consts[half + k - 1] = [consts[half + k - 1][0]] + [
            (a + b) % R for a, b in zip(consts[half + k - 1][1:], d[1:])
        ]
        post[k - 1] = d[0]
    rounds, x = [], mds
    for k in range(n_p - 1, -1, -1):
        m_hat = [row[1:] for row in x[1:]]
        u = _mat_vec([list(col) for col in zip(*_inverse(m_hat))], x[0][1:])  # m[0,1:]·M̂⁻¹
        rounds.append(SparseRound((x[0][0], *u), tuple(row[0] for row in x[1:]), post[k]))
        prime = [[1] + [0] * (t - 1)] + [[0, *row] for row in m_hat]
        x = _mat_mul(prime, mds)
    full = tuple(tuple(c) for r, c in enumerate(consts) if r < half or r >= half + n_p)
    pre = tuple(tuple(row) for row in prime)
    return OptimizedPoseidon(t, half, full, tuple(consts[half]), pre, tuple(reversed(rounds)), p.mds)


def permutation(state: list[int]) -> list[int]:
    """The permutation evaluated in the optimized form (must equal the plain one)."""
    o = optimized(len(state))
    s = [v % R for v in state]

    def full_round(s: list[int], c: tuple[int, ...]) -> list[int]:
        s = [pow((v + k) % R, 5, R) for v, k in zip(s, c)]
        return _mat_vec([list(r) for r in o.mds], s)

    for c in o.full_constants[: o.half]:
        s = full_round(s, c)
    s = _mat_vec([list(r) for r in o.pre_partial_matrix], [(v + k) % R for v, k in zip(s, o.first_partial_constant)])
    for rnd in o.partial:
        s0 = (pow(s[0], 5, R) + rnd.post_constant) % R
        s = [sum(a * b for a, b in zip(rnd.first_row, [s0, *s[1:]])) % R] + [
            (c * s0 + v) % R for c, v in zip(rnd.column, s[1:])
        ]
    for c in o.full_constants[o.half :]:
        s = full_round(s, c)
    return s
