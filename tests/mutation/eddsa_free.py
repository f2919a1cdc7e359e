"""Forgeries with two free products: without the ``tau`` (``beta``, ``gamma``) rows of S·B8's last
two Edwards additions, two values are free and the left side can be steered onto any point.

An Edwards addition of (u, v) and a constant entry e outputs (X/(1 + d·tau), Y/(1 - d·tau)) with
X = u·e.y + v·e.x and Y = v·e.y - a·u·e.x.  For the second addition to land on the goal T, tau2 is
read off the x row and the y row then asks c_u·u + c_v·v = 2 (c_u = e.y/T.x - a·e.x/T.y,
c_v = e.x/T.x + e.y/T.y), which for the first addition's output is a quadratic in z = d·tau1:
2z² + (B - A)z + (A + B - 2) = 0 with A = c_u·X1, B = c_v·Y1.  Half the S have a root.
Free beta (gamma) works alike: beta2 from the x row, then the y row is a cubic in beta1 once its
denominators are cleared, solved by ``fr_roots``.
"""

from __future__ import annotations

from circuits.field import R
from circuits.native import babyjubjub as bjj
from circuits.native import montgomery as nm
from tests.mutation import eddsa_native as en
from tests.mutation import fr_roots

KINDS = ("sb/add#.tau", "sb/add#.beta", "sb/add#.gamma")
W = en.fixed_split()


def _inv(x: int) -> int:
    """1/x, and 0 for 0 (a root where a denominator vanishes is skipped by the caller)."""
    return pow(x % R, -1, R) if x % R else 0


def _xy(p: bjj.Point, e: bjj.Point) -> tuple[int, int]:
    """(X, Y): the addition's numerators."""
    (u, v), (ex, ey) = p, e
    return (u * ey + v * ex) % R, (v * ey - bjj.A * u * ex) % R


def _entries(s: int) -> tuple[bjj.Point, bjj.Point, bjj.Point]:
    """(the Montgomery sum as Edwards, entry of add W, entry of add W+1) for S."""
    _, edw = nm.fixed_tables(bjj.BASE8, en.S_BITS)
    m = nm.from_montgomery(en.fixed_montgomery(s)[-1])
    return m, edw[0][(s >> (2 * W)) & 3], edw[1][(s >> (2 * W + 2)) & 3]


def tau_values(s: int, goal: bjj.Point) -> dict[str, int] | None:
    """tau of adds W and W+1 that make S·B8's circuit output ``goal`` (None: no root for this S)."""
    m, e0, e1 = _entries(s)
    tx, ty = goal
    if tx == 0 or ty == 0:
        return None
    x1, y1 = _xy(m, e0)
    cu = (e1[1] * _inv(tx) - bjj.A * e1[0] * _inv(ty)) % R
    cv = (e1[0] * _inv(tx) + e1[1] * _inv(ty)) % R
    a, b = cu * x1 % R, cv * y1 % R
    root = bjj.sqrt((b - a) ** 2 - 8 * (a + b - 2))
    if root is None:
        return None
    z = (a - b + root) * _inv(4) % R
    if z in (1, R - 1):
        return None
    acc = (x1 * _inv(1 + z) % R, y1 * _inv(1 - z) % R)
    x2, y2 = _xy(acc, e1)
    t2 = (x2 * _inv(tx) - 1) * _inv(bjj.D) % R
    if y2 * _inv(1 - bjj.D * t2) % R != ty:
        return None
    return {f"sb/add{W}.tau": z * _inv(bjj.D) % R, f"sb/add{W + 1}.tau": t2}


def _products(p: bjj.Point, e: bjj.Point, which: str, free: int) -> tuple[int, int, int]:
    """(beta, gamma, delta) of p + e with ``which`` replaced by the free value."""
    (u, v), (ex, ey) = p, e
    beta, gamma = (free, v * ex % R) if which == "beta" else (u * ey % R, free)
    return beta, gamma, (v - bjj.A * u) * (ex + ey) % R


def _add_free(p: bjj.Point, e: bjj.Point, which: str, free: int) -> tuple[bjj.Point, int, int]:
    """The output of p + e with a free product, and its two denominators."""
    beta, gamma, delta = _products(p, e, which, free)
    dx, dy = (1 + bjj.D * beta * gamma) % R, (1 - bjj.D * beta * gamma) % R
    return ((beta + gamma) * _inv(dx) % R, (delta + bjj.A * beta - gamma) * _inv(dy) % R), dx, dy


def _second(p: bjj.Point, e: bjj.Point, which: str, goal: bjj.Point) -> tuple[int, int, int]:
    """(free value meeting goal.x, y-row residual, its denominator) for the second addition."""
    (u, v), (ex, ey) = p, e
    other = v * ex % R if which == "beta" else u * ey % R
    den = (1 - bjj.D * goal[0] * other) % R
    free = (goal[0] - other) * _inv(den) % R
    beta, gamma, delta = _products(p, e, which, free)
    return free, (delta + bjj.A * beta - gamma - goal[1] * (1 - bjj.D * beta * gamma)) % R, den


def product_values(s: int, goal: bjj.Point, which: str) -> dict[str, int] | None:
    """beta (gamma) of adds W and W+1 that make S·B8's circuit output ``goal``."""
    m, e0, e1 = _entries(s)

    def residual(x: int) -> int:  # times (dx·dy)²·den2: a polynomial of degree ≤ 5
        acc, dx, dy = _add_free(m, e0, which, x)
        _, res, den2 = _second(acc, e1, which, goal)
        return res * (dx * dy) ** 2 * den2 % R

    for x in fr_roots.roots(residual, 8):
        acc, dx, dy = _add_free(m, e0, which, x)
        if dx * dy == 0:
            continue
        free, _, _ = _second(acc, e1, which, goal)
        if _add_free(acc, e1, which, free)[0] == goal:
            return {f"sb/add{W}.{which}": x, f"sb/add{W + 1}.{which}": free}
    return None


def forge_left(target: int, start: int, kind: str) -> tuple[int, dict[str, int]]:
    """A wrong S (not ``target``, the valid one) with the free products that reach target·B8."""
    goal, which = bjj.mul(bjj.BASE8, target), kind.rsplit(".", 1)[1]
    for k in range(start, start + 64):
        s = (target + 1 + k) % bjj.SUBORDER
        values = tau_values(s, goal) if which == "tau" else product_values(s, goal, which)
        if values is not None:
            return s, values
    raise ValueError("no S with a root")
