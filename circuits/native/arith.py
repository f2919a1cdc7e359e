"""Native twins of ``circuits.gadgets.basic`` and ``circuits.gadgets.bits`` on plain integers.

Values are field elements in [0, r) (signed values as their residues).  Where a
gadget would be unsatisfiable, its twin raises RangeError.
"""

from __future__ import annotations

from circuits.errors import ParameterError, RangeError
from circuits.field import R
from circuits.gadgets.bits import MAX_BITS


def select(cond: int, a: int, b: int) -> int:
    if cond not in (0, 1):
        raise RangeError("select condition must be 0 or 1")
    return a % R if cond else b % R


def is_zero(x: int) -> int:
    return 1 if x % R == 0 else 0


def is_equal(a: int, b: int) -> int:
    return is_zero(a - b)


def to_bits(x: int, n: int) -> list[int]:
    """Little-endian bits; RangeError unless 0 ≤ x < 2^n (x taken mod r)."""
    if not 1 <= n <= MAX_BITS:
        raise ParameterError(f"bit width {n} is outside 1..{MAX_BITS}")
    x %= R
    if x >> n:
        raise RangeError(f"value does not fit {n} bits")
    return [(x >> i) & 1 for i in range(n)]


def signed_to_field(v: int) -> int:
    return v % R


def field_to_signed(x: int) -> int:
    """The representative in (-r/2, r/2]."""
    x %= R
    return x - R if x > R // 2 else x


def signed_range_check(x: int, n: int) -> None:
    v = field_to_signed(x)
    if not -(1 << (n - 1)) <= v < (1 << (n - 1)):
        raise RangeError(f"value does not fit {n} signed bits")


def less_than(a: int, b: int, n: int) -> int:
    """1 if a < b else 0; both must lie in [0, 2^n) as the gadget requires."""
    to_bits(a, n)
    to_bits(b, n)
    return 1 if a % R < b % R else 0


def divmod_const(a: int, d: int, n: int) -> tuple[int, int]:
    """(q, r) with a = q·d + r, 0 ≤ r < d, 0 ≤ q < 2^n."""
    if d < 1:
        raise ParameterError("divisor must be a positive constant")
    q, r = divmod(a % R, d)
    to_bits(q, n)
    return q, r


def is_nonnegative(x: int, n: int) -> int:
    """Twin of ``bits.is_nonnegative``: RangeError outside [-2^(n-1), 2^(n-1))."""
    signed_range_check(x, n)
    return 1 if field_to_signed(x) >= 0 else 0
