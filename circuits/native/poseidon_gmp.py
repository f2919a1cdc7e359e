"""Poseidon on gmpy2: one straight-line function per width, generated from the sparse form.

The permutation of width t is emitted as Python source with the state in t local
variables and every constant a module-level ``mpz`` of the generated namespace, so the
S-box and the matrix products run as single expressions: no lists, no loops, no
temporaries beyond the scratch names x and y.  ``source(t, outputs)`` shows the code.

Reduction schedule (values stay non-negative throughout, so ``% R`` is exact):
  * full rounds: the S-box output y·x (≤ 2^508) is left unreduced; each matrix row is
    one sum of t products plus the next round's constant, reduced once;
  * partial rounds: x = s0^5 + post constant is reduced, s0 is reduced after its row;
    s_1..s_(t-1) only ever gain column·x terms (< 2^508 each) and are not reduced at all
    (70 rounds add at most 7 bits);
  * the last full round computes only the rows asked for (one for a hash).
The output equals the plain permutation's (tested for every width).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import gmpy2

from circuits.field import R
from circuits.poseidon_sparse import OptimizedPoseidon, optimized

MPZ_R = gmpy2.mpz(R)


class _Emitter:
    """Collects source lines and the constants they name (k0, k1, ...)."""

    def __init__(self, t: int) -> None:
        self.t = t
        self.lines: list[str] = []
        self.namespace: dict[str, object] = {"R": MPZ_R}
        self.state = [f"s{i}" for i in range(t)]

    def const(self, value: int) -> str:
        name = f"k{len(self.namespace) - 1}"
        self.namespace[name] = gmpy2.mpz(value)
        return name

    def emit(self, line: str) -> None:
        self.lines.append(line)

    def matrix_rows(self, matrix: tuple[tuple[int, ...], ...], rows: int, after: tuple[int, ...] | None) -> None:
        """s_i := (Σ_j m_ij·s_j + after_i) mod r for the first ``rows`` rows, one reduction a row."""
        exprs = []
        for i in range(rows):
            terms = [f"{self.const(m)} * s{j}" for j, m in enumerate(matrix[i])]
            if after is not None:
                terms.append(self.const(after[i]))
            exprs.append(f"({' + '.join(terms)}) % R")
        self.emit(f"{', '.join(self.state[:rows])} = {', '.join(exprs)}")

    def full_sbox(self, add: tuple[int, ...] | None) -> None:
        """s_i := (s_i + add_i)^5 for every lane; the last product is left unreduced."""
        for i in range(self.t):
            src = f"s{i} + {self.const(add[i])}" if add is not None else f"s{i}"
            self.emit(f"x = {src}; y = x * x % R; y = y * y % R; s{i} = y * x")

    def partial_round(self, first_row: tuple[int, ...], column: tuple[int, ...], post: int) -> None:
        add = f" + {self.const(post)}" if post else ""
        self.emit(f"y = s0 * s0 % R; y = y * y % R; x = y * s0 % R{add}")
        terms = [f"{self.const(first_row[0])} * x"] + [f"{self.const(m)} * s{j}" for j, m in enumerate(first_row) if j]
        self.emit(f"s0 = ({' + '.join(terms)}) % R")
        for j, c in enumerate(column, start=1):
            self.emit(f"s{j} = s{j} + {self.const(c)} * x")


def _emit_rounds(e: _Emitter, o: OptimizedPoseidon, outputs: int) -> None:
    head, tail = o.full_constants[: o.half], o.full_constants[o.half :]
    e.emit(f"{', '.join(e.state)} = {', '.join(f's{i} + {e.const(c)}' for i, c in enumerate(head[0]))}")
    for r in range(o.half):  # the next round's constants ride along with each matrix
        e.full_sbox(None)
        e.matrix_rows(o.mds, e.t, head[r + 1] if r + 1 < o.half else o.first_partial_constant)
    e.matrix_rows(o.pre_partial_matrix, e.t, None)
    for rnd in o.partial:
        e.partial_round(rnd.first_row, rnd.column, rnd.post_constant)
    e.full_sbox(tail[0])
    for r in range(1, len(tail)):
        e.matrix_rows(o.mds, e.t, tail[r])
        e.full_sbox(None)
    e.matrix_rows(o.mds, outputs, None)


def source(t: int, outputs: int) -> tuple[str, dict[str, object]]:
    """(Python source of ``permute(s0, ..., s_(t-1))``, the namespace of its constants)."""
    e = _Emitter(t)
    _emit_rounds(e, optimized(t), outputs)
    ret = "s0" if outputs == 1 else f"[{', '.join(e.state[:outputs])}]"
    body = "\n".join(f"    {line}" for line in e.lines)
    return f"def permute({', '.join(e.state)}):\n{body}\n    return {ret}\n", e.namespace


@functools.cache
def permutation_fn(t: int, outputs: int) -> Callable[..., object]:
    """The compiled permutation of width t returning s0 (outputs = 1) or the first ``outputs`` lanes.

    Arguments are t ``mpz`` values in [0, r); results are ``mpz`` in [0, r).
    """
    src, namespace = source(t, outputs)
    exec(compile(src, f"<poseidon t={t} outputs={outputs}>", "exec"), namespace)
    return namespace["permute"]  # type: ignore[return-value]


def first_lane(state: list[int]) -> int:
    """Lane 0 of the permutation of state (ints in [0, r))."""
    return int(permutation_fn(len(state), 1)(*map(gmpy2.mpz, state)))


def all_lanes(state: list[int]) -> list[int]:
    """The whole permuted state (ints in [0, r))."""
    return [int(v) for v in permutation_fn(len(state), len(state))(*map(gmpy2.mpz, state))]
