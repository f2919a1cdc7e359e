"""EdDSA over Baby Jubjub with Poseidon, compatible with circomlibjs (``signPoseidon``/``verifyPoseidon``).

Key: h = BLAKE-512(private key); s = prune(h[0:32]) read little-endian; A = (s >> 3)·BASE8.
Sign: r = BLAKE-512(h[32:64] || msg as 32 LE bytes) mod l; R8 = r·BASE8;
hm = poseidon(R8.x, R8.y, A.x, A.y, msg); S = r + hm·s mod l.
Verify: S < l, A and R8 on the curve, 8·A ≠ O, and S·BASE8 = R8 + hm·(8·A).

The equation is the one circomlibjs checks: A's torsion is cleared by the 8, R8's is not, so
an R8 outside the prime-order subgroup never verifies.  ``verify_batch`` gives the same
verdicts for many signatures at once (random linear combination, one multi-scalar
multiplication), falling back to halves and single checks to name the bad ones.
Multiplications run in extended coordinates (``bjj_scalar``); sides are compared projectively.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from circuits.errors import RangeError
from circuits.field import R
from circuits.native import babyjubjub as bjj
from circuits.native import bjj_scalar as sc
from circuits.native import edwards as ed
from circuits.native.bjj_subgroup import in_subgroup
from circuits.native.blake512 import blake512
from circuits.native.poseidon import poseidon

L = bjj.SUBORDER
BATCH_SCALAR_BITS = 128  # the random weights: a bad batch passes with probability ≤ 2^-128


@dataclass(frozen=True)
class Signature:
    r8: bjj.Point  # R8 = r·BASE8
    s: int  # S in [0, l)


def secret_scalar(private_key: bytes) -> tuple[int, bytes]:
    """(pruned scalar s, nonce prefix) from BLAKE-512 of the private key."""
    h = bytearray(blake512(private_key))
    h[0] &= 0xF8
    h[31] = (h[31] & 0x7F) | 0x40
    return int.from_bytes(h[:32], "little"), bytes(h[32:])


def public_key(private_key: bytes) -> bjj.Point:
    s, _ = secret_scalar(private_key)
    return ed.to_affine(sc.mul_base(s >> 3))


def check_message(msg: object) -> int:
    """A message is an integer, taken mod r as circomlibjs does (msg and msg + r are one message);
    any other type (a str, a float, a bool) is malformed (RangeError), never coerced."""
    if type(msg) is not int:
        raise RangeError(f"an EdDSA message must be an integer (a field element), got {msg!r:.40}")
    return msg % R


def challenge(r8: bjj.Point, a: bjj.Point, msg: int) -> int:
    return poseidon([r8[0], r8[1], a[0], a[1], check_message(msg)])


def sign(private_key: bytes, msg: int) -> Signature:
    """Deterministic signature on a field element msg."""
    s, prefix = secret_scalar(private_key)
    a = ed.to_affine(sc.mul_base(s >> 3))
    r = int.from_bytes(blake512(prefix + check_message(msg).to_bytes(32, "little")), "little") % L
    r8 = ed.to_affine(sc.mul_base(r))
    return Signature(r8, (r + challenge(r8, a, msg) * s) % L)


def _same(e1: ed.Extended, e2: ed.Extended) -> bool:
    """Projective equality: X1·Z2 = X2·Z1 and Y1·Z2 = Y2·Z1."""
    p = ed.P
    return (e1[0] * e2[2] - e2[0] * e1[2]) % p == 0 and (e1[1] * e2[2] - e2[1] * e1[2]) % p == 0


def _prepared(msg: int, sig: object, a: bjj.Point) -> tuple[ed.Extended, int] | None:
    """(8·A, hm mod l) if the signature is well formed (S < l, R8 and A on the curve, 8·A ≠ O), else None.
    hm may be reduced mod l because 8·A has order dividing l."""
    check_message(msg)
    if not (isinstance(sig, Signature) and 0 <= sig.s < L and bjj.on_curve(sig.r8) and bjj.on_curve(a)):
        return None
    a8 = ed.times8(ed.from_affine(a))
    return None if ed.is_identity(a8) else (a8, challenge(sig.r8, a, msg) % L)


def _holds(sig: Signature, a8: ed.Extended, hm: int) -> bool:
    """S·BASE8 = R8 + hm·(8·A)."""
    right = ed.add(ed.from_affine(sig.r8), ed.cached(sc.mul(a8, hm)))
    return _same(sc.mul_base(sig.s), right)


def verify(msg: int, sig: Signature, a: bjj.Point) -> bool:
    """circomlibjs verifyPoseidon; additionally rejects small-order public keys."""
    prepared = _prepared(msg, sig, a)
    return prepared is not None and _holds(sig, *prepared)


Prepared = tuple[int, Signature, ed.Extended, int]  # index, signature, 8·A, hm mod l


def _combination_holds(items: Sequence[Prepared]) -> bool:
    """Σ z_i·(S_i·B − R8_i − hm_i·8A_i) = O for random z_i in [1, 2^128) (every R8_i in the subgroup,
    so a non-zero term survives unless z_i hits one residue mod l)."""
    s_sum, points, scalars = 0, [], []
    for _, sig, a8, hm in items:
        z = secrets.randbelow((1 << BATCH_SCALAR_BITS) - 1) + 1
        s_sum += z * sig.s
        points += [ed.from_affine(sig.r8), a8]
        scalars += [z, z * hm % L]
    return _same(sc.mul_base(s_sum % L), sc.msm(points, scalars))


def _find_bad(items: list[Prepared]) -> list[int]:
    """Indices of the bad signatures among items: none if their combination holds, else search the halves."""
    if len(items) == 1:
        i, sig, a8, hm = items[0]
        return [] if _holds(sig, a8, hm) else [i]
    if not items or _combination_holds(items):
        return []
    half = len(items) // 2
    return _find_bad(items[:half]) + _find_bad(items[half:])


def verify_batch(items: Sequence[tuple[int, Signature, bjj.Point]]) -> list[int]:
    """Indices (ascending) of the (msg, sig, key) triples that ``verify`` rejects; [] when all verify.

    A returned index is always a signature ``verify`` rejects; a bad signature goes unnamed
    only with probability ≤ 2^-128.  Malformed items, small-order keys and R8 outside the
    prime-order subgroup are named without entering the combination.
    """
    bad, good = [], []
    for i, (msg, sig, a) in enumerate(items):
        prepared = _prepared(msg, sig, a)
        if prepared is None or not in_subgroup(sig.r8):
            bad.append(i)
        else:
            good.append((i, sig, *prepared))
    return sorted(bad + _find_bad(good))
