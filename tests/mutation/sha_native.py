"""SHA-256 replayed round by round, and the plans that steer the last block's last eight rounds
onto a chosen digest (what a prover does once one kind of the gadget's rows is dropped).

After round t the state is (A_t, A_(t-1), A_(t-2), A_(t-3), E_t, ..., E_(t-3)) with
A_t = T1_t + T2_t and E_t = A_(t-4) + T1_t (mod 2^32), T1 = h + Σ1(e) + Ch(e, f, g) + K_t + W_t,
T2 = Σ0(a) + Maj(a, b, c).  The block's output is the input chaining value plus
(A63, A62, A61, A60, E63, E62, E61, E60), so a digest fixes those eight words.

* T1 plan (a free term of T1: a schedule word, Σ1 or Ch): the A_t of rounds 56..63 are fixed
  backwards, A_(t-4) = E_t − A_t + T2_t for t = 63..60, then T1_t = A_t − T2_t forward, and E_t
  follows by itself.
* A plan (a free A_t, or a free term of T2: Σ0, Maj): E_56..E_59 stay honest (they do not depend on
  A_56..), and A_(t-4) = E_t − T1_t for t = 60..63 makes E_60..E_63 right; A_60..A_63 are set.
Both change rows of rounds 56..63 of the last block only.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass, field

from circuits.field import R
from circuits.gadgets.sha256 import H0, K

M32 = 0xFFFFFFFF
FIRST = 56  # the first steered round


def rotr(x: int, n: int) -> int:
    return ((x >> n) | (x << (32 - n))) & M32


def big_sigma0(x: int) -> int:
    return rotr(x, 2) ^ rotr(x, 13) ^ rotr(x, 22)


def big_sigma1(x: int) -> int:
    return rotr(x, 6) ^ rotr(x, 11) ^ rotr(x, 25)


def small_sigma0(x: int) -> int:
    return rotr(x, 7) ^ rotr(x, 18) ^ (x >> 3)


def small_sigma1(x: int) -> int:
    return rotr(x, 17) ^ rotr(x, 19) ^ (x >> 10)


def ch(e: int, f: int, g: int) -> int:
    return (e & f) ^ (~e & g & M32)


def maj(a: int, b: int, c: int) -> int:
    return (a & b) ^ (a & c) ^ (b & c)


def blocks(message: bytes) -> list[list[int]]:
    """The padded message as 16-word blocks (FIPS 180-4)."""
    n = len(message)
    padded = message + b"\x80" + b"\x00" * ((55 - n) % 64) + struct.pack(">Q", 8 * n)
    return [list(struct.unpack(">16I", padded[i : i + 64])) for i in range(0, len(padded), 64)]


def schedule_sum(w: list[int], t: int) -> int:
    """The schedule's integer sum for word t (before reduction), from the words before it."""
    return small_sigma1(w[t - 2]) + w[t - 7] + small_sigma0(w[t - 15]) + w[t - 16]


def schedule(block: list[int]) -> list[int]:
    w = list(block)
    for t in range(16, 64):
        w.append(schedule_sum(w, t) & M32)
    return w


def t1_parts(state: list[int], t: int, w_t: int) -> int:
    """h + Σ1(e) + Ch(e, f, g) + K_t + W_t as an integer (the gadget's sum before reduction)."""
    _, _, _, _, e, f, g, h = state
    return h + big_sigma1(e) + ch(e, f, g) + K[t] + w_t


def t2_parts(state: list[int]) -> int:
    a, b, c = state[:3]
    return big_sigma0(a) + maj(a, b, c)


def step(state: list[int], t1: int, t2: int) -> list[int]:
    a, b, c, d, e, f, g, _ = state
    return [(t1 + t2) & M32, a, b, c, (d + t1) & M32, e, f, g]


def compress(h: list[int], block: list[int]) -> list[int]:
    w, state = schedule(block), list(h)
    for t in range(64):
        state = step(state, t1_parts(state, t, w[t]), t2_parts(state))
    return [(x + y) & M32 for x, y in zip(h, state)]


