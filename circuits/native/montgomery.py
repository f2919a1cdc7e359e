"""Baby Jubjub in Montgomery form and the signed-digit ladder of the variable-base gadget.

The birationally equivalent Montgomery curve is v² = u³ + A·u² + u (B = 1) with
A = 2(a + d)/(a − d) = 168698; the maps are u = (1 + y)/(1 − y), v = u/x and back
x = u/v, y = (u − 1)/(u + 1).  Affine Montgomery formulas are incomplete (no
identity, no P + P in ``add``), so this module is only for points of prime order l
and for scalar sequences that provably avoid the exceptional cases.

The ladder computes c·P with c = 2^(n+1) + 2K + 1 for K < 2^n (n = ``DIGITS``):
the accumulator starts at 3P and each step maps acc ↦ 2·acc ± P (digit +1 for a
set bit of K, from the top).  A scalar k is rewritten as such a c ≡ k (mod l) by
``signed_scalar``; c = k + (J − 5)·l with a small J binds the two in the circuit.
This module is the native twin of ``circuits.gadgets.montgomery``.
"""

from __future__ import annotations

import functools

from circuits.errors import RangeError
from circuits.field import R
from circuits.native import babyjubjub as bjj

MONT_A = 2 * (bjj.A + bjj.D) * pow(bjj.A - bjj.D, -1, R) % R  # 168698
DIGITS = 251  # 2^251 > l: the odd c in [2^252, 2^253) cover every residue mod l
EDWARDS_TAIL = 3  # the last steps, where c may pass l, use the complete Edwards law
J_OFFSET = 5  # c = k + (J − 5)·l with 0 ≤ J < 16
J_BITS = 4
MontPoint = tuple[int, int]


def to_montgomery(p: bjj.Point) -> MontPoint:
    """(u, v) of an Edwards point other than the identity and (0, −1)."""
    x, y = p
    if x == 0:
        raise RangeError("the identity and the point of order 2 have no affine Montgomery form")
    u = (1 + y) * pow(1 - y, -1, R) % R
    return u, u * pow(x, -1, R) % R


def from_montgomery(q: MontPoint) -> bjj.Point:
    u, v = q
    return u * pow(v, -1, R) % R, (u - 1) * pow(u + 1, -1, R) % R


def add(p: MontPoint, q: MontPoint) -> MontPoint:
    """p + q for p ≠ ±q (chord rule)."""
    (u1, v1), (u2, v2) = p, q
    if u1 == u2:
        raise RangeError("incomplete addition: p = ±q")
    lam = (v2 - v1) * pow(u2 - u1, -1, R) % R
    u3 = (lam * lam - MONT_A - u1 - u2) % R
    return u3, (lam * (u1 - u3) - v1) % R


def double(p: MontPoint) -> MontPoint:
    """2p for p with v ≠ 0 (tangent rule)."""
    u, v = p
    lam = (3 * u * u + 2 * MONT_A * u + 1) * pow(2 * v, -1, R) % R
    u3 = (lam * lam - MONT_A - 2 * u) % R
    return u3, (lam * (u - u3) - v) % R


def signed_scalar(k: int) -> tuple[int, int]:
    """(K, J) with 2^252 + 2K + 1 = k + (J − 5)·l, 0 ≤ K < 2^251, 0 ≤ J < 16, J ≡ k (mod 2).

    For every k in [0, r) there is one with J ≤ 10; the smallest such J is returned.
    """
    if not 0 <= k < R:
        raise RangeError("scalar is not a canonical field element")
    low, high = 1 << (DIGITS + 1), 1 << (DIGITS + 2)
    for j in range(1 << J_BITS):
        c = k + (j - J_OFFSET) * bjj.SUBORDER
        if low < c < high and c % 2 == 1:
            return (c - 1 - low) // 2, j
    raise AssertionError("unreachable: the window [2^252, 2^253) holds an odd c for every residue")


def digits(big_k: int) -> list[int]:
    """The ladder's digits (+1 or −1) from the top: bit i of K gives 2·bit − 1."""
    return [2 * ((big_k >> i) & 1) - 1 for i in range(DIGITS - 1, -1, -1)]


def mul(p: bjj.Point, k: int) -> bjj.Point:
    """k·p for p of prime order l, along exactly the gadget's steps (incomplete steps checked)."""
    big_k, _ = signed_scalar(k)
    pm = to_montgomery(p)
    acc = add(double(pm), pm)
    steps = digits(big_k)
    split = DIGITS - EDWARDS_TAIL
    for d in steps[:split]:
        q = pm if d > 0 else (pm[0], -pm[1] % R)
        acc = add(add(acc, q), acc)
    out = from_montgomery(acc)
    for d in steps[split:]:
        out = bjj.add(bjj.add(out, out), p if d > 0 else bjj.neg(p))
    return out


# ---- fixed base: 2-bit windows with offset tables ---------------------------------------
# Window w adds (k + 2)·4^w·B for its digit k in Montgomery form: the accumulator
# (Σ_{i<w} (k_i + 2)·4^i < 2·4^w) stays below every entry and acc + entry < l, so the
# chord rule never meets p = ±q.  Windows from ``fixed_split`` on, where that bound
# would pass l, use Edwards tables k·4^w·B; the last one also subtracts the offsets.
WINDOW_OFFSET = 2


def fixed_split(n_windows: int) -> int:
    """The first window whose Montgomery addition could reach l (acc + entry ≥ l); at most
    the last window, which always runs in Edwards form to subtract the offsets."""
    if n_windows < 2:
        raise RangeError("fixed-base multiplication needs at least 3 bits")
    for w in range(1, n_windows - 1):
        acc_max = sum((3 + WINDOW_OFFSET) << (2 * i) for i in range(w))
        if acc_max + ((3 + WINDOW_OFFSET) << (2 * w)) >= bjj.SUBORDER:
            return w
    return n_windows - 1


@functools.cache
def fixed_tables(base: bjj.Point, n_bits: int) -> tuple[list[list[MontPoint]], list[list[bjj.Point]]]:
    """Montgomery tables for the windows before the split, Edwards tables after it (cached)."""
    n_windows = (n_bits + 1) // 2
    split = fixed_split(n_windows)
    mont, edw = [], []
    scale, offsets = base, 0
    for w in range(n_windows):
        multiples = [bjj.IDENTITY]
        for _ in range(3 + WINDOW_OFFSET):
            multiples.append(bjj.add(multiples[-1], scale))
        if w < split:
            mont.append([to_montgomery(multiples[k + WINDOW_OFFSET]) for k in range(4)])
            offsets += WINDOW_OFFSET << (2 * w)
        else:
            last = w == n_windows - 1
            correction = bjj.neg(bjj.mul(base, offsets)) if last else bjj.IDENTITY
            edw.append([bjj.add(multiples[k], correction) for k in range(4)])
        scale = bjj.add(multiples[2], multiples[2])
    return mont, edw


def mul_fixed(base: bjj.Point, k: int, n_bits: int) -> bjj.Point:
    """k·base for k < 2^n_bits along the gadget's windows (base of order l, incomplete steps checked)."""
    mont, edw = fixed_tables(base, n_bits)
    digit = [(k >> (2 * w)) & 3 for w in range(len(mont) + len(edw))]
    acc = mont[0][digit[0]]
    for w in range(1, len(mont)):
        acc = add(acc, mont[w][digit[w]])
    out = from_montgomery(acc)
    for w, table in enumerate(edw, start=len(mont)):
        out = bjj.add(out, table[digit[w]])
    return out
