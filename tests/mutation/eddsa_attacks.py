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

import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from circuits.field import R
from circuits.native import babyjubjub as bjj
from circuits.native import montgomery as nm
from circuits.native.eddsa import Signature, challenge
from tests.mutation import eddsa_free as ef
from tests.mutation import eddsa_native as en
from tests.mutation import eddsa_tail as et
from tests.mutation import eddsa_windows as ew
from tests.mutation.tamper import Tamper
from tests.mutation.tamperers import solve, steer

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
    def of(cls, signer: Signer, r: int, torsion: bjj.Point = bjj.IDENTITY) -> Trial:
        r8 = bjj.add(bjj.mul(bjj.BASE8, r), torsion)
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
    r8_torsion: bjj.Point | None = None  # the small-order point R8 must carry (checked against the trial's)


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


T4 = (pow(en._sqrt_a(), -1, R), 0)  # a point of order 4 (a is a square)


def _square_for(p: bjj.Point, target: bjj.Point, which: str) -> int:
    """The x² (or y²) that makes the dedicated doubling of p output target (x from the formula)."""
    x, y = p
    if which == "x2":
        return (2 * x * y * en.inv(target[0]) - y * y) * en.inv(bjj.A) % R
    return (2 * x * y * en.inv(target[0]) - bjj.A * x * x) % R


def _times_t4(c: int) -> bjj.Point:
    return T4 if c % 4 == 1 else bjj.neg(T4)


def _tail_plan(kind: str, t: Trial) -> Plan | None:
    """The Edwards tail of the ladder (last step) and the final R8 + hm·8A."""
    lad, p = t.ladder, t.a8
    outs, cs = [nm.from_montgomery(lad.accs[en.SPLIT])], [lad.scalars[en.SPLIT]]
    for d in lad.digits[en.SPLIT :]:
        outs.append(bjj.add(bjj.add(outs[-1], outs[-1]), p if d > 0 else bjj.neg(p)))
        cs.append(2 * cs[-1] + d)
    d, dbl, signed = lad.digits[-1], bjj.add(outs[2], outs[2]), p if lad.digits[-1] > 0 else bjj.neg(p)
    flipped = -2 * cs[2] + d
    plans = {
        "tail#.sign": lambda: Plan({"ha/tail2.sign": (1 - d) * p[0]}, 2 * cs[2] - d),
        "tail#.dbl.x": lambda: Plan({"ha/tail2.dbl.x": -dbl[0]}, flipped),
        "tail#.dbl.xy": lambda: Plan({"ha/tail2.dbl.xy": -outs[2][0] * outs[2][1]}, flipped),
        "tail#.add.x": lambda: Plan({"ha/tail2.add.x": -outs[3][0]}, -cs[3]),
    }
    torsion = {  # (x, -y) = -Q + T2: R8 carries the other T2
        "tail#.dbl.y": lambda: Plan({"ha/tail2.dbl.y": -dbl[1]}, flipped),
        "tail#.add.y": lambda: Plan({"ha/tail2.add.y": -outs[3][1]}, -cs[3]),
        "tail#.add.delta": lambda: Plan({"ha/tail2.add.delta": en.negated_y_delta(dbl, signed)}, -cs[3]),
    }
    right = bjj.add(t.r8, bjj.mul(p, lad.scalar % L))
    ends = {
        "r#+ha.x": lambda: Plan({"r8+ha.x": -right[0]}, right_sign=-1),
        "x": lambda: Plan(right_sign=-1),
    }
    ends_torsion = {
        "r#+ha.y": lambda: Plan({"r8+ha.y": -right[1]}, right_sign=-1),
        "r#+ha.delta": lambda: Plan(
            {"r8+ha.delta": en.negated_y_delta(t.r8, bjj.mul(p, lad.scalar % L))}, right_sign=-1
        ),
        "y": lambda: Plan(right_sign=-1),
    }
    squares = {  # doubling with a free square: -out (x²), -out + T4 (y²), then + d·P
        "tail#.dbl.x2": lambda: Plan({"ha/tail2.dbl.x2": _square_for(outs[2], bjj.neg(outs[2]), "x2")}, -cs[2] + d),
        "tail#.dbl.y2": lambda: Plan(
            {"ha/tail2.dbl.y2": _square_for(outs[2], bjj.add(bjj.neg(outs[2]), T4), "y2")},
            -cs[2] + d,
            r8_torsion=bjj.neg(T4),
        ),
    }
    for table in (plans, torsion, ends, ends_torsion, squares):
        if kind in table:
            return table[kind]()
    return None


