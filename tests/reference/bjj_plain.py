"""Reference: Baby Jubjub scalar multiplication and subgroup checks by affine double-and-add,
and EdDSA-Poseidon sign/verify on top of them (the package's code before the fast paths)."""

from __future__ import annotations

from circuits.field import R
from circuits.native import babyjubjub as bjj
from circuits.native.blake512 import blake512
from circuits.native.eddsa import Signature, secret_scalar
from tests.reference.poseidon_plain import poseidon


def challenge(r8: bjj.Point, a: bjj.Point, msg: int) -> int:
    return poseidon([r8[0], r8[1], a[0], a[1], msg])


def mul(p: bjj.Point, k: int) -> bjj.Point:
    """k·p by double-and-add, k ≥ 0."""
    acc, base = bjj.IDENTITY, p
    while k:
        if k & 1:
            acc = bjj.add(acc, base)
        base = bjj.add(base, base)
        k >>= 1
    return acc


def in_subgroup(p: bjj.Point) -> bool:
    return bjj.on_curve(p) and mul(p, bjj.SUBORDER) == bjj.IDENTITY


def is_small_order(p: bjj.Point) -> bool:
    return mul(p, 8) == bjj.IDENTITY


def public_key(private_key: bytes) -> bjj.Point:
    s, _ = secret_scalar(private_key)
    return mul(bjj.BASE8, s >> 3)


def sign(private_key: bytes, msg: int) -> Signature:
    s, prefix = secret_scalar(private_key)
    a = mul(bjj.BASE8, s >> 3)
    r = int.from_bytes(blake512(prefix + (msg % R).to_bytes(32, "little")), "little") % bjj.SUBORDER
    r8 = mul(bjj.BASE8, r)
    return Signature(r8, (r + challenge(r8, a, msg) * s) % bjj.SUBORDER)


def verify(msg: int, sig: Signature, a: bjj.Point) -> bool:
    if not (0 <= sig.s < bjj.SUBORDER and bjj.on_curve(sig.r8) and bjj.on_curve(a)):
        return False
    if is_small_order(a):
        return False
    left = mul(bjj.BASE8, sig.s)
    right = bjj.add(sig.r8, mul(a, 8 * challenge(sig.r8, a, msg)))
    return left == right
