"""Baby Jubjub point gadgets in Edwards form: addition, doubling, on-curve check, and complete
fixed- and variable-base multiplication.

A point is a pair of linear combinations (x, y); the identity is (0, 1).  The
twisted Edwards addition law is complete on this curve, so adding the identity
or a point to itself needs no special case.  Products with a constant factor are
linear and cost nothing, so adding a constant point is cheaper than 6.

``mul_fixed`` and ``mul_variable`` work for any point and scalar; for points of
prime order the Montgomery-form multiplications (``circuits.gadgets.montgomery``,
what EdDSA uses) cost 40–50% less.  The benchmarks report both.
"""

from __future__ import annotations

import functools

from circuits.field import R, div_or_zero
from circuits.gadgets.basic import lc, mul
from circuits.native import babyjubjub as bjj
from circuits.r1cs import ConstraintSystem, LCLike, LinearCombination, Variable

CPoint = tuple[LinearCombination, LinearCombination]


def divide(cs: ConstraintSystem, num: LCLike, den: LCLike, name: str) -> LinearCombination:
    """num / den with den · out = num (1 constraint; unsatisfiable when den = 0 ≠ num, and the
    witness is 0 then, so a bad input fails this constraint by name)."""
    out = cs.new_witness(name, lambda: div_or_zero(cs.value(num), cs.value(den)))
    cs.enforce(den, out, num, name)
    return lc(out)


def constant_point(p: bjj.Point) -> CPoint:
    return LinearCombination.constant(p[0]), LinearCombination.constant(p[1])


def add(cs: ConstraintSystem, p: CPoint, q: CPoint, name: str) -> CPoint:
    """p + q (6 constraints when both are variable, as circomlib's BabyAdd)."""
    (x1, y1), (x2, y2) = p, q
    beta = mul(cs, x1, y2, f"{name}.beta")
    gamma = mul(cs, y1, x2, f"{name}.gamma")
    delta = mul(cs, y1 - x1 * bjj.A, x2 + y2, f"{name}.delta")
    tau = mul(cs, beta, gamma, f"{name}.tau")
    x3 = divide(cs, beta + gamma, 1 + tau * bjj.D, f"{name}.x")
    y3 = divide(cs, delta + beta * bjj.A - gamma, 1 - tau * bjj.D, f"{name}.y")
    return x3, y3


def double(cs: ConstraintSystem, p: CPoint, name: str) -> CPoint:
    """2p with the dedicated doubling law (5 constraints; denominators 1 ± d·x²y² never vanish)."""
    x, y = p
    xy = mul(cs, x, y, f"{name}.xy")
    x2 = mul(cs, x, x, f"{name}.x2")
    y2 = mul(cs, y, y, f"{name}.y2")
    ax2 = x2 * bjj.A
    return divide(cs, xy * 2, ax2 + y2, f"{name}.x"), divide(cs, y2 - ax2, 2 - ax2 - y2, f"{name}.y")


def assert_on_curve(cs: ConstraintSystem, p: CPoint, name: str) -> None:
    """a·x² + y² = 1 + d·x²·y² (3 constraints)."""
    x2 = mul(cs, p[0], p[0], f"{name}.x2")
    y2 = mul(cs, p[1], p[1], f"{name}.y2")
    cs.enforce(x2 * bjj.D, y2, x2 * bjj.A + y2 - 1, f"{name}.on_curve")


def select_point(cs: ConstraintSystem, bit: Variable, p: CPoint, q: CPoint, name: str) -> CPoint:
    """bit ? p : q (2 constraints; bit must be boolean)."""
    return (
        q[0] + mul(cs, bit, p[0] - q[0], f"{name}.sx"),
        q[1] + mul(cs, bit, p[1] - q[1], f"{name}.sy"),
    )


