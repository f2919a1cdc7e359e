"""Baby Jubjub in extended twisted Edwards coordinates (Hisil, Wong, Carter, Dawson 2008) on gmpy2.

The curve a·x² + y² = 1 + d·x²·y² is isomorphic to −x'² + y² = 1 + d'·x'²·y² by
x' = x·√(−a), d' = −d/a (−a is a square mod r), so the fast a = −1 formulas apply.
d' is not a square (d is not, −a is), which makes the unified addition complete: it
holds for doubling, the identity and points of small order alike.

A point is (X, Y, Z, T) with x' = X/Z, y = Y/Z, x'·y = T/Z; the identity is (0, 1, 1, 0).
A "cached" point (Y + X, Y − X, 2d'·T, 2Z) is what additions read: tables hold points in
that form.  Results leave through ``to_affine`` with one inversion.  Values are ``mpz``
in [0, r) between operations.
"""

from __future__ import annotations

import gmpy2
from gmpy2 import mpz

from circuits.field import R
from circuits.native import babyjubjub as bjj

P = mpz(R)
SQRT_MINUS_A = mpz(bjj.sqrt(-bjj.A % R))  # x' = x·SQRT_MINUS_A
INV_SQRT_MINUS_A = mpz(pow(int(SQRT_MINUS_A), -1, R))
D2 = mpz(2 * (-bjj.D * pow(bjj.A, -1, R)) % R)  # 2d'
IDENTITY = (mpz(0), mpz(1), mpz(1), mpz(0))
Extended = tuple[mpz, mpz, mpz, mpz]
Cached = tuple[mpz, mpz, mpz, mpz]


def from_affine(p: bjj.Point) -> Extended:
    """The extended form of an affine curve point (coordinates taken mod r)."""
    x = mpz(p[0]) * SQRT_MINUS_A % P
    y = mpz(p[1]) % P
    return x, y, mpz(1), x * y % P


def to_affine(e: Extended) -> bjj.Point:
    """(x, y) on the original curve; one inversion."""
    x, y, z, _ = e
    zi = gmpy2.invert(z, P)
    return int(x * zi % P * INV_SQRT_MINUS_A % P), int(y * zi % P)


def equals_affine(e: Extended, p: bjj.Point) -> bool:
    """e == p without an inversion (p's coordinates in [0, r))."""
    x, y, z, _ = e
    return (x - mpz(p[0]) * SQRT_MINUS_A % P * z) % P == 0 and (y - mpz(p[1]) * z) % P == 0


def is_identity(e: Extended) -> bool:
    x, y, z, _ = e
    return x % P == 0 and (y - z) % P == 0


def cached(e: Extended) -> Cached:
    x, y, z, t = e
    return (y + x) % P, (y - x) % P, D2 * t % P, 2 * z % P


def neg_cached(c: Cached) -> Cached:
    """The cached form of −e from that of e (−(x, y) = (−x, y))."""
    return c[1], c[0], (-c[2]) % P, c[3]


def add(e: Extended, c: Cached) -> Extended:
    """e + q for q in cached form (add-2008-hwcd-3, 8M)."""
    x, y, z, t = e
    a = (y - x) * c[1] % P
    b = (y + x) * c[0] % P
    cc = t * c[2] % P
    d = z * c[3] % P
    e_, f, g, h = b - a, d - cc, d + cc, b + a
    return e_ * f % P, g * h % P, f * g % P, e_ * h % P


def add_no_t(e: Extended, c: Cached) -> tuple[mpz, mpz, mpz]:
    """e + q without T (the next operation is a doubling, which does not read T)."""
    x, y, z, t = e
    a = (y - x) * c[1] % P
    b = (y + x) * c[0] % P
    cc = t * c[2] % P
    d = z * c[3] % P
    f, g = d - cc, d + cc
    return (b - a) * f % P, g * (b + a) % P, f * g % P


def double(x: mpz, y: mpz, z: mpz) -> Extended:
    """2·(X : Y : Z) with T (dbl-2008-hwcd for a = −1, 4M + 4S); T of the input is not read."""
    a, b = x * x % P, y * y % P
    c = 2 * z * z % P
    e = (x + y) * (x + y) - a - b
    g = b - a
    f, h = g - c, -a - b
    return e * f % P, g * h % P, f * g % P, e * h % P


def double_no_t(x: mpz, y: mpz, z: mpz) -> tuple[mpz, mpz, mpz]:
    """2·(X : Y : Z) without T (3M + 4S), for runs of doublings."""
    a, b = x * x % P, y * y % P
    c = 2 * z * z % P
    e = (x + y) * (x + y) - a - b
    g = b - a
    f = g - c
    return e * f % P, g * (-a - b) % P, f * g % P


def add_points(e1: Extended, e2: Extended) -> Extended:
    return add(e1, cached(e2))


def times8(e: Extended) -> Extended:
    """8·e by three doublings (clears the cofactor)."""
    for _ in range(3):
        e = double(*e[:3])
    return e


def normalize_cached(points: list[Extended]) -> list[Cached]:
    """Cached forms with Z = 1 (so 2Z = 2) for many points: one inversion for all (Montgomery's trick)."""
    zs = [e[2] for e in points]
    prefix, acc = [], mpz(1)
    for z in zs:
        prefix.append(acc)
        acc = acc * z % P
    inv = gmpy2.invert(acc, P)
    out: list[Cached] = [None] * len(points)  # type: ignore[list-item]
    for i in range(len(points) - 1, -1, -1):
        zi = inv * prefix[i] % P
        inv = inv * zs[i] % P
        x, y = points[i][0] * zi % P, points[i][1] * zi % P
        out[i] = ((y + x) % P, (y - x) % P, D2 * x % P * y % P, mpz(2))
    return out
