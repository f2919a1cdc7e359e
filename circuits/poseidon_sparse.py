"""Poseidon's partial rounds in sparse form (Poseidon paper, appendix B), derived from circomlib's constants.

Shared by the native hash (``circuits.native.poseidon``) and the L1 contract generator
(``rollup.l1.poseidon_sol``); both are tested equal to the plain permutation.

  * Round constants of the partial rounds move up: round k+1's constant c passes
    back through the MDS as d = M⁻¹c; d[1:] joins round k's constant (before its
    S-box, which only touches s0) and d[0] is added to s0 after round k's S-box.
    So only the first partial round keeps a full constant vector.
  * Each partial round's MDS M splits as M = M''·M' with M' = diag(1, M̂), M̂ = M[1:,1:]:
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


def mat_mul(a: Matrix, b: Matrix) -> Matrix:
    """a·b over Fr."""
    cols = list(zip(*b))
    return [[sum(x * y for x, y in zip(row, col)) % R for col in cols] for row in a]


def mat_vec(a: Matrix, v: list[int]) -> list[int]:
    """a·v over Fr."""
    return [sum(x * y for x, y in zip(row, v)) % R for row in a]


def mat_inverse(a: Matrix) -> Matrix:
    """Gauss-Jordan over Fr; StopIteration for a singular matrix (a Cauchy MDS and its minors never are)."""
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
    half: int  # R_F / 2 full rounds before and after the partial rounds
    full_constants: tuple[tuple[int, ...], ...]  # the R_F full rounds' constant vectors
    first_partial_constant: tuple[int, ...]  # added before the dense matrix
    pre_partial_matrix: tuple[tuple[int, ...], ...]  # dense, applied once before the partial rounds
    partial: tuple[SparseRound, ...]
    mds: tuple[tuple[int, ...], ...]


def _moved_constants(consts: list[list[int]], m_inv: Matrix, half: int, n_p: int) -> list[int]:
    """Move each partial round's constant into the round before (in place); return the post-S-box terms."""
    post = [0] * n_p
    for k in range(n_p - 1, 0, -1):
        d = mat_vec(m_inv, consts[half + k])
        consts[half + k - 1] = [consts[half + k - 1][0]] + [
            (a + b) % R for a, b in zip(consts[half + k - 1][1:], d[1:])
        ]
        post[k - 1] = d[0]
    return post


@functools.cache
def optimized(t: int) -> OptimizedPoseidon:
    """The sparse form of circomlib's Poseidon for state width t (computed once per width)."""
    p = poseidon_params(t)
    half, n_p = p.full_rounds // 2, p.partial_rounds
    mds = [list(row) for row in p.mds]
    consts = [list(p.round_constants[r * t : (r + 1) * t]) for r in range(p.full_rounds + n_p)]
    post = _moved_constants(consts, mat_inverse(mds), half, n_p)
    rounds, x = [], mds
    for k in range(n_p - 1, -1, -1):
        m_hat = [row[1:] for row in x[1:]]
        u = mat_vec([list(col) for col in zip(*mat_inverse(m_hat))], x[0][1:])  # m[0,1:]·M̂⁻¹
        rounds.append(SparseRound((x[0][0], *u), tuple(row[0] for row in x[1:]), post[k]))
        prime = [[1] + [0] * (t - 1)] + [[0, *row] for row in m_hat]
        x = mat_mul(prime, mds)
    full = tuple(tuple(c) for r, c in enumerate(consts) if r < half or r >= half + n_p)
    pre = tuple(tuple(row) for row in prime)
    return OptimizedPoseidon(t, half, full, tuple(consts[half]), pre, tuple(reversed(rounds)), p.mds)
