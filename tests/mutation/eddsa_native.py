"""The EdDSA gadget's computation replayed natively, step by step, so that a forgery can name the
value it changes (the slope of the ladder's last step, the accumulator the fixed-base
multiplication holds before its last window...) and know exactly what the changed computation
multiplies by.

Scalars are tracked as integers: the variable-base ladder holds c_t·P (c_0 = 3, c_{t+1} = 2c_t + d_t),
the fixed-base one Σ (k_w + 2)·4^w·B for its Montgomery windows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from circuits.field import R
from circuits.native import babyjubjub as bjj
from circuits.native import montgomery as nm

L = bjj.SUBORDER
T2 = (0, R - 1)  # the point of order 2
SPLIT = nm.DIGITS - nm.EDWARDS_TAIL  # Montgomery steps of the ladder (248)
S_BITS = 251


def inv(x: int) -> int:
    return pow(x % R, -1, R)


def _sqrt_a() -> int:
    from circuits.native.babyjubjub import sqrt as _sqrt

    return _sqrt(bjj.A)


@dataclass(frozen=True)
class Ladder:
    """mul_prime_order(k, P) as the gadget computes it."""

    p: bjj.Point  # P (Edwards)
    pm: nm.MontPoint  # P in Montgomery form
    digits: list[int]  # ±1, top first
    accs: list[nm.MontPoint]  # acc before step t (t = 0..SPLIT), acc[0] = 3P
    scalars: list[int]  # c_t with accs[t] = c_t·P

    @classmethod
    def of(cls, p: bjj.Point, k: int) -> Ladder:
        big_k, _ = nm.signed_scalar(k % R)
        return cls.from_k(p, big_k)

    @classmethod
    def from_k(cls, p: bjj.Point, big_k: int, start: int = 3) -> Ladder:
        pm = nm.to_montgomery(p)
        accs = [nm.add(nm.double(pm), pm) if start == 3 else _montgomery_multiple(p, start)]
        scalars, digits = [start], nm.digits(big_k)
        for d in digits[:SPLIT]:
            q = pm if d > 0 else (pm[0], -pm[1] % R)
            t = nm.double(q) if accs[-1] == q else nm.add(accs[-1], q)  # a start at ±P doubles first
            accs.append(nm.add(t, accs[-1]))
            scalars.append(2 * scalars[-1] + d)
        return cls(p, pm, digits, accs, scalars)

    def q(self, t: int) -> nm.MontPoint:
        return self.pm if self.digits[t] > 0 else (self.pm[0], -self.pm[1] % R)

    def lambda1(self, t: int) -> int:
        (u, v), (qu, qv) = self.accs[t], self.q(t)
        return (qv - v) * inv(qu - u) % R

    def tail(self, c: int) -> int:
        """The final scalar when the Montgomery part ends at c·P (the Edwards tail doubles and adds)."""
        for d in self.digits[SPLIT:]:
            c = 2 * c + d
        return c

    @property
    def scalar(self) -> int:
        return self.tail(self.scalars[SPLIT])


def _montgomery_multiple(p: bjj.Point, c: int) -> nm.MontPoint:
    return nm.to_montgomery(bjj.mul(p, c % L) if c > 0 else bjj.neg(bjj.mul(p, -c % L)))


def alias_rewrite(k_int: int) -> tuple[int, int] | None:
    """(K, J) binding 254 bits of value k_int (≥ r: the alias of k_int - r) in the gadget's Fr
    equation k + (J - 5)·l = 2^252 + 2K + 1, with J_0 = k_int's bit 0; None if no J fits."""
    for j in range(16):
        c = k_int + (j - nm.J_OFFSET) * L
        if j % 2 == k_int % 2 and (1 << 252) < c < (1 << 253) and c % 2 == 1:
            return (c - 1 - (1 << 252)) // 2, j
    return None


# ---- fixed base: S·B8 in 2-bit windows, Montgomery for the first FIXED windows ------------------


def fixed_split() -> int:
    return len(nm.fixed_tables(bjj.BASE8, S_BITS)[0])


def offset(windows: int) -> int:
    """Σ 2·4^w over the first ``windows`` windows (what the Montgomery tables add on top of S)."""
    return sum(nm.WINDOW_OFFSET << (2 * w) for w in range(windows))


def solve_fixed(target: int, low_windows: int, high: Callable[[int], int], sigma: int, extra: int) -> int | None:
    """An S < l with left'(S) ≡ target (mod l), for a tampered fixed-base multiplication whose left
    side is high(S >> 2W) + sigma·(S mod 4^W) - extra (W = low_windows): None if none exists."""
    w_bits = 2 * low_windows
    for h in range(1 << (S_BITS - w_bits)):
        s_low = sigma * (target + extra - high(h)) % L
        s = (h << w_bits) + s_low
        if s_low < (1 << w_bits) and s < L:
            return s
    return None


def fixed_montgomery(s: int) -> list[nm.MontPoint]:
    """The fixed-base accumulator after each Montgomery window (index w: windows 0..w added)."""
    mont, _ = nm.fixed_tables(bjj.BASE8, S_BITS)
    acc = [mont[0][s & 3]]
    for w in range(1, len(mont)):
        acc.append(nm.add(acc[-1], mont[w][(s >> (2 * w)) & 3]))
    return acc


def entry(s: int, w: int) -> nm.MontPoint:
    return nm.fixed_tables(bjj.BASE8, S_BITS)[0][w][(s >> (2 * w)) & 3]


def edwards_add_parts(p: bjj.Point, q: bjj.Point) -> dict[str, int]:
    """The intermediate values of the gadget's Edwards addition p + q."""
    (x1, y1), (x2, y2) = p, q
    beta, gamma = x1 * y2 % R, y1 * x2 % R
    delta = (y1 - bjj.A * x1) * (x2 + y2) % R
    x3, y3 = bjj.add(p, q)
    return {"beta": beta, "gamma": gamma, "delta": delta, "tau": beta * gamma % R, "x": x3, "y": y3}


def negated_y_delta(p: bjj.Point, q: bjj.Point) -> int:
    """The δ that makes the gadget's addition p + q output (x3, -y3)."""
    v = edwards_add_parts(p, q)
    return (-v["delta"] - 2 * bjj.A * v["beta"] + 2 * v["gamma"]) % R