def _hm_plan(kind: str, t: Trial) -> Plan | None:
    """The challenge's decomposition and the scalar binding."""
    bits = lambda v: {f"hm.b{i}": (v >> i) & 1 for i in range(254)}  # noqa: E731
    big_k, _ = nm.signed_scalar(t.hm)
    if kind == "hm.pack":
        return Plan(bits(t.hm + 1), t.hm + 1)
    if kind in ("hm.alias.below", "hm.alias.eq#", "hm.b#.bit"):
        alias = t.hm + R
        rewrite = en.alias_rewrite(alias) if alias < 1 << 254 else None
        if rewrite is None:
            return None
        k2, j2 = rewrite
        values = {**bits(alias), **{f"ha/K{i}": (k2 >> i) & 1 for i in range(nm.DIGITS)}}
        values.update({f"ha/J{i}": (j2 >> i) & 1 for i in range(1, nm.J_BITS)})
        if kind == "hm.b#.bit":  # canonical bits, but b0 flipped and b1 compensating (non-boolean)
            b0, b1 = t.hm & 1, (t.hm >> 1) & 1
            values.update({**bits(t.hm), "hm.b0": 1 - b0, "hm.b1": (b1 + (2 * b0 - 1) * en.inv(2)) % R})
        hooks = {"hm.alias.below": "hm.alias.eq0"} if kind == "hm.alias.eq#" else {}
        return Plan(values, alias, hooks=hooks)
    if kind in ("ha/scalar", "ha/J#.bit"):
        values = {f"ha/K{i}": ((big_k + 1) >> i) & 1 for i in range(nm.DIGITS)}
        c = (1 << 252) + 2 * (big_k + 1) + 1
        if kind == "ha/J#.bit":
            _, j = nm.signed_scalar(t.hm)
            j_new = (nm.J_OFFSET + (c - t.hm) * pow(L, -1, R)) % R  # J with k + (J - 5)·l = c in Fr
            rest = (j & 1) + 4 * ((j >> 2) & 1) + 8 * ((j >> 3) & 1)
            values["ha/J1"] = (j_new - rest) * en.inv(2) % R
        return Plan(values, c)
    return None


# ---- the left side S·B8: a transform of S, solved for the S that meets the right side -----------

OFF_W, OFF_W1 = en.offset(W), en.offset(W - 1)
LEFT = {  # kind -> (low windows, high(h), sign of S_low, constant): left'(S) = high + sigma·S_low - extra
    "neg_m": (W, lambda h: h << (2 * W), -1, 2 * OFF_W),  # the Montgomery sum negated
    "neg_prev": (W - 1, lambda h: (h >> 2) << (2 * W), -1, OFF_W + OFF_W1),  # -acc before the last window
    "sub_last": (W - 1, lambda h: ((h >> 2) << (2 * W)) - ((h & 3) + 4) * 4 ** (W - 1), 1, 0),  # acc - entry
}


def _left_plan(kind: str, s: int) -> Plan | None:
    """Values of the left-side kinds for the S solved against the right side."""
    accs, last = en.fixed_montgomery(s), W - 1
    m = nm.from_montgomery(accs[-1])
    if kind == "sb/add#.v":
        return Plan({f"sb/add{last}.v": -accs[last][1]}, left="neg_m")
    if kind == "sb/add#.u":
        return Plan({f"sb/add{last}.u": accs[last - 1][0]}, left="neg_prev")
    if kind == "sb/add#.lambda":
        prev, e = accs[last - 1], en.entry(s, last)
        return Plan({f"sb/add{last}.lambda": (-e[1] - prev[1]) * en.inv(e[0] - prev[0])}, left="sub_last")
    if kind in ("sb/acc.x", "sb/acc.y"):
        return Plan({kind: -m[0] if kind.endswith("x") else -m[1]}, left="neg_m")
    _, edw = nm.fixed_tables(bjj.BASE8, en.S_BITS)
    before = bjj.add(m, edw[0][(s >> (2 * W)) & 3])
    entry = edw[1][(s >> (2 * W + 2)) & 3]
    left = bjj.add(before, entry)
    last_add = f"sb/add{W + 1}"
    if kind == "sb/add#.x":
        return Plan({f"{last_add}.x": -left[0]}, left="neg")
    if kind == "sb/add#.y":
        return Plan({f"{last_add}.y": -left[1]}, left="neg")
    if kind == "sb/add#.delta":
        return Plan({f"{last_add}.delta": en.negated_y_delta(before, entry)}, left="neg")
    return None


