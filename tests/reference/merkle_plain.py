"""Reference: a sparse Merkle tree that keeps only its leaves and rebuilds every non-empty node
level by level on each query (no node cache, no shared storage; ``copy`` copies the leaves)."""

from __future__ import annotations

from circuits.native.merkle import MerklePath, digits
from circuits.native.poseidon import poseidon


class NaiveTree:
    def __init__(self, depth: int, arity: int) -> None:
        self.depth, self.arity = depth, arity
        self.leaves: dict[int, int] = {}

    def copy(self) -> NaiveTree:
        out = NaiveTree(self.depth, self.arity)
        out.leaves = dict(self.leaves)
        return out

    def set_leaf(self, index: int, value: int) -> None:
        digits(index, self.arity, self.depth)
        if value:
            self.leaves[index] = value
        else:
            self.leaves.pop(index, None)

    def _levels(self) -> tuple[list[dict[int, int]], list[int]]:
        """The non-empty nodes of every level, and the empty-subtree hash of every level."""
        zero, levels = [0], [dict(self.leaves)]
        for level in range(self.depth):
            below = levels[-1]
            parents = {i // self.arity for i in below}
            levels.append(
                {p: poseidon([below.get(p * self.arity + j, zero[level]) for j in range(self.arity)]) for p in parents}
            )
            zero.append(poseidon([zero[level]] * self.arity))
        return levels, zero

    @property
    def root(self) -> int:
        levels, zero = self._levels()
        return levels[-1].get(0, zero[-1])

    @property
    def stored_nodes(self) -> int:
        return sum(len(level) for level in self._levels()[0])

    def leaf(self, index: int) -> int:
        return self.leaves.get(index, 0)

    def path(self, index: int) -> MerklePath:
        levels, zero = self._levels()
        sibs, node = [], index
        for level, d in enumerate(digits(index, self.arity, self.depth)):
            first = node - d
            sibs.append(tuple(levels[level].get(first + j, zero[level]) for j in range(self.arity) if j != d))
            node //= self.arity
        return MerklePath(index, tuple(sibs))
