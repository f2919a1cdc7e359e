"""BN254 G1 and G2 arithmetic on gmpy2 integers for the prover's hot loops.

Points are affine tuples ``(x, y)`` (G1: x, y in Fp; G2: x, y in Fp2 = (c0, c1) with
u^2 = -1, as in py_ecc) or Jacobian ``(X, Y, Z)`` with x = X/Z^2, y = Y/Z^3.
``None`` is the point at infinity in both forms.  Formulas are the EFD ones for
a = 0 short Weierstrass curves (dbl-2009-l, madd-2007-bl, add-2007-bl); every
function here has a differential test against py_ecc in ``tests/test_curve.py``.
"""

from __future__ import annotations

from typing import Any

import gmpy2
from py_ecc.optimized_bn128 import field_modulus

P = gmpy2.mpz(field_modulus)
Affine = Any  # (x, y) or None
Jacobian = Any  # (X, Y, Z) or None


# ---------------------------------------------------------------- G1 over Fp
def g1_double(p: Jacobian) -> Jacobian:
    if p is None:
        return None
    x, y, z = p
    if not y:
        return None
    a = x * x % P
    b = y * y % P
    c = b * b % P
    d = 2 * ((x + b) ** 2 - a - c) % P
    e = 3 * a % P
    x3 = (e * e - 2 * d) % P
    return x3, (e * (d - x3) - 8 * c) % P, 2 * y * z % P


def g1_add_mixed(p: Jacobian, q: Affine) -> Jacobian:
    """p + q with q affine (madd-2007-bl)."""
    if q is None:
        return p
    if p is None:
        return q[0], q[1], gmpy2.mpz(1)
    x1, y1, z1 = p
    z1z1 = z1 * z1 % P
    h = (q[0] * z1z1 - x1) % P
    r = 2 * (q[1] * z1 * z1z1 - y1) % P
    if not h:
        return g1_double(p) if not r else None
    hh = h * h % P
    i = 4 * hh
    j = h * i % P
    v = x1 * i % P
    x3 = (r * r - j - 2 * v) % P
    return x3, (r * (v - x3) - 2 * y1 * j) % P, ((z1 + h) ** 2 - z1z1 - hh) % P


def g1_add(p: Jacobian, q: Jacobian) -> Jacobian:
    """p + q, both Jacobian (add-2007-bl)."""
    if p is None:
        return q
    if q is None:
        return p
    x1, y1, z1 = p
    x2, y2, z2 = q
    z1z1 = z1 * z1 % P
    z2z2 = z2 * z2 % P
    u1 = x1 * z2z2 % P
    s1 = y1 * z2 * z2z2 % P
    h = (x2 * z1z1 - u1) % P
    r = 2 * (y2 * z1 * z1z1 - s1) % P
    if not h:
        return g1_double(p) if not r else None
    i = 4 * h * h % P
    j = h * i % P
    v = u1 * i % P
    x3 = (r * r - j - 2 * v) % P
    return x3, (r * (v - x3) - 2 * s1 * j) % P, ((z1 + z2) ** 2 - z1z1 - z2z2) * h % P


def g1_neg(q: Affine) -> Affine:
    return None if q is None else (q[0], (P - q[1]) % P)


def g1_to_affine(p: Jacobian) -> Affine:
    if p is None:
        return None
    zi = gmpy2.invert(p[2], P)
    zi2 = zi * zi % P
    return p[0] * zi2 % P, p[1] * zi2 * zi % P


# ---------------------------------------------------------------- Fp2 helpers
def f2_mul(a: tuple, b: tuple) -> tuple:
    t0 = a[0] * b[0]
    t1 = a[1] * b[1]
    return (t0 - t1) % P, ((a[0] + a[1]) * (b[0] + b[1]) - t0 - t1) % P


def f2_sqr(a: tuple) -> tuple:
    return (a[0] + a[1]) * (a[0] - a[1]) % P, 2 * a[0] * a[1] % P


def f2_sub(a: tuple, b: tuple) -> tuple:
    return (a[0] - b[0]) % P, (a[1] - b[1]) % P


def f2_inv(a: tuple) -> tuple:
    t = gmpy2.invert((a[0] * a[0] + a[1] * a[1]) % P, P)
    return a[0] * t % P, -a[1] * t % P


# ---------------------------------------------------------------- G2 over Fp2
def g2_double(p: Jacobian) -> Jacobian:
    if p is None:
        return None
    x, y, z = p
    if not (y[0] or y[1]):
        return None
    a = f2_sqr(x)
    b = f2_sqr(y)
    c = f2_sqr(b)
    xb = f2_sqr(((x[0] + b[0]) % P, (x[1] + b[1]) % P))
    d = (2 * (xb[0] - a[0] - c[0]) % P, 2 * (xb[1] - a[1] - c[1]) % P)
    e = (3 * a[0] % P, 3 * a[1] % P)
    f = f2_sqr(e)
    x3 = ((f[0] - 2 * d[0]) % P, (f[1] - 2 * d[1]) % P)
    ed = f2_mul(e, f2_sub(d, x3))
    y3 = ((ed[0] - 8 * c[0]) % P, (ed[1] - 8 * c[1]) % P)
    yz = f2_mul(y, z)
    return x3, y3, (2 * yz[0] % P, 2 * yz[1] % P)


