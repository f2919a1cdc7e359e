"""Rational functions of one variable over Fr, for the forgeries that solve for one free value
after eliminating the others: write the gadget's formulas once with ``Rat`` values (constants mixed
in freely), read the numerator of the residual, take its roots (``fr_roots``), and keep the roots
where no denominator on the way vanishes (the caller replays the integers to check).

Every result is reduced by the gcd of its numerator and denominator, so the degrees stay what the
formulas need (a few dozen for two Edwards additions with a doubling between them).
"""

from __future__ import annotations

from circuits.field import R
from tests.mutation import fr_roots
from tests.mutation.fr_roots import Poly, _divmod, _gcd, _mul, _trim


def _add(a: Poly, b: Poly) -> Poly:
    n = max(len(a), len(b))
    return _trim([((a[i] if i < len(a) else 0) + (b[i] if i < len(b) else 0)) % R for i in range(n)])


def _scale(a: Poly, k: int) -> Poly:
    return _trim([x * k % R for x in a])


def evaluate(p: Poly, x: int) -> int:
    out = 0
    for c in reversed(p):
        out = (out * x + c) % R
    return out


class Rat:
    """num/den, polynomials in the free variable x (den ≠ 0)."""

    __slots__ = ("num", "den")

    def __init__(self, num: Poly, den: Poly | None = None) -> None:
        num, den = _trim([c % R for c in num]), _trim([c % R for c in (den or [1])])
        if not den:
            raise ZeroDivisionError("a rational function with a zero denominator")
        if len(num) > 1 and len(den) > 1:
            g = _gcd(num, den)
            if len(g) > 1:
                num, den = _divmod(num, g)[0], _divmod(den, g)[0]
        lead = pow(den[-1], -1, R)
        self.num, self.den = _scale(num, lead), _scale(den, lead)

    @staticmethod
    def of(v: Rat | int) -> Rat:
        return v if isinstance(v, Rat) else Rat([v])

    @staticmethod
    def x() -> Rat:
        return Rat([0, 1])

    def __add__(self, o: Rat | int) -> Rat:
        o = Rat.of(o)
        return Rat(_add(_mul(self.num, o.den), _mul(o.num, self.den)), _mul(self.den, o.den))

    __radd__ = __add__

    def __neg__(self) -> Rat:
        return Rat(_scale(self.num, R - 1), self.den)

    def __sub__(self, o: Rat | int) -> Rat:
        return self + (-Rat.of(o))

    def __rsub__(self, o: int) -> Rat:
        return Rat.of(o) + (-self)

    def __mul__(self, o: Rat | int) -> Rat:
        o = Rat.of(o)
        return Rat(_mul(self.num, o.num), _mul(self.den, o.den))

    __rmul__ = __mul__

    def __truediv__(self, o: Rat | int) -> Rat:
        o = Rat.of(o)
        if not o.num:
            raise ZeroDivisionError("division by the zero function")
        return Rat(_mul(self.num, o.den), _mul(self.den, o.num))

    def __rtruediv__(self, o: int) -> Rat:
        return Rat.of(o) / self

    def at(self, x: int) -> int | None:
        """The value at x, or None where the denominator vanishes."""
        d = evaluate(self.den, x)
        return evaluate(self.num, x) * pow(d, -1, R) % R if d else None


def zeros(f: Rat) -> list[int]:
    """The x in Fr with f(x) = 0 and a nonzero denominator (none if f is constant)."""
    if len(f.num) <= 1:
        return []
    return [x for x in fr_roots.poly_roots(f.num) if evaluate(f.den, x)]
