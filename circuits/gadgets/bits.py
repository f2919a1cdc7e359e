"""Bit decomposition, range checks, comparison and division with remainder.

Ranges are at most 252 bits so that every sum of bits (and 2^n offsets) stays
below r and a decomposition is unique; wider requests raise ParameterError.
"""

from __future__ import annotations

from circuits.errors import ParameterError
from circuits.field import R
from circuits.gadgets.basic import alloc_bit, lc
from circuits.r1cs import ConstraintSystem, LCLike, LinearCombination, Variable

MAX_BITS = 252


def _check_width(n: int) -> None:
    if not 1 <= n <= MAX_BITS:
        raise ParameterError(f"bit width {n} is outside 1..{MAX_BITS}")


def to_bits(cs: ConstraintSystem, x: LCLike, n: int, name: str) -> list[Variable]:
    """Little-endian bits of x with x = Σ b_i 2^i: n + 1 constraints.  Unsatisfiable if x ≥ 2^n."""
    _check_width(n)
    return _decompose(cs, x, n, name)


def _decompose(cs: ConstraintSystem, x: LCLike, n: int, name: str) -> list[Variable]:
    bits = [alloc_bit(cs, f"{name}.b{i}", lambda i=i: (cs.value(x) >> i) & 1) for i in range(n)]
    total = LinearCombination({})
    for i, b in enumerate(bits):
        total = total + b * (1 << i)
    cs.enforce(total, cs.one(), x, f"{name}.pack")
    return bits


def range_check(cs: ConstraintSystem, x: LCLike, n: int, name: str) -> None:
    """0 ≤ x < 2^n (n + 1 constraints)."""
    to_bits(cs, x, n, name)


def signed_range_check(cs: ConstraintSystem, x: LCLike, n: int, name: str) -> None:
    """-2^(n-1) ≤ x < 2^(n-1), x read as a signed field element (n + 1 constraints)."""
    to_bits(cs, lc(x) + (1 << (n - 1)), n, name)


def less_than(cs: ConstraintSystem, a: LCLike, b: LCLike, n: int, name: str) -> LinearCombination:
    """1 if a < b else 0, for a, b already known to lie in [0, 2^n) (n + 2 constraints).

    a - b + 2^n lies in [1, 2^(n+1)); its bit n is 1 exactly when a ≥ b.  The
    caller must range-check a and b: this gadget does not.
    """
    _check_width(n + 1)
    bits = to_bits(cs, lc(a) - b + (1 << n), n + 1, name)
    return 1 - lc(bits[n])


def less_or_equal(cs: ConstraintSystem, a: LCLike, b: LCLike, n: int, name: str) -> LinearCombination:
    """1 if a ≤ b else 0, for a, b in [0, 2^n)."""
    return 1 - less_than(cs, b, a, n, name)


def assert_less_than(cs: ConstraintSystem, a: LCLike, b: LCLike, n: int, name: str) -> None:
    """a < b for a, b in [0, 2^n): b - a - 1 ∈ [0, 2^n) (n + 1 constraints)."""
    range_check(cs, lc(b) - a - 1, n, name)


def divmod_const(cs: ConstraintSystem, a: LCLike, d: int, n: int, name: str) -> tuple[Variable, Variable]:
    """q, r with a = q·d + r, 0 ≤ r < d, 0 ≤ q < 2^n, for a constant divisor d ≥ 1.

    Costs 1 + (n + 1) + 2·(bits(d) + 1) constraints; a ≥ d·2^n is unsatisfiable.
    """
    if d < 1:
        raise ParameterError("divisor must be a positive constant")
    _check_width(n)
    if n + d.bit_length() > MAX_BITS:
        raise ParameterError("q·d + r could wrap around r: lower n or d")
    q = cs.new_witness(f"{name}.q", lambda: cs.value(a) // d)
    r = cs.new_witness(f"{name}.r", lambda: cs.value(a) % d)
    cs.enforce(q, d, lc(a) - r, f"{name}.div")
    range_check(cs, q, n, f"{name}.q")
    k = max(1, (d - 1).bit_length())
    range_check(cs, r, k, f"{name}.r")
    assert_less_than(cs, r, d, k, f"{name}.r<d")
    return q, r


def to_bits_unchecked(cs: ConstraintSystem, x: LCLike, n: int, name: str) -> list[Variable]:
    """Like to_bits but up to 254 bits: x = Σ b_i 2^i holds in the field only, so callers
    must exclude aliases (e.g. with assert_bits_below) when 2^n > r."""
    if not 1 <= n <= 254:
        raise ParameterError(f"bit width {n} is outside 1..254")
    return _decompose(cs, x, n, name)


def assert_bits_below(cs: ConstraintSystem, bits: list[Variable], c: int, name: str) -> None:
    """Σ b_i 2^i < c for a constant c < 2^len(bits), with the b_i boolean (len(bits) + 1 constraints).

    From the top bit down, eq_i = [all bits ≥ i equal c's]; a bit above c's while
    the prefix is equal adds eq_(i+1) - eq_i to ``over``.  The value is below c iff
    over = 0 and the bits do not equal c, i.e. over + eq_0 = 0.
    """
    if not 0 < c < (1 << len(bits)):
        raise ParameterError("constant must be positive and fit the bit width")
    eq: LinearCombination = LinearCombination.constant(1)
    over = LinearCombination({})
    for i in range(len(bits) - 1, -1, -1):
        same = lc(bits[i]) if (c >> i) & 1 else 1 - lc(bits[i])
        nxt = cs.new_witness(f"{name}.eq{i}", lambda e=eq, s=same: cs.value(e) * cs.value(s))
        cs.enforce(eq, same, nxt, f"{name}.eq{i}")
        if not (c >> i) & 1:
            over = over + eq - nxt
        eq = lc(nxt)
    cs.enforce(over + eq, cs.one(), 0, f"{name}.below")


def to_bits_strict(cs: ConstraintSystem, x: LCLike, name: str) -> list[Variable]:
    """The unique 254-bit decomposition of a field element (no alias x + r): 510 constraints."""
    bits = to_bits_unchecked(cs, x, 254, name)
    assert_bits_below(cs, bits, R, f"{name}.alias")
    return bits


def is_nonnegative(cs: ConstraintSystem, x: LCLike, n: int, name: str) -> Variable:
    """1 if x ≥ 0 else 0, for x read as a signed value in [-2^(n-1), 2^(n-1)) (n + 1 constraints).

    x + 2^(n-1) is decomposed into n bits; its top bit is the answer.  Outside that
    range the decomposition (and so the circuit) is unsatisfiable.
    """
    return to_bits(cs, lc(x) + (1 << (n - 1)), n, name)[n - 1]