def g2_add_mixed(p: Jacobian, q: Affine) -> Jacobian:
    """p + q with q affine (madd-2007-bl over Fp2, products inlined)."""
    if q is None:
        return p
    if p is None:
        return q[0], q[1], (gmpy2.mpz(1), gmpy2.mpz(0))
    (x0, x1), (y0, y1), (z0, z1) = p
    (qx0, qx1), (qy0, qy1) = q
    zz0, zz1 = (z0 + z1) * (z0 - z1) % P, 2 * z0 * z1 % P  # Z1^2
    t0, t1 = qx0 * zz0, qx1 * zz1
    h0 = (t0 - t1 - x0) % P
    h1 = ((qx0 + qx1) * (zz0 + zz1) - t0 - t1 - x1) % P  # H = X2*Z1Z1 - X1
    t0, t1 = z0 * zz0, z1 * zz1
    c0, c1 = (t0 - t1) % P, ((z0 + z1) * (zz0 + zz1) - t0 - t1) % P  # Z1^3
    t0, t1 = qy0 * c0, qy1 * c1
    r0 = 2 * (t0 - t1 - y0) % P
    r1 = 2 * ((qy0 + qy1) * (c0 + c1) - t0 - t1 - y1) % P  # r = 2(S2 - Y1)
    if not (h0 or h1):
        return g2_double(p) if not (r0 or r1) else None
    hh0, hh1 = (h0 + h1) * (h0 - h1) % P, 2 * h0 * h1 % P
    i0, i1 = 4 * hh0, 4 * hh1
    t0, t1 = h0 * i0, h1 * i1
    j0, j1 = (t0 - t1) % P, ((h0 + h1) * (i0 + i1) - t0 - t1) % P
    t0, t1 = x0 * i0, x1 * i1
    v0, v1 = (t0 - t1) % P, ((x0 + x1) * (i0 + i1) - t0 - t1) % P
    x30 = ((r0 + r1) * (r0 - r1) - j0 - 2 * v0) % P
    x31 = (2 * r0 * r1 - j1 - 2 * v1) % P
    d0, d1 = v0 - x30, v1 - x31
    t0, t1 = r0 * d0, r1 * d1
    u0, u1 = t0 - t1, (r0 + r1) * (d0 + d1) - t0 - t1
    t0, t1 = y0 * j0, y1 * j1
    w0, w1 = t0 - t1, (y0 + y1) * (j0 + j1) - t0 - t1
    y30, y31 = (u0 - 2 * w0) % P, (u1 - 2 * w1) % P
    s0, s1 = z0 + h0, z1 + h1
    z30 = ((s0 + s1) * (s0 - s1) - zz0 - hh0) % P
    z31 = (2 * s0 * s1 - zz1 - hh1) % P
    return (x30, x31), (y30, y31), (z30, z31)


def g2_add(p: Jacobian, q: Jacobian) -> Jacobian:
    if p is None:
        return q
    if q is None:
        return p
    x1, y1, z1 = p
    x2, y2, z2 = q
    z1z1 = f2_sqr(z1)
    z2z2 = f2_sqr(z2)
    u1 = f2_mul(x1, z2z2)
    s1 = f2_mul(f2_mul(y1, z2), z2z2)
    h = f2_sub(f2_mul(x2, z1z1), u1)
    s2 = f2_mul(f2_mul(y2, z1), z1z1)
    r = f2_sub(s2, s1)
    r = (2 * r[0] % P, 2 * r[1] % P)
    if not (h[0] or h[1]):
        return g2_double(p) if not (r[0] or r[1]) else None
    i = f2_sqr((2 * h[0] % P, 2 * h[1] % P))
    j = f2_mul(h, i)
    v = f2_mul(u1, i)
    rr = f2_sqr(r)
    x3 = ((rr[0] - j[0] - 2 * v[0]) % P, (rr[1] - j[1] - 2 * v[1]) % P)
    t = f2_mul(r, f2_sub(v, x3))
    sj = f2_mul(s1, j)
    y3 = ((t[0] - 2 * sj[0]) % P, (t[1] - 2 * sj[1]) % P)
    zz = f2_sqr(((z1[0] + z2[0]) % P, (z1[1] + z2[1]) % P))
    z3 = f2_mul(((zz[0] - z1z1[0] - z2z2[0]) % P, (zz[1] - z1z1[1] - z2z2[1]) % P), h)
    return x3, y3, z3


def g2_neg(q: Affine) -> Affine:
    return None if q is None else (q[0], ((P - q[1][0]) % P, (P - q[1][1]) % P))


def g2_to_affine(p: Jacobian) -> Affine:
    if p is None:
        return None
    zi = f2_inv(p[2])
    zi2 = f2_sqr(zi)
    return f2_mul(p[0], zi2), f2_mul(p[1], f2_mul(zi2, zi))


class Group:
    """The operations Pippenger and fixed-base tables need, for one group."""

    def __init__(self, name: str, double, add, add_mixed, neg, to_affine) -> None:  # noqa: ANN001
        self.name = name
        self.double = double
        self.add = add
        self.add_mixed = add_mixed
        self.neg = neg
        self.to_affine = to_affine

    def mul(self, p: Affine, k: int) -> Jacobian:
        """k * p by double-and-add (for the handful of single multiplications in a proof)."""
        acc = None
        for bit in bin(k)[2:]:
            acc = self.double(acc)
            if bit == "1":
                acc = self.add_mixed(acc, p)
        return acc


G1 = Group("G1", g1_double, g1_add, g1_add_mixed, g1_neg, g1_to_affine)
G2 = Group("G2", g2_double, g2_add, g2_add_mixed, g2_neg, g2_to_affine)
GROUPS = {"G1": G1, "G2": G2}
