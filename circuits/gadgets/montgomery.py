"""Scalar multiplication on Baby Jubjub in Montgomery form, where addition costs 3 constraints.

``mul_fixed_base``: k·B for a constant B of order l, 2-bit windows (2 constraints a bit
instead of 3.3 with Edwards 3-bit windows).  Window w adds the constant entry
(k_w + 2)·4^w·B, a linear combination of 1, b0, b1 and b0·b1 (1 constraint), by the
chord rule (3); the accumulator stays below every entry and their sum below l, so
the rule is exact.  The last windows, where that bound fails, use complete Edwards
additions, and the last table also subtracts the offsets.  Twin: ``montgomery.mul_fixed``.

``mul_prime_order``: k·P for a variable P of prime order l, a signed-digit ladder,
about 7 constraints a bit instead of 14 for Edwards double-and-add.

Constrained, for the canonical bits of k (strict, 254) and an Edwards point P of order l:
  * K (251 boolean bits) and J (4 bits, J_0 = k_0) with k + (J − 5)·l = 2^252 + 2K + 1 in Fr.
    As integers |k + (J − 5)·l − c| < 2r, so the Fr equation leaves k + (J − 5)·l − c ∈
    {−r, 0, r}; c is odd, and J_0 = k_0 makes the left side even, so it is 0: c ≡ k (mod l).
  * P to Montgomery (u, v) (2 constraints; P ≠ identity, order-2 point excluded by order l).
  * acc = 3P (doubling and addition, 7), then per digit d = 2·K_i − 1 from the top
    acc ↦ (acc + d·P) + acc with shared slopes (6 constraints).  After t steps acc = c_t·P
    with 3 ≤ c_t < 2^(t+2); for t ≤ 247, 2·c_t + 1 < l, so no step meets acc = ±P or
    acc + d·P = −acc: every slope is determined and the chord formulas are exact.
  * The last 3 digits, where c_t may pass l, run in Edwards form with the complete law
    (doubling 5, signed P 1, addition 6), so k ≡ 0 (mod l) gives the identity.
The native twin is ``circuits.native.montgomery.mul``.
"""

from __future__ import annotations

from circuits.field import R, div_or_zero
from circuits.gadgets import babyjubjub as bj
from circuits.gadgets.basic import alloc_bit, lc, mul
from circuits.native import babyjubjub as bjj
from circuits.native import montgomery as nm
from circuits.r1cs import ConstraintSystem, LinearCombination, Variable

LC = LinearCombination
MPoint = tuple[LC, LC]


def mul_fixed_base(cs: ConstraintSystem, bits: list[Variable], base: bjj.Point, name: str) -> bj.CPoint:
    """Σ b_i 2^i · base for boolean bits and a constant base of order l (see module docstring)."""
    mont, edw = nm.fixed_tables(base, len(bits))
    windows = [bits[i : i + 2] for i in range(0, len(bits), 2)]
    with cs.namespace(name):
        acc = _lookup(cs, windows[0], mont[0], "w0")
        for w in range(1, len(mont)):
            acc = add(cs, acc, _lookup(cs, windows[w], mont[w], f"w{w}"), f"add{w}")
        out = from_montgomery(cs, acc, "acc")
        for w, table in enumerate(edw, start=len(mont)):
            out = bj.add(cs, out, _lookup(cs, windows[w], table, f"w{w}"), f"add{w}")
        return out


def _lookup(cs: ConstraintSystem, bits: list[Variable], table: list[tuple[int, int]], name: str) -> MPoint:
    """table[b0 + 2·b1] as linear combinations of 1, b0, b1, b0·b1 (1 constraint; none for 1 bit)."""
    b0 = lc(bits[0])
    if len(bits) == 1:
        return tuple(LC.constant(t0) + b0 * (t1 - t0) for t0, t1 in zip(table[0], table[1]))
    b1 = lc(bits[1])
    b01 = mul(cs, b0, b1, f"{name}.b0b1")
    return tuple(
        LC.constant(t0) + b0 * (t1 - t0) + b1 * (t2 - t0) + b01 * (t3 - t2 - t1 + t0) for t0, t1, t2, t3 in zip(*table)
    )


def mul_prime_order(cs: ConstraintSystem, k_bits: list[Variable], p: bj.CPoint, name: str) -> bj.CPoint:
    """k·P for the strict 254-bit decomposition of k and P of order l (see module docstring)."""
    with cs.namespace(name):
        digit_bits = _signed_scalar(cs, k_bits)
        pm = to_montgomery(cs, p, "p")
        acc = add(cs, double(cs, pm, "p2"), pm, "p3")
        split = nm.DIGITS - nm.EDWARDS_TAIL
        for i, bit in enumerate(digit_bits[:split]):
            acc = _double_add(cs, acc, pm, bit, f"step{i}")
        out = from_montgomery(cs, acc, "acc")
        for i, bit in enumerate(digit_bits[split:]):
            signed = (mul(cs, bit, p[0] * 2, f"tail{i}.sign") - p[0], p[1])
            out = bj.add(cs, bj.double(cs, out, f"tail{i}.dbl"), signed, f"tail{i}.add")
        return out