def chaining(message: bytes) -> tuple[list[int], list[int]]:
    """(input chaining value of the last block, the last block)."""
    bs, h = blocks(message), list(H0)
    for b in bs[:-1]:
        h = compress(h, b)
    return h, bs[-1]


def digest_words(message: bytes) -> list[int]:
    return list(struct.unpack(">8I", hashlib.sha256(message).digest()))


@dataclass
class Plan:
    """The steered last block: per round t ≥ FIRST, the state before it and the values used."""

    h_in: list[int]
    w: list[int]  # the schedule the rounds use (W_t for t ≥ 16 as steered by a W plan)
    states: dict[int, list[int]] = field(default_factory=dict)  # state before round t
    t1: dict[int, int] = field(default_factory=dict)  # integer T1 the rounds use
    t2: dict[int, int] = field(default_factory=dict)  # integer T2 the rounds use
    a: dict[int, int] = field(default_factory=dict)  # A_t (forced)


def _final(h_in: list[int], digest: list[int]) -> tuple[list[int], list[int]]:
    """(A60..A63, E60..E63) that make the block output ``digest``."""
    v = [(d - x) & M32 for d, x in zip(digest, h_in)]
    return v[3::-1], v[:3:-1]


def t1_plan(h_in: list[int], block: list[int], digest: list[int]) -> Plan:
    """T1 of rounds 56..63 chosen (integers in [0, 2^32)) so that the block outputs ``digest``."""
    w = schedule(block)
    a_fin, e_fin = _final(h_in, digest)
    a = dict(enumerate(a_fin, start=60))
    for t in range(63, 59, -1):  # A_(t-4) = E_t − A_t + T2_t
        a[t - 4] = (e_fin[t - 60] - a[t] + big_sigma0(a[t - 1]) + maj(a[t - 1], a[t - 2], a[t - 3])) & M32
    plan, state = Plan(h_in, w), trace(h_in, w)[FIRST]
    for t in range(FIRST, 64):
        plan.states[t], t2 = state, t2_parts(state)
        plan.t1[t], plan.t2[t], plan.a[t] = (a[t] - t2) & M32, t2, a[t]
        state = step(state, plan.t1[t], t2)
    return plan


def w_plan(h_in: list[int], block: list[int], digest: list[int]) -> Plan:
    """The T1 plan carried by the schedule words W_56..W_63 (their values in [0, 2^32))."""
    plan = t1_plan(h_in, block, digest)
    for t in range(FIRST, 64):
        rest = t1_parts(plan.states[t], t, 0)
        plan.w[t] = (plan.t1[t] - rest) & M32
        plan.t1[t] = rest + plan.w[t]
    return plan


def trace(h_in: list[int], w: list[int]) -> list[list[int]]:
    """The honest states: index t is the state before round t (64: after the last round)."""
    states = [list(h_in)]
    for t in range(64):
        states.append(step(states[-1], t1_parts(states[-1], t, w[t]), t2_parts(states[-1])))
    return states


def _t1_of(e: dict[int, int], t: int, w: list[int]) -> int:
    return e[t - 4] + big_sigma1(e[t - 1]) + ch(e[t - 1], e[t - 2], e[t - 3]) + K[t] + w[t]


def a_plan(h_in: list[int], block: list[int], digest: list[int]) -> Plan:
    """A_t of rounds 56..63 chosen so that the block outputs ``digest`` (T1 honest); ``t2`` is the
    integer T2 a free term must make (A_t − T1_t, possibly negative)."""
    w = schedule(block)
    states = trace(h_in, w)
    e = {t: states[t + 1][4] for t in range(FIRST - 4, 60)}  # honest: E_56.. do not read A_56..
    a_fin, e_fin = _final(h_in, digest)
    e.update(enumerate(e_fin, start=60))
    a = dict(enumerate(a_fin, start=60))
    for t in range(60, 64):  # E_t = A_(t-4) + T1_t
        a[t - 4] = (e[t] - _t1_of(e, t, w)) & M32
    plan, state = Plan(h_in, w), states[FIRST]
    for t in range(FIRST, 64):
        plan.states[t], plan.t1[t], plan.a[t] = state, t1_parts(state, t, w[t]), a[t]
        plan.t2[t] = a[t] - plan.t1[t]
        state = [a[t], *state[:3], (state[3] + plan.t1[t]) & M32, *state[4:7]]
    return plan


