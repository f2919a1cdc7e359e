"""Multi-scalar multiplication: Pippenger's bucket method with signed c-bit digits.

``msm(group, bases, scalars)`` returns sum(k_i * P_i) in Jacobian form.  Scalars are
reduced mod r; zero scalars and points at infinity are skipped, scalars equal to one
are added directly.  Digits lie in [-2^(c-1), 2^(c-1)), so a window needs only
2^(c-1) buckets and a negative digit adds the negated base; they are read straight
from k + H (see ``_pippenger``), with no carry pass.
"""

from __future__ import annotations

from collections.abc import Sequence

from circuits.field import R
from prover.curve import Affine, Group, Jacobian
from prover.errors import MsmInputError

SCALAR_BITS = R.bit_length()


def window_bits(n: int) -> int:
    """Window size c minimising about (bits/c) * (n + 2^c) additions."""
    if n < 4:
        return 2
    best = min(range(2, 20), key=lambda c: ((SCALAR_BITS + c) // c) * (n + (1 << c)))
    return best


def msm(group: Group, bases: Sequence[Affine], scalars: Sequence[int]) -> Jacobian:
    """sum(scalars[i] * bases[i]); lengths must match."""
    if len(bases) != len(scalars):
        raise MsmInputError(f"msm: {len(bases)} bases but {len(scalars)} scalars")
    ones: Jacobian = None
    points, ks = [], []
    for p, k in zip(bases, scalars):
        k %= R
        if not k or p is None:
            continue
        if k == 1:
            ones = group.add_mixed(ones, p)
        else:
            points.append(p)
            ks.append(k)
    return group.add(ones, _pippenger(group, points, ks))


def _pippenger(group: Group, points: list[Affine], ks: list[int]) -> Jacobian:
    """Signed digits without a carry pass: with H = Σ_w 2^(c-1)·2^(cw), the unsigned
    window digits u_w of k + H give d_w = u_w - 2^(c-1), and Σ d_w 2^(cw) = k."""
    if not points:
        return None
    c = window_bits(len(points))
    windows = (SCALAR_BITS + c) // c  # c·windows > 254: k + H fits
    half = 1 << (c - 1)
    offset = sum(half << (c * w) for w in range(windows))
    shifted = [k + offset for k in ks]
    negs = [group.neg(p) for p in points]
    acc: Jacobian = None
    for w in range(windows - 1, -1, -1):
        for _ in range(c):
            acc = group.double(acc)
        acc = group.add(acc, _window_sum(group, points, negs, shifted, c * w, c))
    return acc


def _window_sum(group: Group, points: list, negs: list, shifted: list[int], shift: int, c: int) -> Jacobian:
    """sum d_i * P_i for one window: fill buckets, then a running sum from the top bucket."""
    half, mask = 1 << (c - 1), (1 << c) - 1
    buckets: list[Jacobian] = [None] * half
    add_mixed = group.add_mixed
    for p, q, x in zip(points, negs, shifted):
        d = ((x >> shift) & mask) - half
        if d > 0:
            buckets[d - 1] = add_mixed(buckets[d - 1], p)
        elif d < 0:
            buckets[-d - 1] = add_mixed(buckets[-d - 1], q)
    running: Jacobian = None
    total: Jacobian = None
    add = group.add
    for b in reversed(buckets):
        if b is not None:
            running = add(running, b)
        if running is not None:
            total = add(total, running)
    return total
