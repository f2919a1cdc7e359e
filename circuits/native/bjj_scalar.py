"""Scalar multiplication on Baby Jubjub in extended coordinates (``circuits.native.edwards``).

* ``mul_base(k)``: k·BASE8 from a precomputed table, radix-2^8 signed digits in [−128, 128):
  32 windows of 128 points (Z = 1), so at most 32 additions and no doublings.
* ``mul(e, k)``: width-5 wNAF (digits odd in (−16, 16), table ±P, ±3P, ..., ±15P): one doubling
  a bit and an addition about every sixth bit.
* ``msm(points, scalars)``: Straus's interleaving: the wNAF expansions share one run of doublings.
A doubling computes T only when an addition follows it, an addition only when another follows.
Scalars are non-negative integers of any size; results are extended points.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from gmpy2 import mpz

from circuits.native import babyjubjub as bjj
from circuits.native import edwards as ed

BASE_WINDOW = 8
BASE_WINDOWS = 32  # 256 bits of signed digits: any k < 2^255
WNAF_WIDTH = 5


def signed_digits(k: int, width: int, count: int) -> list[int]:
    """k = Σ d_i·2^(width·i) with d_i in [−2^(width−1), 2^(width−1)); ValueError if count digits do not suffice."""
    full, half = 1 << width, 1 << (width - 1)
    out = []
    for _ in range(count):
        d = k & (full - 1)
        k >>= width
        if d >= half:
            d -= full
            k += 1
        out.append(d)
    if k:
        raise ValueError(f"scalar needs more than {count} digits of {width} bits")
    return out


def wnaf(k: int, width: int = WNAF_WIDTH) -> list[tuple[int, int]]:
    """Width-w non-adjacent form of k ≥ 0 as (bit position, digit) pairs, lowest first: digits odd in
    (−2^(w−1), 2^(w−1)), at least w positions apart; k = Σ digit·2^position."""
    out = []
    full, half = 1 << width, 1 << (width - 1)
    pos = 0
    while k:
        skip = (k & -k).bit_length() - 1  # jump over the zero run
        k >>= skip
        pos += skip
        d = k & (full - 1)
        if d >= half:
            d -= full
        out.append((pos, d))
        k = (k - d) >> width  # the low w bits of k − d are zero
        pos += width
    return out


@functools.cache
def base_table() -> tuple[tuple[ed.Cached, ...], ...]:
    """table[i][j] = (j + 1)·2^(8i)·BASE8 in cached form with Z = 1 (built once, ~4096 points)."""
    points = []
    scale = ed.from_affine(bjj.BASE8)
    for _ in range(BASE_WINDOWS):
        row = [scale]
        step = ed.cached(scale)
        for _ in range((1 << (BASE_WINDOW - 1)) - 1):
            row.append(ed.add(row[-1], step))
        points += row
        scale = ed.double(*row[-1][:3])  # 2^8·scale = 2·(128·scale)
    flat = ed.normalize_cached(points)
    n = 1 << (BASE_WINDOW - 1)
    return tuple(tuple(flat[i * n : (i + 1) * n]) for i in range(BASE_WINDOWS))


def _signed(table: Sequence[ed.Cached], d: int) -> ed.Cached:
    """d·P from table[j] = (j + 1)·P."""
    return table[d - 1] if d > 0 else ed.neg_cached(table[-d - 1])


def _odd(table: Sequence[ed.Cached], d: int) -> ed.Cached:
    """d·P for odd d from table[j] = (2j + 1)·P."""
    return table[d >> 1] if d > 0 else ed.neg_cached(table[-d >> 1])


def mul_base(k: int) -> ed.Extended:
    """k·BASE8 (k reduced mod l first: BASE8 has order l)."""
    table = base_table()
    acc = ed.IDENTITY
    for row, d in zip(table, signed_digits(k % bjj.SUBORDER, BASE_WINDOW, BASE_WINDOWS)):
        if d:
            acc = ed.add(acc, _signed(row, d))
    return acc


def odd_multiples(e: ed.Extended, width: int = WNAF_WIDTH) -> list[ed.Cached]:
    """Cached forms of e, 3e, 5e, ..., (2^(w−1) − 1)e."""
    two = ed.cached(ed.double(*e[:3]))
    out, cur = [ed.cached(e)], e
    for _ in range((1 << (width - 2)) - 1):
        cur = ed.add(cur, two)
        out.append(ed.cached(cur))
    return out


def _extend(x: mpz, y: mpz, z: mpz) -> ed.Extended:
    """Projective (X : Y : Z) to extended (XZ : YZ : Z² : XY)."""
    p = ed.P
    return x * z % p, y * z % p, z * z % p, x * y % p


def msm(points: Sequence[ed.Extended], scalars: Sequence[int]) -> ed.Extended:
    """Σ k_i·P_i by Straus's method with width-5 wNAF per point (k_i ≥ 0)."""
    steps: dict[int, list[tuple[list[ed.Cached], int]]] = {}
    for e, k in zip(points, scalars):
        if k:
            table = odd_multiples(e)
            for pos, d in wnaf(k):
                steps.setdefault(pos, []).append((table, d))
    top = max(steps, default=-1) + 1
    x, y, z = ed.IDENTITY[:3]
    for i in range(top - 1, -1, -1):
        adds = steps.get(i)
        if not adds:
            x, y, z = ed.double_no_t(x, y, z)
            continue
        e = ed.double(x, y, z)
        for table, d in adds[:-1]:
            e = ed.add(e, _odd(table, d))
        x, y, z = ed.add_no_t(e, _odd(*adds[-1]))
    return _extend(x, y, z)


def mul(e: ed.Extended, k: int) -> ed.Extended:
    """k·e for any point e and k ≥ 0."""
    return msm([e], [k])