LEFT_KINDS = (
    "sb/add#.v",
    "sb/add#.u",
    "sb/add#.lambda",
    "sb/acc.x",
    "sb/acc.y",
    "sb/add#.x",
    "sb/add#.y",
    "sb/add#.delta",
)
LEFT_TORSION = {"sb/acc.y", "sb/add#.y", "sb/add#.delta"}
LEFT_TRANSFORM = {"sb/add#.v": "neg_m", "sb/add#.u": "neg_prev", "sb/add#.lambda": "sub_last", "sb/acc.x": "neg_m",
                  "sb/acc.y": "neg_m", "sb/add#.x": "neg", "sb/add#.y": "neg", "sb/add#.delta": "neg"}  # fmt: skip


def _solve_left(transform: str, target: int) -> int | None:
    if transform == "neg":
        return -target % L
    low, high, sigma, extra = LEFT[transform]
    return en.solve_fixed(target, low, high, sigma, extra)


# ---- the key: 8·A -----------------------------------------------------------------------------


def _key_plan(kind: str, t: Trial) -> Plan | None:
    four = bjj.mul(t.a8, pow(2, -1, L))  # 4A: the last doubling's input
    if kind == "a.dbl#.x":
        return Plan({"a.dbl2.x": -t.a8[0]}, -t.ladder.scalar)
    if kind == "a.dbl#.xy":
        return Plan({"a.dbl2.xy": -four[0] * four[1]}, -t.ladder.scalar)
    if kind == "a.dbl#.y":  # (x, -y) = -8A + T2; the ladder's odd scalar keeps T2, R8 cancels it
        return Plan({"a.dbl2.y": -t.a8[1]}, -t.ladder.scalar)
    half = -t.ladder.scalar * pow(2, -1, L)  # 8A' = -4A: the scalar on 8A is -c/2
    if kind == "a.dbl#.x2":
        return Plan({"a.dbl2.x2": _square_for(four, bjj.neg(four), "x2")}, half)
    if kind == "a.dbl#.y2":  # 8A' = -4A + T4: the ladder's c·T4 stays, R8 cancels it
        torsion = bjj.neg(_times_t4(t.ladder.scalar))
        return Plan({"a.dbl2.y2": _square_for(four, bjj.add(bjj.neg(four), T4), "y2")}, half, r8_torsion=torsion)
    return None


KEY_TORSION = {"a.dbl#.y"}
RIGHT_TORSION = {"ha/tail#.dbl.y", "ha/tail#.add.y", "ha/tail#.add.delta", "r#+ha.y", "r#+ha.delta", "y"} | KEY_TORSION
LADDER_KINDS = [f"ha/step#.{k}" for k in ("sign", "lambda1", "t", "lambda2", "u", "v")]
LADDER_KINDS += [f"ha/{k}" for k in ("acc.x", "acc.y", "p.v", "p.u", "p3.v", "p3.u", "p3.lambda", "p2.v")]
TAIL_KINDS = [f"ha/tail#.{k}" for k in ("sign", "dbl.x", "dbl.xy", "dbl.y", "dbl.x2", "dbl.y2", "add.x", "add.y")]
TAIL_KINDS += ["ha/tail#.add.delta"]
TAIL_KINDS += ["r#+ha.x", "r#+ha.y", "r#+ha.delta", "x", "y"]
HM_KINDS = ["hm.pack", "hm.alias.below", "hm.alias.eq#", "hm.b#.bit", "ha/scalar", "ha/J#.bit"]
KEY_KINDS = ["a.dbl#.x", "a.dbl#.xy", "a.dbl#.y", "a.dbl#.x2", "a.dbl#.y2"]
T4_KINDS = {"ha/tail#.dbl.y2", "a.dbl#.y2"}
S_KINDS = ["s<l.below", "s<l.eq#"]
POSEIDON_KINDS = ["hm/r#.s#.x2", "hm/r#.s#.x4", "hm/r#.s#.x5"]
KINDS = LADDER_KINDS + TAIL_KINDS + HM_KINDS + KEY_KINDS + S_KINDS + POSEIDON_KINDS + list(LEFT_KINDS) + list(ef.KINDS)
KINDS += list(ew.KINDS) + list(et.KINDS)


