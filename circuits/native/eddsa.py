"""EdDSA over Baby Jubjub with Poseidon, compatible with circomlibjs (``signPoseidon``/``verifyPoseidon``).

Key: h = BLAKE-512(private key); s = prune(h[0:32]) read little-endian; A = (s >> 3)·BASE8.
Sign: r = BLAKE-512(h[32:64] || msg as 32 LE bytes) mod l; R8 = r·BASE8;
hm = poseidon(R8.x, R8.y, A.x, A.y, msg); S = r + hm·s mod l.
Verify: S < l, A and R8 on the curve, and S·BASE8 = R8 + 8·hm·A.
"""

from __future__ import annotations

from dataclasses import dataclass

from circuits.field import R
from circuits.native import babyjubjub as bjj
from circuits.native.blake512 import blake512
from circuits.native.poseidon import poseidon


@dataclass(frozen=True)
class Signature:
    r8: bjj.Point  # R8 = r·BASE8
    s: int  # S in [0, l)


def _secret(private_key: bytes) -> tuple[int, bytes]:
    h = bytearray(blake512(private_key))
    h[0] &= 0xF8
    h[31] = (h[31] & 0x7F) | 0x40
    return int.from_bytes(h[:32], "little"), bytes(h[32:])


def public_key(private_key: bytes) -> bjj.Point:
    s, _ = _secret(private_key)
    return bjj.mul(bjj.BASE8, s >> 3)


def challenge(r8: bjj.Point, a: bjj.Point, msg: int) -> int:
    return poseidon([r8[0], r8[1], a[0], a[1], msg])


def sign(private_key: bytes, msg: int) -> Signature:
    """Deterministic signature on a field element msg."""
    s, prefix = _secret(private_key)
    a = bjj.mul(bjj.BASE8, s >> 3)
    r = int.from_bytes(blake512(prefix + (msg % R).to_bytes(32, "little")), "little") % bjj.SUBORDER
    r8 = bjj.mul(bjj.BASE8, r)
    return Signature(r8, (r + challenge(r8, a, msg) * s) % bjj.SUBORDER)


def verify(msg: int, sig: Signature, a: bjj.Point) -> bool:
    """circomlibjs verifyPoseidon; additionally rejects small-order public keys."""
    if not (0 <= sig.s < bjj.SUBORDER and bjj.on_curve(sig.r8) and bjj.on_curve(a)):
        return False
    if bjj.is_small_order(a):
        return False
    left = bjj.mul(bjj.BASE8, sig.s)
    right = bjj.add(sig.r8, bjj.mul(a, 8 * challenge(sig.r8, a, msg)))
    return left == right
