"""Sparse Merkle tree with Poseidon, arity 2 or 4 (native twin of ``gadgets.merkle``).

A tree of ``depth`` levels holds arity^depth leaves; an empty leaf is 0 and an
empty subtree at level l hashes to ``zero_hashes[l]``.  A node is
``poseidon(children)`` with children in index order.  Leaf index i has base-arity
digits d_0 (the leaf's position among its siblings) up to d_(depth-1).
Only non-empty nodes are stored, so memory grows with the accounts in use.
Untouched subtrees cost nothing: a missing node is the empty-subtree hash of its level.
Nodes live in one copy-on-write map per level (``circuits.native.cow``), so ``copy()``
shares them and costs O(nodes / 256), not O(nodes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from circuits.errors import ParameterError, RangeError
from circuits.native.cow import CowMap
from circuits.native.poseidon import poseidon

ARITIES = (2, 4)


@dataclass(frozen=True)
class MerklePath:
    """Siblings from the leaf level up: siblings[l] holds arity - 1 values in index order."""

    index: int
    siblings: tuple[tuple[int, ...], ...]


def digits(index: int, arity: int, depth: int) -> list[int]:
    """Base-arity digits of index, least significant first; RangeError if it does not fit."""
    if not 0 <= index < arity**depth:
        raise RangeError(f"leaf index {index} outside a tree of {arity}^{depth} leaves")
    return [(index // arity**level) % arity for level in range(depth)]


def insert_at(node: int, position: int, siblings: Sequence[int]) -> list[int]:
    """The full children list with node at position and the siblings around it."""
    return [*siblings[:position], node, *siblings[position:]]


def root_from_path(leaf: int, path: MerklePath, arity: int) -> int:
    node = leaf
    for d, sibs in zip(digits(path.index, arity, len(path.siblings)), path.siblings):
        node = poseidon(insert_at(node, d, sibs))
    return node


class SparseMerkleTree:
    def __init__(self, depth: int, arity: int = 4) -> None:
        if arity not in ARITIES or depth < 1:
            raise ParameterError(f"unsupported tree shape: arity {arity}, depth {depth}")
        self.depth, self.arity = depth, arity
        self.zero_hashes = [0]
        for _ in range(depth):
            self.zero_hashes.append(poseidon([self.zero_hashes[-1]] * arity))
        self._levels: list[CowMap[int]] = [CowMap() for _ in range(depth + 1)]  # non-empty nodes only

    def copy(self) -> SparseMerkleTree:
        """An independent tree with the same leaves; the nodes are shared until either side writes."""
        out = SparseMerkleTree.__new__(SparseMerkleTree)
        out.depth, out.arity, out.zero_hashes = self.depth, self.arity, self.zero_hashes
        out._levels = [level.copy() for level in self._levels]
        return out

    @property
    def root(self) -> int:
        return self._node(self.depth, 0)

    @property
    def stored_nodes(self) -> int:
        """How many non-empty nodes (leaves included) the tree holds."""
        return sum(len(level) for level in self._levels)

    def _node(self, level: int, index: int) -> int:
        return self._levels[level].get(index, self.zero_hashes[level])

    def _children(self, level: int, first: int) -> list[int]:
        nodes, zero = self._levels[level], self.zero_hashes[level]
        return [nodes.get(first + j, zero) for j in range(self.arity)]

    def leaf(self, index: int) -> int:
        digits(index, self.arity, self.depth)
        return self._node(0, index)

    def path(self, index: int) -> MerklePath:
        sibs, node = [], index
        for level, d in enumerate(digits(index, self.arity, self.depth)):
            group = self._children(level, node - d)
            sibs.append(tuple(group[:d] + group[d + 1 :]))
            node //= self.arity
        return MerklePath(index, tuple(sibs))

    def set_leaf(self, index: int, value: int) -> None:
        """Write a leaf and rehash its path (depth hashes)."""
        digits(index, self.arity, self.depth)
        self._store(0, index, value)
        for level in range(self.depth):
            index //= self.arity
            self._store(level + 1, index, poseidon(self._children(level, index * self.arity)))

    def _store(self, level: int, index: int, value: int) -> None:
        if value == self.zero_hashes[level]:
            self._levels[level].pop(index, None)
        else:
            self._levels[level][index] = value
