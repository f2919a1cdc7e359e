"""Forgeries through the ladder's Edwards tail (hm·8A's last three digits): without the ``beta``,
``gamma`` or ``tau`` rows of the tail additions (``ha/tail#.add.*``) the last two additions each
have a free product, with a doubling between them, and the tail output reaches any point Q.

The forger picks any S (not the valid one) and Q = S·B8 − R8, so the honest R8 + Q equals the honest
S·B8.  The last addition's free value is read off its x row (as in ``eddsa_free``); its y row is
then one equation in the free value z of the addition before, through that addition and the
doubling after it: a rational function of z, whose numerator's roots in Fr (``fr_rational``) are
replayed with integers.  No secret key is used (Q is computed from public points).
"""

from __future__ import annotations

from circuits.field import R
from circuits.native import babyjubjub as bjj
from circuits.native import montgomery as nm
from tests.mutation import eddsa_native as en
from tests.mutation.fr_rational import Rat, zeros

KINDS = ("ha/tail#.add.beta", "ha/tail#.add.gamma", "ha/tail#.add.tau")
LAST = nm.EDWARDS_TAIL - 1


def _div(a, b):
    return a / b if isinstance(a, Rat) or isinstance(b, Rat) else a * en.inv(b) % R


def _products(p: tuple, e: bjj.Point, which: str, free) -> tuple:
    """(beta, gamma, delta, tau) of the gadget's p + e with ``which`` free (``None``: honest)."""
    (x1, y1), (x2, y2) = p, e
    beta, gamma = x1 * y2, y1 * x2
    if which == "beta" and free is not None:
        beta = free
    if which == "gamma" and free is not None:
        gamma = free
    tau = free if which == "tau" and free is not None else beta * gamma
    return beta, gamma, (y1 - bjj.A * x1) * (x2 + y2), tau


def _add(p: tuple, e: bjj.Point, which: str = "", free=None) -> tuple:
    beta, gamma, delta, tau = _products(p, e, which, free)
    return _div(beta + gamma, 1 + bjj.D * tau), _div(delta + beta * bjj.A - gamma, 1 - bjj.D * tau)


def _double(p: tuple) -> tuple:
    x, y = p
    ax2, y2 = x * x * bjj.A, y * y
    return _div(x * y * 2, ax2 + y2), _div(y2 - ax2, 2 - ax2 - y2)


def _last_free(p: tuple, e: bjj.Point, which: str, goal: bjj.Point):
    """The free value of p + e that meets goal.x (the x row), for any values of p."""
    beta, gamma, _, _ = _products(p, e, "", None)
    gx = goal[0]
    if which == "tau":
        return _div(_div(beta + gamma, gx) - 1, bjj.D)
    other = gamma if which == "beta" else beta
    return _div(gx - other, 1 - other * (gx * bjj.D % R))


def _y_residual(p: tuple, e: bjj.Point, which: str, free, goal: bjj.Point):
    beta, gamma, delta, tau = _products(p, e, which, free)
    return delta + beta * bjj.A - gamma - (1 - bjj.D * tau) * goal[1]


def _tail_inputs(t: object) -> tuple[bjj.Point, list[bjj.Point]]:
    """The tail's honest output after its first step, and the signed points ±8A of every step."""
    lad = t.ladder  # type: ignore[attr-defined]
    signed = [t.a8 if d > 0 else bjj.neg(t.a8) for d in lad.digits[en.SPLIT :]]  # type: ignore[attr-defined]
    out = nm.from_montgomery(lad.accs[en.SPLIT])
    for e in signed[: LAST - 1]:
        out = bjj.add(bjj.add(out, out), e)
    return out, signed


def tail_values(t: object, goal: bjj.Point, which: str) -> dict[str, int] | None:
    """Free products of the tail's last two additions that make its output ``goal``."""
    start, signed = _tail_inputs(t)
    first = _double(start)
    z = Rat.x()
    p = _double(_add(first, signed[LAST - 1], which, z))
    for root in zeros(_y_residual(p, signed[LAST], which, _last_free(p, signed[LAST], which, goal), goal)):
        try:
            mid = _double(_add(first, signed[LAST - 1], which, root))
            free = _last_free(mid, signed[LAST], which, goal)
            if _add(mid, signed[LAST], which, free) == goal:
                return {f"ha/tail{LAST - 1}.add.{which}": root, f"ha/tail{LAST}.add.{which}": free}
        except ValueError:  # a denominator vanishes at this root
            continue
    return None


def forge_right(t: object, valid: int, start: int, kind: str) -> tuple[int, dict[str, int]]:
    """A wrong S (not ``valid``) and the tail's free products that make R8 + tail reach S·B8."""
    which = kind.rsplit(".", 1)[1]
    for k in range(start, start + 64):
        s = (valid + 1 + k) % bjj.SUBORDER
        goal = bjj.add(bjj.mul(bjj.BASE8, s), bjj.neg(t.r8))  # type: ignore[attr-defined]
        values = tail_values(t, goal, which)
        if values is not None:
            return s, values
    raise ValueError(f"no S with a root for {kind}")
