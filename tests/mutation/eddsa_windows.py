"""Forgeries through S·B8's Montgomery windows: a window's entry is t0 + b0·Δ1 + b1·Δ2 + b0b1·Δ3
(coordinate-wise, the table interpolated over the bits), so a free b0b1 (``sb/w#.b0b1``) moves it
along a line, and non-boolean b0, b1 that still pack into the claimed S (``s.b#.bit``) move it over
the whole plane.  The chord rule does not care whether its inputs are on the curve, so the
accumulator can be driven onto any point: the Montgomery form of M* = goal − e_W − e_(W+1), the
goal minus the two Edwards windows, after which the honest Edwards additions land on the goal.

* b0b1: free in windows W−2 and W−1.  Given the accumulator P after window W−2 (a function of
  z0, the first free product), the entry q that takes P to M* by one chord is unique
  (λ = (v* + v_P)/(u_P − u*), q_u = λ² − A − u_P − u*, q_v = v_P + λ(q_u − u_P)); it must lie on
  window W−1's line, one equation in z0, solved as a rational function (``fr_rational``).
* S bits: the entry of window W−1 must be that q for the honest P; (b0, b1) solve a quadratic.
  S's top bit is 0, so the comparison S < l is decided above the non-boolean bits (its eq chain is
  0 from bit 250 down) and holds; the claimed S is the field element the bits pack to, almost
  never below l, which the spec refuses.

Only the goal *point* is used: a forger needs no secret key (goal = R8 + hm·8A is public).
"""

from __future__ import annotations

from circuits.field import R
from circuits.native import babyjubjub as bjj
from circuits.native import montgomery as nm
from tests.mutation import eddsa_native as en
from tests.mutation.fr_rational import Rat, zeros

KINDS = ("sb/w#.b0b1", "s.b#.bit")
W = en.fixed_split()
TOP = en.S_BITS - 1  # S's top bit, kept 0


def _line(w: int, b0: int, b1: int) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int], tuple[int, int]]:
    """(t0, Δ1, Δ2, Δ3) of window w's entry; the base point of the b0b1 line is t0 + b0Δ1 + b1Δ2."""
    t0, t1, t2, t3 = nm.fixed_tables(bjj.BASE8, en.S_BITS)[0][w]
    d1 = tuple((t1[i] - t0[i]) % R for i in (0, 1))
    d2 = tuple((t2[i] - t0[i]) % R for i in (0, 1))
    d3 = tuple((t3[i] - t2[i] - t1[i] + t0[i]) % R for i in (0, 1))
    return t0, d1, d2, d3


def _entry(w: int, b0: Rat | int, b1: Rat | int, b01: Rat | int) -> tuple[Rat | int, Rat | int]:
    t0, d1, d2, d3 = _line(w, 0, 0)
    return tuple(t0[i] + b0 * d1[i] + b1 * d2[i] + b01 * d3[i] for i in (0, 1))  # type: ignore[return-value]


def _chord(p: tuple, q: tuple) -> tuple:
    """The gadget's Montgomery addition, for any values (ints or Rat)."""
    lam = (q[1] - p[1]) / (q[0] - p[0]) if isinstance(q[0] - p[0], Rat) else (q[1] - p[1]) * en.inv(q[0] - p[0])
    u3 = lam * lam - nm.MONT_A - p[0] - q[0]
    return u3, lam * (p[0] - u3) - p[1]


def _entry_for(p: tuple, target: tuple[int, int]) -> tuple:
    """The entry q with chord(p, q) = target (unique)."""
    u, v = target
    lam = (v + p[1]) / (p[0] - u) if isinstance(p[0], Rat) else (v + p[1]) * en.inv(p[0] - u)
    qu = lam * lam - nm.MONT_A - p[0] - u
    return qu, p[1] + lam * (qu - p[0])


def _m_star(s: int, goal: bjj.Point) -> tuple[int, int]:
    """The Montgomery sum that the honest Edwards windows of s take to goal."""
    _, edw = nm.fixed_tables(bjj.BASE8, en.S_BITS)
    rest = bjj.add(edw[0][(s >> (2 * W)) & 3], edw[1][(s >> (2 * W + 2)) & 3])
    return nm.to_montgomery(bjj.add(goal, bjj.neg(rest)))


