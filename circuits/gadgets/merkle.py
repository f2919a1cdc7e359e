"""Merkle membership and update gadgets for Poseidon trees of arity 2 or 4.

The index enters as bits (two per level for arity 4), each constrained boolean;
at each level the current node is placed among its siblings by the index digit
and the children are hashed.  ``merkle_update`` proves the old leaf under the old
root and returns the new root computed from the same siblings and index, so a
single path authenticates both.

Per level: arity 2 costs 1 bit + 1 placement + Poseidon(2) = 242 constraints,
arity 4 costs 2 bits + 1 indicator + 6 placement + Poseidon(4) = 306 (two
binary levels).  An update adds the placement and hash for the new leaf.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from circuits.errors import ParameterError
from circuits.gadgets.basic import alloc_bit, assert_equal, lc, mul, select
from circuits.gadgets.poseidon import poseidon
from circuits.r1cs import ConstraintSystem, LCLike, LinearCombination, Variable

Siblings = Sequence[Sequence[LCLike]]


def index_bits(cs: ConstraintSystem, index: int | None, arity: int, depth: int, name: str) -> list[Variable]:
    """log2(arity)·depth boolean witnesses, least significant first (the index is private)."""
    if arity not in (2, 4):
        raise ParameterError(f"Merkle arity {arity} is not 2 or 4")
    n = depth * (arity.bit_length() - 1)
    return [alloc_bit(cs, f"{name}.idx{i}", lambda i=i: (index >> i) & 1) for i in range(n)]


def _indicators(cs: ConstraintSystem, b0: Variable, b1: Variable, name: str) -> list[LinearCombination]:
    """e_p = [position == p] for p = b0 + 2·b1 (1 constraint)."""
    both = cs.new_witness(f"{name}.e3", lambda: cs.value(b0) * cs.value(b1))
    cs.enforce(b0, b1, both, f"{name}.e3")
    e3 = lc(both)
    return [1 - lc(b0) - b1 + e3, lc(b0) - e3, lc(b1) - e3, e3]


def _place2(cs: ConstraintSystem, node: LCLike, bit: Variable, sib: Sequence[LCLike], name: str) -> list:
    """[node, s] if bit = 0 else [s, node] (1 constraint)."""
    left = lc(node) + mul(cs, bit, lc(sib[0]) - node, f"{name}.swap")
    return [left, lc(node) + sib[0] - left]


def _place4(cs: ConstraintSystem, node: LCLike, e: list, sib: Sequence[LCLike], name: str) -> list:
    """Children with node at the position whose indicator is 1 (6 constraints)."""
    s0, s1, s2 = (lc(s) for s in sib)
    x = lc(node)
    c0 = s0 + mul(cs, e[0], x - s0, f"{name}.c0")
    c1 = s1 + mul(cs, e[0], s0 - s1, f"{name}.c1a") + mul(cs, e[1], x - s1, f"{name}.c1b")
    c2 = s1 + mul(cs, e[2], x - s1, f"{name}.c2a") + mul(cs, e[3], s2 - s1, f"{name}.c2b")
    c3 = s2 + mul(cs, e[3], x - s2, f"{name}.c3")
    return [c0, c1, c2, c3]


def _levels(cs: ConstraintSystem, bits: list[Variable], arity: int, depth: int, name: str) -> list:
    """Per level: the bit (arity 2) or the position indicators (arity 4)."""
    if arity == 2:
        return bits
    return [_indicators(cs, bits[2 * k], bits[2 * k + 1], f"{name}.l{k}") for k in range(depth)]


def _placement(siblings: Siblings, arity: int) -> Callable:
    """The placement gadget for this arity, after checking every level's sibling count."""
    for k, sibs in enumerate(siblings):
        if len(sibs) != arity - 1:
            raise ParameterError(f"level {k} has {len(sibs)} siblings, arity {arity} needs {arity - 1}")
    return _place2 if arity == 2 else _place4


def _climb(
    cs: ConstraintSystem, leaf: LCLike, sel: list, siblings: Siblings, arity: int, name: str
) -> LinearCombination:
    node = lc(leaf)
    place = _placement(siblings, arity)
    for k, sibs in enumerate(siblings):
        node = poseidon(cs, place(cs, node, sel[k], sibs, f"{name}.l{k}"), f"{name}.h{k}")
    return node


def merkle_root(
    cs: ConstraintSystem, leaf: LCLike, bits: list[Variable], siblings: Siblings, arity: int, name: str
) -> LinearCombination:
    """The root over leaf at the index given by bits."""
    return _climb(cs, leaf, _levels(cs, bits, arity, len(siblings), name), siblings, arity, name)


def _update(
    cs: ConstraintSystem,
    check_old: Callable[[LinearCombination], None],
    old_leaf: LCLike,
    new_leaf: LCLike,
    bits: list[Variable],
    siblings: Siblings,
    arity: int,
    name: str,
) -> LinearCombination:
    """Climb with the old leaf, check that root, and with the new leaf on the same path.

    The new children are the old ones with the node's slot moved by new - old, so they
    cost arity - 1 constraints a level instead of a second placement (6 for arity 4)."""
    sel = _levels(cs, bits, arity, len(siblings), name)
    place = _placement(siblings, arity)
    old, new = lc(old_leaf), lc(new_leaf)
    for k, sibs in enumerate(siblings):
        children = place(cs, old, sel[k], sibs, f"{name}.old.l{k}")
        moved = _moved(cs, sel[k], new - old, arity, f"{name}.new.l{k}")
        old = poseidon(cs, children, f"{name}.old.h{k}")
        new = poseidon(cs, [c + m for c, m in zip(children, moved)], f"{name}.new.h{k}")
    check_old(old)
    return new


def _moved(cs: ConstraintSystem, sel: Variable | list, delta: LinearCombination, arity: int, name: str) -> list:
    """delta at the node's position, 0 elsewhere (arity - 1 constraints; the indicators sum to 1)."""
    if arity == 2:
        right = mul(cs, sel, delta, f"{name}.d1")
        return [delta - right, right]
    parts = [mul(cs, sel[p], delta, f"{name}.d{p}") for p in range(3)]
    return [*parts, delta - parts[0] - parts[1] - parts[2]]


def merkle_update(
    cs: ConstraintSystem,
    old_root: LCLike,
    old_leaf: LCLike,
    new_leaf: LCLike,
    bits: list[Variable],
    siblings: Siblings,
    arity: int,
    name: str,
) -> LinearCombination:
    """Enforce old_leaf under old_root; return the root with new_leaf in its place."""

    def check(computed: LinearCombination) -> None:
        assert_equal(cs, computed, old_root, f"{name}.old_root")

    return _update(cs, check, old_leaf, new_leaf, bits, siblings, arity, name)


def merkle_update_if(
    cs: ConstraintSystem,
    active: LCLike,
    old_root: LCLike,
    old_leaf: LCLike,
    new_leaf: LCLike,
    bits: list[Variable],
    siblings: Siblings,
    arity: int,
    name: str,
) -> Variable:
    """``merkle_update`` when active = 1; when active = 0 the path is ignored and old_root returned.

    active must be boolean.  Costs the update plus 2 constraints.
    """

    def check(computed: LinearCombination) -> None:
        cs.enforce(active, computed - old_root, 0, f"{name}.old_root")

    new_root = _update(cs, check, old_leaf, new_leaf, bits, siblings, arity, name)
    return select(cs, active, new_root, old_root, f"{name}.root")