def mul_variable(cs: ConstraintSystem, bits: list[Variable], p: CPoint, name: str) -> CPoint:
    """Σ b_i 2^i · p by double-and-add from the low bit: 14 constraints a bit (6 fewer for the first)."""
    acc: CPoint = constant_point(bjj.IDENTITY)
    base = p
    for i, b in enumerate(bits):
        with cs.namespace(f"{name}.{i}"):
            summed = base if i == 0 else add(cs, acc, base, "add")
            acc = select_point(cs, b, summed, acc, "sel")
            if i + 1 < len(bits):
                base = add(cs, base, base, "dbl")
    return acc


def mul_fixed(cs: ConstraintSystem, bits: list[Variable], base: bjj.Point, name: str) -> CPoint:
    """Σ b_i 2^i · base for a constant base: 3-bit windows looked up from constant tables.

    Each window costs 4 constraints for the bit products (b0b1, b0b2, b1b2, b0b1b2)
    and 6 for the addition (none for the first window).
    """
    acc: CPoint | None = None
    for w in range(0, len(bits), 3):
        chunk = bits[w : w + 3]
        with cs.namespace(f"{name}.w{w // 3}"):
            point = _lookup(cs, chunk, _window_coefficients(base, w, len(chunk)))
            acc = point if acc is None else add(cs, acc, point, "add")
    return acc if acc is not None else constant_point(bjj.IDENTITY)


@functools.cache
def _window_coefficients(base: bjj.Point, w: int, n: int) -> tuple[dict[int, int], dict[int, int]]:
    """For the table k·2^w·base (k < 2^n): per coordinate, table[k] = Σ_{mask ⊆ k} coef[mask]
    (Möbius inversion over the bit monomials).  Cached: the bases are constants."""
    scale = bjj.mul(base, 1 << w)
    table = [bjj.mul(scale, k) for k in range(1 << n)]
    out = []
    for coord in (0, 1):
        coef = {}
        for mask in range(1 << n):
            sub, total = mask, 0
            while True:
                total += (-1) ** (bin(mask ^ sub).count("1")) * table[sub][coord]
                if sub == 0:
                    break
                sub = (sub - 1) & mask
            coef[mask] = total % R
        out.append(coef)
    return out[0], out[1]


def _lookup(cs: ConstraintSystem, bits: list[Variable], coefs: tuple[dict[int, int], dict[int, int]]) -> CPoint:
    """The table entry at Σ b_i 2^i as linear combinations of the bit monomials."""
    monos: dict[int, LinearCombination] = {0: LinearCombination.constant(1)}
    for mask in range(1, 1 << len(bits)):
        low = mask & -mask
        rest = mask ^ low
        if rest == 0:
            monos[mask] = lc(bits[low.bit_length() - 1])
        else:
            monos[mask] = mul(cs, monos[rest], bits[low.bit_length() - 1], f"m{mask}")
    out = []
    for coef in coefs:
        acc = LinearCombination({})
        for mask, c in coef.items():
            acc = acc + monos[mask] * c
        out.append(acc)
    return out[0], out[1]


def mul_constant(cs: ConstraintSystem, p: CPoint, k: int, name: str) -> CPoint:
    """k·p for a constant k ≥ 1: a doubling per bit and an addition per set bit, no selects."""
    acc: CPoint | None = None
    base = p
    for i in range(k.bit_length()):
        if (k >> i) & 1:
            acc = base if acc is None else add(cs, acc, base, f"{name}.add{i}")
        if i + 1 < k.bit_length():
            base = add(cs, base, base, f"{name}.dbl{i}")
    return acc if acc is not None else constant_point(bjj.IDENTITY)


def assert_in_subgroup(cs: ConstraintSystem, p: CPoint, name: str) -> None:
    """p on the curve and l·p = identity, i.e. p in the prime-order subgroup of BASE8."""
    assert_on_curve(cs, p, f"{name}.curve")
    q = mul_constant(cs, p, bjj.SUBORDER, f"{name}.l")
    cs.enforce(q[0], cs.one(), 0, f"{name}.x")
    cs.enforce(q[1], cs.one(), 1, f"{name}.y")
