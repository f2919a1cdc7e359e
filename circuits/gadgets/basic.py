"""Boolean, conditional select, equality and is-zero gadgets.

Every gadget names its constraints under the caller's namespace plus ``name``.
Inputs are linear combinations; outputs are new witness variables (or linear
combinations when no constraint is needed).
"""

from __future__ import annotations

from collections.abc import Callable

from circuits.field import R
from circuits.r1cs import ConstraintSystem, LCLike, LinearCombination, Variable, as_terms


def lc(x: LCLike) -> LinearCombination:
    return LinearCombination(as_terms(x))


def mul(cs: ConstraintSystem, a: LCLike, b: LCLike, name: str) -> LinearCombination:
    """a·b: free (a scaled copy) when either side is constant, else 1 constraint."""
    a, b = lc(a), lc(b)
    ka, kb = a.constant_value(), b.constant_value()
    if ka is not None:
        return b * ka
    if kb is not None:
        return a * kb
    out = cs.new_witness(name, lambda: cs.value(a) * cs.value(b))
    cs.enforce(a, b, out, name)
    return lc(out)


def assert_bit(cs: ConstraintSystem, x: LCLike, name: str) -> None:
    """x · (1 - x) = 0: x ∈ {0, 1}."""
    cs.enforce(x, 1 - lc(x), 0, f"{name}.bit")


def alloc_bit(cs: ConstraintSystem, name: str, value: Callable[[], int] | None = None) -> Variable:
    """A new boolean witness (1 constraint)."""
    b = cs.new_witness(name, value)
    assert_bit(cs, b, name)
    return b


def assert_equal(cs: ConstraintSystem, a: LCLike, b: LCLike, name: str) -> None:
    """(a - b) · 1 = 0."""
    cs.enforce(lc(a) - b, cs.one(), 0, f"{name}.eq")


def select(cs: ConstraintSystem, cond: LCLike, a: LCLike, b: LCLike, name: str) -> Variable:
    """cond ? a : b for a boolean cond (1 constraint: cond · (a - b) = out - b).

    cond must already be constrained boolean; for cond outside {0, 1} out is
    b + cond·(a - b), not a selection.
    """
    out = cs.new_witness(f"{name}.out", lambda: cs.value(a) if cs.value(cond) else cs.value(b))
    cs.enforce(cond, lc(a) - b, lc(out) - b, f"{name}.select")
    return out


def is_zero(cs: ConstraintSystem, x: LCLike, name: str) -> Variable:
    """1 if x = 0 else 0 (2 constraints: x · inv = 1 - out, x · out = 0).

    The witness inv is x^-1 (any value when x = 0); out is forced to be boolean by
    the two constraints together.
    """

    def inverse() -> int:
        v = cs.value(x)
        return pow(v, -1, R) if v else 0

    inv = cs.new_witness(f"{name}.inv", inverse)
    out = cs.new_witness(f"{name}.out", lambda: 0 if cs.value(x) else 1)
    cs.enforce(x, inv, 1 - lc(out), f"{name}.inv")
    cs.enforce(x, out, 0, f"{name}.zero")
    return out


def is_equal(cs: ConstraintSystem, a: LCLike, b: LCLike, name: str) -> Variable:
    """1 if a = b else 0 (2 constraints)."""
    return is_zero(cs, lc(a) - b, name)


def nonzero_if(cs: ConstraintSystem, flag: LCLike, x: LCLike, name: str) -> None:
    """x ≠ 0 when flag = 1 (flag boolean): x · inv = flag (1 constraint).  With flag = 0, inv = 0."""
    inv = cs.new_witness(f"{name}.inv", lambda: pow(cs.value(x), -1, R) if cs.value(x) and cs.value(flag) else 0)
    cs.enforce(x, inv, flag, name)
