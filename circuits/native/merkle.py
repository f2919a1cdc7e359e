"""Sparse Merkle tree with Poseidon, arity 2 or 4 (native twin of ``gadgets.merkle``).

A tree of ``depth`` levels holds arity^depth leaves; an empty leaf is 0 and an
empty subtree at level l hashes to ``zero_hashes[l]``.  A node is
``poseidon(children)`` with children in index order.  Leaf index i has base-arity
digits d_0 (the leaf's position among its siblings) up to d_(depth-1).
Only non-empty nodes are stored, so memory grows with the accounts in use.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from circuits.errors import ParameterError, RangeError
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
        self._nodes: dict[tuple[int, int], int] = {}  # (level, index) -> hash, non-empty only

    def copy(self) -> SparseMerkleTree:
        """An independent tree with the same leaves (zero hashes are shared, they never change)."""
        out = SparseMerkleTree.__new__(SparseMerkleTree)
        out.depth, out.arity, out.zero_hashes = self.depth, self.arity, self.zero_hashes
        out._nodes = dict(self._nodes)
        return out

    @property
    def root(self) -> int:
        return self._node(self.depth, 0)

    def _node(self, level: int, index: int) -> int:
        return self._nodes.get((level, index), self.zero_hashes[level])

    def leaf(self, index: int) -> int:
        digits(index, self.arity, self.depth)
        return self._node(0, index)

    def path(self, index: int) -> MerklePath:
        ds = digits(index, self.arity, self.depth)
        sibs = []
        for level, d in enumerate(ds):
            first = (index // self.arity ** (level + 1)) * self.arity
            group = [self._node(level, first + j) for j in range(self.arity)]
            sibs.append(tuple(group[:d] + group[d + 1 :]))
        return MerklePath(index, tuple(sibs))

    def set_leaf(self, index: int, value: int) -> None:
        """Write a leaf and rehash its path (depth hashes)."""
        digits(index, self.arity, self.depth)
        self._store(0, index, value)
        for level in range(self.depth):
            index //= self.arity
            first = index * self.arity
            children = [self._node(level, first + j) for j in range(self.arity)]
            self._store(level + 1, index, poseidon(children))

    def _store(self, level: int, index: int, value: int) -> None:
        if value == self.zero_hashes[level]:
            self._nodes.pop((level, index), None)
        else:
            self._nodes[(level, index)] = value
