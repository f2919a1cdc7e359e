"""Forged EdDSA signatures, one per kind of row of the verifier: each uses the freedom a dropped
kind gives (a slope, a coordinate, a scalar bit...) to make S·B8 = R8 + hm'·8A hold for a
signature the native ``eddsa.verify`` rejects.

The forger knows the signing key's discrete log (a test wallet), so what it shows is that the
mutant accepts a signature the spec refuses, the kill criterion; where the freedom is a sign it
changes, a point of order 2 added to R8 cancels the one the change leaves.  Each plan names the
values it changes (relative to the verifier's namespace) and the scalar the changed computation
ends with; ``forge`` searches nonces until the plan's conditions hold.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from circuits.field import R
from circuits.native import babyjubjub as bjj
from circuits.native import montgomery as nm
from circuits.native.eddsa import challenge
from tests.mutation import eddsa_native as en

L, T2 = en.L, en.T2
LAST = en.SPLIT - 1  # the ladder's last Montgomery step
W = en.fixed_split()  # Montgomery windows of S·B8


@dataclass(frozen=True)
class Signer:
    key: bjj.Point  # A
    dlog8: int  # 8A = dlog8·B8
    msg: int


@dataclass
class Trial:
    """One nonce: R8, the challenge and the honest ladder over it."""

    r: int
    r8: bjj.Point
    hm: int
    a8: bjj.Point
    ladder: en.Ladder

    @classmethod
    def of(cls, signer: Signer, r: int, torsion: bool) -> Trial:
        r8 = bjj.mul(bjj.BASE8, r)
        r8 = bjj.add(r8, T2) if torsion else r8
        hm = challenge(r8, signer.key, signer.msg)
        a8 = bjj.mul(signer.key, 8)
        return cls(r, r8, hm, a8, en.Ladder.of(a8, hm))


@dataclass
class Plan:
    """What a kind changes: values (relative names), the right side's scalar c' (right =
    R8 + c'·8A), a transform of the left side, and whether R8 carries the point of order 2."""

    values: dict[str, int] = field(default_factory=dict)
    c: int | None = None  # the ladder's effective scalar (default: the honest one)
    right_sign: int = 1  # -1: the right side comes out negated
    left: str = ""  # "", "neg", "neg_m", "neg_prev", "sub_last"
    hooks: dict[str, str] = field(default_factory=dict)  # row -> witness solved there


def _ladder_plan(kind: str, t: Trial) -> Plan | None:
    lad, p = t.ladder, t.ladder.pm
    (u, v), d, c = lad.accs[LAST], lad.digits[LAST], lad.scalars[LAST]
    q_v = d * p[1] % R
    if kind == "step#.sign":
        return Plan({f"ha/step{LAST}.sign": (1 - d) * p[1]}, lad.tail(2 * c - d))
    if kind == "step#.lambda1":
        return Plan({f"ha/step{LAST}.lambda1": (-q_v - v) * en.inv(p[0] - u)}, lad.tail(2 * c - d))
    if kind == "step#.t":
        return Plan({f"ha/step{LAST}.t": p[0]}, lad.tail(c - d))
    if kind == "step#.lambda2":
        return Plan({f"ha/step{LAST}.lambda2": lad.lambda1(LAST)}, lad.tail(-d))
    if kind == "step#.u":
        return Plan({f"ha/step{LAST}.u": u}, lad.tail(-c))
    if kind == "step#.v":
        return Plan({f"ha/step{LAST}.v": -lad.accs[LAST + 1][1]}, lad.tail(-(2 * c + d)))
    out = nm.from_montgomery(lad.accs[en.SPLIT])
    if kind == "acc.x":
        return Plan({"ha/acc.x": -out[0]}, lad.tail(-lad.scalars[en.SPLIT]))
    if kind == "acc.y":  # (x, -y) = -out + T2; the tail's first doubling removes T2
        return Plan({"ha/acc.y": -out[1]}, lad.tail(-lad.scalars[en.SPLIT]))
    if kind == "p.v":
        return Plan({"ha/p.v": -p[1]}, lad.tail(-lad.scalars[en.SPLIT]))
    if kind == "p.u":  # the other root of v = u/x: the Montgomery form of -P + T2
        return Plan({"ha/p.u": en.inv(p[0])}, lad.tail(-lad.scalars[en.SPLIT]))
    return _start_plan(kind, t)


def _start_plan(kind: str, t: Trial) -> Plan | None:
    """Kinds of the ladder's start 3P = 2P + P: another start point, the run from it."""
    p, d0 = t.a8, t.ladder.digits[0]
    k = nm.signed_scalar(t.hm)[0]
    two = nm.double(t.ladder.pm)
    if kind == "p3.v":
        start, values = -3, {"ha/p3.v": -t.ladder.accs[0][1]}
    elif kind == "p3.u":
        start, values = -2, {"ha/p3.u": two[0]}
    elif kind == "p3.lambda" and d0 > 0:  # 2P - P = P, then the first step doubles (its slope is free)
        start = 1
        values = {"ha/p3.lambda": (-t.ladder.pm[1] - two[1]) * en.inv(t.ladder.pm[0] - two[0])}
        values["ha/step0.lambda1"] = _tangent(t.ladder.pm)
    elif kind == "p2.v" and d0 < 0:  # -2P + P = -P, then the first step doubles -P
        start, values = -1, {"ha/p2.v": -two[1], "ha/step0.lambda1": _tangent(_neg(t.ladder.pm))}
    else:
        return None
    run = en.Ladder.from_k(p, k, start)
    return Plan(values, run.scalar)


def _tangent(q: nm.MontPoint) -> int:
    return (3 * q[0] * q[0] + 2 * nm.MONT_A * q[0] + 1) * en.inv(2 * q[1]) % R


def _neg(q: nm.MontPoint) -> nm.MontPoint:
    return q[0], -q[1] % R