def _signed_scalar(cs: ConstraintSystem, k_bits: list[Variable]) -> list[Variable]:
    """K's bits, top first, bound to k by k + (J − 5)·l = 2^252 + 2K + 1 (255 constraints)."""
    k = LC({})
    for i, b in enumerate(k_bits):
        k = k + b * (1 << i)
    memo: dict[int, tuple[int, int]] = {}  # one rewrite of k for the 254 bit witnesses

    def scalar() -> tuple[int, int]:
        value = cs.value(k)
        if value not in memo:
            memo[value] = nm.signed_scalar(value)
        return memo[value]

    big_k = [alloc_bit(cs, f"K{i}", lambda i=i: (scalar()[0] >> i) & 1) for i in range(nm.DIGITS)]
    j_bits = [k_bits[0]] + [alloc_bit(cs, f"J{i}", lambda i=i: (scalar()[1] >> i) & 1) for i in range(1, nm.J_BITS)]
    lhs = k + (sum((lc(b) * (1 << i) for i, b in enumerate(j_bits)), LC({})) - nm.J_OFFSET) * bjj.SUBORDER
    rhs = sum((lc(b) * (1 << (i + 1)) for i, b in enumerate(big_k)), LC.constant((1 << (nm.DIGITS + 1)) + 1))
    cs.enforce(lhs - rhs, cs.one(), 0, "scalar")
    return big_k[::-1]


def to_montgomery(cs: ConstraintSystem, p: bj.CPoint, name: str) -> MPoint:
    """u = (1 + y)/(1 − y), v = u/x (2 constraints; unsatisfiable for y = 1 or x = 0)."""
    x, y = p
    u = bj.divide(cs, 1 + y, 1 - y, f"{name}.u")
    return u, bj.divide(cs, u, x, f"{name}.v")


def from_montgomery(cs: ConstraintSystem, q: MPoint, name: str) -> bj.CPoint:
    """x = u/v, y = (u − 1)/(u + 1) (2 constraints; v ≠ 0 and u ≠ −1 for finite points of odd order)."""
    u, v = q
    return bj.divide(cs, u, v, f"{name}.x"), bj.divide(cs, u - 1, u + 1, f"{name}.y")


def _chord(cs: ConstraintSystem, lam: LC, p: MPoint, q_u: LC, name: str) -> MPoint:
    """The third point of the line of slope lam through p and a point with u = q_u, negated (2)."""
    u3 = cs.new_witness(f"{name}.u", lambda: (cs.value(lam) ** 2 - nm.MONT_A - cs.value(p[0]) - cs.value(q_u)) % R)
    cs.enforce(lam, lam, lc(u3) + nm.MONT_A + p[0] + q_u, f"{name}.u")
    v3 = cs.new_witness(f"{name}.v", lambda: (cs.value(lam) * (cs.value(p[0]) - cs.value(u3)) - cs.value(p[1])) % R)
    cs.enforce(lam, p[0] - u3, lc(v3) + p[1], f"{name}.v")
    return lc(u3), lc(v3)


def add(cs: ConstraintSystem, p: MPoint, q: MPoint, name: str) -> MPoint:
    """p + q for p ≠ ±q (3 constraints)."""
    return _chord(cs, bj.divide(cs, q[1] - p[1], q[0] - p[0], f"{name}.lambda"), p, q[0], name)


def double(cs: ConstraintSystem, p: MPoint, name: str) -> MPoint:
    """2p for v ≠ 0 (4 constraints)."""
    u2 = mul(cs, p[0], p[0], f"{name}.u2")
    lam = bj.divide(cs, u2 * 3 + p[0] * (2 * nm.MONT_A) + 1, p[1] * 2, f"{name}.lambda")
    return _chord(cs, lam, p, p[0], name)


def _double_add(cs: ConstraintSystem, acc: MPoint, p: MPoint, bit: Variable, name: str) -> MPoint:
    """(acc + (2·bit − 1)·P) + acc, the two slopes sharing one constraint (6 constraints)."""
    q_v = mul(cs, bit, p[1] * 2, f"{name}.sign") - p[1]
    lam1 = bj.divide(cs, q_v - acc[1], p[0] - acc[0], f"{name}.lambda1")
    u_t = cs.new_witness(f"{name}.t", lambda: (cs.value(lam1) ** 2 - nm.MONT_A - cs.value(acc[0]) - cs.value(p[0])) % R)
    cs.enforce(lam1, lam1, lc(u_t) + nm.MONT_A + acc[0] + p[0], f"{name}.t")
    # λ2 = (v_T − v_acc)/(u_T − u_acc) with v_T = λ1(u_acc − u_T) − v_acc, i.e. (λ1 + λ2)(u_T − u_acc) = −2·v_acc
    lam2 = cs.new_witness(
        f"{name}.lambda2",
        lambda: (div_or_zero(-2 * cs.value(acc[1]), cs.value(u_t) - cs.value(acc[0])) - cs.value(lam1)) % R,
    )
    cs.enforce(lam1 + lam2, lc(u_t) - acc[0], acc[1] * -2, f"{name}.lambda2")
    return _chord(cs, lc(lam2), acc, lc(u_t), name)
