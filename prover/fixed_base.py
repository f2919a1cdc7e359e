"""Fixed-base scalar multiplication for setup: precomputed window tables, batch normalization.

table[w][d - 1] = d · 2^(c·w) · G in affine form, so k·G costs one mixed addition
per non-zero c-bit window of k.
"""

from __future__ import annotations

from collections.abc import Sequence

import gmpy2

from circuits.field import R
from prover.curve import G1, Affine, Group, Jacobian, P, f2_inv, f2_mul, f2_sqr

WINDOW = 8


def build_table(group: Group, base: Affine, window: int = WINDOW) -> list[list[Affine]]:
    rows: list[list[Jacobian]] = []
    start: Jacobian = group.add_mixed(None, base)
    for _ in range((R.bit_length() + window - 1) // window):
        row, acc = [], None
        for _ in range((1 << window) - 1):
            acc = group.add(acc, start)
            row.append(acc)
        rows.append(row)
        start = group.add(acc, start)  # 2^window · start
    flat = batch_to_affine(group, [p for row in rows for p in row])
    width = (1 << window) - 1
    return [flat[i : i + width] for i in range(0, len(flat), width)]


def fixed_base_mul(group: Group, table: list[list[Affine]], k: int, window: int = WINDOW) -> Jacobian:
    k %= R
    acc, mask, w = None, (1 << window) - 1, 0
    while k:
        d = k & mask
        if d:
            acc = group.add_mixed(acc, table[w][d - 1])
        k >>= window
        w += 1
    return acc


def batch_to_affine(group: Group, points: Sequence[Jacobian]) -> list[Affine]:
    """Normalize many Jacobian points with one field inversion (Montgomery's trick)."""
    live = [i for i, p in enumerate(points) if p is not None]
    out: list[Affine] = [None] * len(points)
    if not live:
        return out
    g1 = group is G1
    mul = (lambda a, b: a * b % P) if g1 else f2_mul
    prefix, acc = [], (gmpy2.mpz(1) if g1 else (gmpy2.mpz(1), gmpy2.mpz(0)))
    for i in live:
        prefix.append(acc)
        acc = mul(acc, points[i][2])
    inv = gmpy2.invert(acc, P) if g1 else f2_inv(acc)
    for j in range(len(live) - 1, -1, -1):
        x, y, z = points[live[j]]
        zi = mul(inv, prefix[j])
        inv = mul(inv, z)
        zi2 = zi * zi % P if g1 else f2_sqr(zi)
        out[live[j]] = (mul(x, zi2), mul(y, mul(zi2, zi)))
    return out