@dataclass(frozen=True)
class Forgery:
    kind: str
    signature: Signature
    values: dict[str, int]  # relative witness name -> value
    hooks: dict[str, str]  # relative row -> relative witness solved there
    hm_target: int | None  # the challenge a steered Poseidon outputs


def _plan(kind: str, t: Trial) -> Plan | None:
    if kind in LADDER_KINDS:
        return _ladder_plan(kind.removeprefix("ha/"), t)
    if kind in TAIL_KINDS:
        return _tail_plan(kind.removeprefix("ha/"), t)
    if kind in HM_KINDS:
        return _hm_plan(kind, t)
    if kind in KEY_KINDS:
        return _key_plan(kind, t)
    if kind in POSEIDON_KINDS:
        return Plan(c=t.hm + 1)
    if kind in S_KINDS:
        return Plan(hooks={"s<l.below": "s<l.eq0"} if kind == "s<l.eq#" else {})
    return Plan()  # left-side kinds: the right side is honest


def _nonce(seed: bytes, i: int) -> int:
    return int.from_bytes(hashlib.sha512(seed + i.to_bytes(4, "big")).digest(), "big") % L


def forge(kind: str, signer: Signer, seed: bytes = b"zkdx mutation") -> Forgery:
    """A signature (R8, S) that eddsa.verify rejects and the verifier without ``kind`` accepts,
    with the values that verifier's prover chooses; the first nonce whose plan applies."""
    choices = [T2] if kind in RIGHT_TORSION | LEFT_TORSION else [bjj.IDENTITY]
    choices = [T4, bjj.neg(T4)] if kind in T4_KINDS else choices
    for i in range(400):
        torsion = choices[i % len(choices)]
        t = Trial.of(signer, _nonce(seed + kind.encode(), i), torsion)
        plan = _plan(kind, t)
        if plan is None or (plan.r8_torsion is not None and plan.r8_torsion != torsion):
            continue
        c = t.ladder.scalar if plan.c is None else plan.c
        target = (t.r + c * signer.dlog8) * plan.right_sign % L
        s = target
        if kind in LEFT_KINDS:
            s = _solve_left(LEFT_TRANSFORM[kind], target)
            if s is None:
                continue
            plan = _left_plan(kind, s)
        if kind in ef.KINDS or kind in ew.KINDS:
            s, values = (ef if kind in ef.KINDS else ew).forge_left(target, i, kind)
            plan = Plan(values)
        if kind in et.KINDS:
            s, values = et.forge_right(t, target, i, kind)
            plan = Plan(values)
        if kind in S_KINDS:
            s = target + L
            if s >= 1 << en.S_BITS:
                continue
        hm_target = t.hm + 1 if kind in POSEIDON_KINDS else None
        return Forgery(kind, Signature(t.r8, s), {n: v % R for n, v in plan.values.items()}, plan.hooks, hm_target)
    raise ValueError(f"no nonce fits the plan for {kind}")


def tamper(forgery: Callable[[], Forgery], kind: str, prefix: str) -> Tamper:
    """The prover's side of a forgery under the verifier namespace ``prefix``; values are read when
    the witness is allocated (the forgery is made with the statement)."""
    names = _names(kind)
    overrides = {f"{prefix}/{n}": (lambda cs, h, n=n: forgery().values.get(n, h)) for n in names}
    t = Tamper(f"EdDSA forged for [{kind}]", overrides=overrides)
    for row, var in _hooks(kind).items():
        t = t + solve(f"{prefix}/{row}", f"{prefix}/{var}")
    if kind in POSEIDON_KINDS:
        t = t + steer(f"{prefix}/hm", 5, lambda cs: forgery().hm_target, kind.rsplit(".", 1)[1])
    return t


@functools.cache
def _names(kind: str) -> tuple[str, ...]:
    """The relative witness names a kind's plan may set (from a sample plan over a test key)."""
    from circuits.native import eddsa

    secret = b"zkdx mutation sample key"
    signer = Signer(eddsa.public_key(secret), eddsa.secret_scalar(secret)[0] % L, 1234)
    return tuple(forge(kind, signer).values)


def _hooks(kind: str) -> dict[str, str]:
    return (
        {"hm.alias.below": "hm.alias.eq0"}
        if kind == "hm.alias.eq#"
        else ({"s<l.below": "s<l.eq0"} if kind == "s<l.eq#" else {})
    )
