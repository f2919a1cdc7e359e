"""Merkle rows: a forged leaf that still opens to the true root, using the freedom of one dropped
kind at the level the leaf sits on (arity 4).

A level's children are c0 = s0 + [c0], c1 = s1 + [c1a] + [c1b], c2 = s1 + [c2a] + [c2b],
c3 = s2 + [c3] (the products place the node by the position indicators e0..e3, e3 = b0·b1).  A free
product of the node's own child sets that child back to the true one; a free e3 with the siblings
re-chosen solves all four children at once (the index bits stay boolean)."""

from __future__ import annotations

from tests.mutation.tamper import Tamper, TamperedCS
from tests.mutation.tamperers import Value

CHILD_PRODUCTS = {0: ("c0",), 1: ("c1a", "c1b"), 2: ("c2a", "c2b"), 3: ("c3",)}
SIBLING_OF = {0: 0, 1: 1, 2: 1, 3: 2}  # the sibling each child formula starts from


def _child(cs: TamperedCS, level: str, sibs: list[str], pos: int) -> int:
    return cs.get(sibs[SIBLING_OF[pos]]) + sum(cs.get(f"{level}.{k}") for k in CHILD_PRODUCTS[pos])


def fix_child(level: str, sibs: list[str], pos: int, kind: str, true_leaf: Value) -> Tamper:
    """At a level's last placement row (``level`` names its products, e.g. ``path.l0``): product
    ``kind`` of the node's child moves it to the true one."""

    def hook(cs: TamperedCS, a: object, b: object, c: object) -> None:
        delta = true_leaf(cs) - _child(cs, level, sibs, pos)
        cs.set(f"{level}.{kind}", cs.get(f"{level}.{kind}") + delta)

    return Tamper(f"{level}.{kind} places the true node", hooks={f"{level}.c3": hook})


def free_indicator(e3: str, sibs: list[str], pos: int, forged: str, true_leaf: Value) -> Tamper:
    """At a level's e3 row (and witness, ``e3``): e3 = t and new siblings with the children of the
    true node (positions 0 and 1: forged node x, real children C; t solves all four children)."""
    if pos not in (0, 1):
        raise ValueError("free_indicator is worked out for positions 0 and 1")

    def hook(cs: TamperedCS, a: object, b: object, c: object) -> None:
        from circuits.field import R

        x, s = cs.get(forged), [cs.get(n) for n in sibs]
        kids = list(s)
        kids.insert(pos, true_leaf(cs))
        c0, c1, c2, c3 = kids
        # pos 0: t·(2x - C0 - C1) = C0 - x;  pos 1: t·(C0 + C1 - 2x) = C1 - x
        t = (x - c0 if pos == 0 else c1 - x) * pow(c0 + c1 - 2 * x, -1, R) % R
        if pos == 0:  # e = (1+t, -t, -t, t): c0 = (1+t)x - t·s0, c1 = (1+t)s0 - tx
            s0 = ((1 + t) * x - c0) * pow(t, -1, R)
        else:  # e = (t, 1-t, -t, t): c0 = (1-t)s0 + tx, c1 = t·s0 + (1-t)x
            s0 = (c0 - t * x) * pow(1 - t, -1, R)
        s2 = (c3 - t * x) * pow(1 - t, -1, R)  # c3 = (1-t)s2 + tx
        s1 = c2 + t * x - t * s2  # c2 = s1 - tx + t·s2
        for n, v in zip(sibs, (s0, s1, s2)):
            cs.set(n, v)
        cs.set(e3, t)

    return Tamper(f"{e3} free, siblings re-chosen", hooks={e3: hook})
