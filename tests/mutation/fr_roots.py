"""Roots in Fr of a function that is a polynomial of small degree once its denominators are
cleared: interpolate it, keep gcd(P, x^r - x) (the product of its linear factors), split that
(Cantor-Zassenhaus).  What the two-free-value forgeries solve with."""

from __future__ import annotations

import random
from collections.abc import Callable

from circuits.field import R

Poly = list[int]  # coefficients, lowest degree first


def _trim(p: Poly) -> Poly:
    while p and p[-1] % R == 0:
        p = p[:-1]
    return p


def _mul(a: Poly, b: Poly) -> Poly:
    out = [0] * (len(a) + len(b) - 1) if a and b else []
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            out[i + j] = (out[i + j] + x * y) % R
    return _trim(out)


def _divmod(a: Poly, b: Poly) -> tuple[Poly, Poly]:
    a, q = a[:], [0] * max(len(a) - len(b) + 1, 0)
    lead = pow(b[-1], -1, R)
    for i in range(len(a) - len(b), -1, -1):
        c = a[i + len(b) - 1] * lead % R
        q[i] = c
        for j, y in enumerate(b):
            a[i + j] = (a[i + j] - c * y) % R
    return _trim(q), _trim(a[: len(b) - 1])


def _gcd(a: Poly, b: Poly) -> Poly:
    while b:
        a, b = b, _divmod(a, b)[1]
    lead = pow(a[-1], -1, R)
    return [x * lead % R for x in a]


def _powmod(base: Poly, e: int, m: Poly) -> Poly:
    out, base = [1], _divmod(base, m)[1]
    while e:
        if e & 1:
            out = _divmod(_mul(out, base), m)[1]
        base, e = _divmod(_mul(base, base), m)[1], e >> 1
    return out


def interpolate(xs: list[int], ys: list[int]) -> Poly:
    """The polynomial of degree < len(xs) through the points (Lagrange)."""
    out: Poly = []
    for i, (xi, yi) in enumerate(zip(xs, ys)):
        basis, den = [1], 1
        for j, xj in enumerate(xs):
            if j != i:
                basis, den = _mul(basis, [-xj % R, 1]), den * (xi - xj) % R
        c = yi * pow(den, -1, R) % R
        out = [(a + c * b) % R for a, b in zip(out + [0] * (len(basis) - len(out)), basis)]
    return _trim(out)


def _split(g: Poly, rng: random.Random) -> list[int]:
    if len(g) == 2:
        return [-g[0] * pow(g[1], -1, R) % R]
    while True:
        h = _powmod([rng.randrange(R), 1], (R - 1) // 2, g)
        f = _gcd(g, _trim([(h[0] - 1) % R] + h[1:]) if h else [R - 1])
        if 1 < len(f) < len(g):
            return _split(f, rng) + _split(_divmod(g, f)[0], rng)


def roots(f: Callable[[int], int], degree: int, seed: int = 1) -> list[int]:
    """The roots in Fr of f, a polynomial of degree ≤ ``degree`` (checked on one more point)."""
    xs = list(range(2, degree + 3))
    p = interpolate(xs[:-1], [f(x) for x in xs[:-1]])
    if not p:
        raise ValueError("f vanishes identically")
    x = xs[-1]
    if sum(c * pow(x, i, R) for i, c in enumerate(p)) % R != f(x) % R:
        raise ValueError(f"f has degree above {degree}")
    return poly_roots(p, seed)


def poly_roots(p: Poly, seed: int = 1) -> list[int]:
    """The roots in Fr of the polynomial p (coefficients lowest first, not all zero)."""
    p = _trim([c % R for c in p])
    if not p:
        raise ValueError("the zero polynomial")
    if len(p) == 1:
        return []
    linear = _gcd(p, _trim([(a - b) % R for a, b in zip(_powmod([0, 1], R, p) + [0] * len(p), [0, 1] + [0] * len(p))]))
    return sorted(_split(linear, random.Random(seed))) if len(linear) > 1 else []