def _bits(s: int, w: int) -> tuple[int, int]:
    return (s >> (2 * w)) & 1, (s >> (2 * w + 1)) & 1


def _replay(s_bits: dict[int, int], b01: dict[int, int]) -> bjj.Point:
    """S·B8 as the gadget computes it from (possibly non-boolean) bits and products."""
    _, edw = nm.fixed_tables(bjj.BASE8, en.S_BITS)
    acc = None
    for w in range(W):
        b0, b1 = s_bits[2 * w], s_bits[2 * w + 1]
        e = tuple(v % R for v in _entry(w, b0, b1, b01.get(w, b0 * b1)))
        acc = e if acc is None else tuple(v % R for v in _chord(acc, e))
    out = nm.from_montgomery(acc)
    for k, table in enumerate(edw):
        out = bjj.add(out, table[(s_bits[2 * (W + k)] + 2 * s_bits.get(2 * (W + k) + 1, 0)) % 4])
    return out


def b0b1_values(s: int, goal: bjj.Point) -> dict[str, int] | None:
    """Products b0b1 of windows W−2 and W−1 that make S·B8's circuit output the goal."""
    target = _m_star(s, goal)
    p = en.fixed_montgomery(s)[W - 3]
    (b0, b1), (c0, c1) = _bits(s, W - 2), _bits(s, W - 1)
    q0 = _entry(W - 2, b0, b1, Rat.x())
    q = _entry_for(_chord(p, q0), target)
    base = _entry(W - 1, c0, c1, 0)
    d3 = _line(W - 1, 0, 0)[3]
    for z0 in zeros((q[0] - base[0]) * d3[1] - (q[1] - base[1]) * d3[0]):
        z1 = ((q[0].at(z0) or 0) - base[0]) * en.inv(d3[0]) % R
        bits = {i: (s >> i) & 1 for i in range(en.S_BITS)}
        if _replay(bits, {W - 2: z0, W - 1: z1}) == goal:
            return {f"sb/w{W - 2}.b0b1": z0, f"sb/w{W - 1}.b0b1": z1}
    return None


def s_bit_values(s: int, goal: bjj.Point) -> tuple[int, dict[str, int]] | None:
    """(claimed S, all 251 bits of s with window W−1's two non-boolean) reaching the goal."""
    s &= ~(1 << TOP)
    q = _entry_for(en.fixed_montgomery(s)[W - 2], _m_star(s, goal))
    b0 = Rat.x()
    t0, d1, d2, d3 = _line(W - 1, 0, 0)
    b1 = (q[0] - t0[0] - b0 * d1[0]) / (b0 * d3[0] + d2[0])
    for x in zeros(t0[1] + b0 * d1[1] + b1 * d2[1] + b0 * b1 * d3[1] - q[1]):
        y = b1.at(x)
        if y is None:
            continue
        bits = {i: (s >> i) & 1 for i in range(en.S_BITS)}
        bits[2 * (W - 1)], bits[2 * (W - 1) + 1] = x, y
        if _replay(bits, {}) == goal:
            claimed = sum(b << i for i, b in bits.items()) % R
            return claimed, {f"s.b{i}": b for i, b in bits.items()}
    return None


def forge_left(target: int, start: int, kind: str) -> tuple[int, dict[str, int]]:
    """A wrong S (not ``target``, the valid one) and the values that make S·B8 reach target·B8."""
    goal = bjj.mul(bjj.BASE8, target)
    for k in range(start, start + 64):
        s = (target + 1 + k) % bjj.SUBORDER
        if kind == "sb/w#.b0b1":
            values = b0b1_values(s, goal)
            if values is not None:
                return s, values
        else:
            found = s_bit_values(s, goal)
            if found is not None and found[0] % bjj.SUBORDER != target:
                return found
    raise ValueError(f"no S with a root for {kind}")