def replay(plan: Plan) -> list[int]:
    """The block output of the steered rounds (to check a plan)."""
    state = plan.states[FIRST]
    for t in range(FIRST, 64):
        a, b, c, d, e, f, g, _ = state
        state = [plan.a[t], a, b, c, (d + plan.t1[t]) & M32, e, f, g]
    return [(x + y) & M32 for x, y in zip(plan.h_in, state)]


# ---- non-boolean bits of E_59: T1 of rounds 60..63 is affine in them -------------------------

E_BITS = (0, 1, 2, 3)  # the bits of E_59 made non-boolean (no two meet in one Σ1 output)


def _fbits(x: int) -> list[int]:
    return [(x >> j) & 1 for j in range(32)]


def _fword(bits: list[int]) -> int:
    return sum(b << j for j, b in enumerate(bits)) % R


def _ft1(e: list[int], f: list[int], g: list[int], h: list[int], t: int, w_t: int) -> int:
    """T1 as the gadget computes it from bits that may be field elements (XOR is a + b − 2ab)."""
    x = lambda a, b: (a + b - 2 * a * b) % R  # noqa: E731
    s1 = [x(x(e[(j + 6) % 32], e[(j + 11) % 32]), e[(j + 25) % 32]) for j in range(32)]
    chs = [(gj + ej * (fj - gj)) % R for ej, fj, gj in zip(e, f, g)]
    return (_fword(h) + _fword(s1) + _fword(chs) + K[t] + w_t) % R


def e_bits_plan(h_in: list[int], block: list[int], digest: list[int]) -> dict[int, int] | None:
    """Values of E_59's bits E_BITS that make T1_60..T1_63 give A_60..A_63 of ``digest``
    (E_60..E_63 are set directly, their carries non-boolean); None if the system is singular."""
    w = schedule(block)
    states = trace(h_in, w)
    a_fin, e_fin = _final(h_in, digest)
    a = {t: states[t + 1][0] for t in range(57, 60)} | dict(enumerate(a_fin, start=60))
    e = {t: _fbits(states[t + 1][4]) for t in range(56, 60)} | {t: _fbits(v) for t, v in enumerate(e_fin, start=60)}
    need = [(a[t] - big_sigma0(a[t - 1]) - maj(a[t - 1], a[t - 2], a[t - 3])) % R for t in range(60, 64)]

    def t1s(values: dict[int, int]) -> list[int]:
        e59 = [values.get(j, b) for j, b in enumerate(e[59])]
        es = {**e, 59: e59}
        return [_ft1(es[t - 1], es[t - 2], es[t - 3], es[t - 4], t, w[t]) for t in range(60, 64)]

    base = t1s({})
    cols = [[(v - b) % R for v, b in zip(t1s({j: e[59][j] + 1}), base)] for j in E_BITS]
    delta = _solve([[cols[c][r] for c in range(4)] for r in range(4)], [(n - b) % R for n, b in zip(need, base)])
    if delta is None:
        return None
    return {j: (e[59][j] + d) % R for j, d in zip(E_BITS, delta)}


def _solve(m: list[list[int]], y: list[int]) -> list[int] | None:
    """x with m·x = y over Fr (Gauss-Jordan); None if m is singular."""
    n = len(y)
    rows = [r[:] + [v] for r, v in zip(m, y)]
    for c in range(n):
        p = next((r for r in range(c, n) if rows[r][c] % R), None)
        if p is None:
            return None
        rows[c], rows[p] = rows[p], rows[c]
        inv = pow(rows[c][c], -1, R)
        rows[c] = [v * inv % R for v in rows[c]]
        for r in range(n):
            if r != c and rows[r][c]:
                k = rows[r][c]
                rows[r] = [(v - k * u) % R for v, u in zip(rows[r], rows[c])]
    return [rows[r][n] for r in range(n)]
