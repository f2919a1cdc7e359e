"""Reference: the sparse Merkle tree before copy-on-write (one dict of (level, index) -> hash,
copied whole by ``copy()``); same hashing, same paths."""

from __future__ import annotations

from circuits.errors import ParameterError
from circuits.native.merkle import ARITIES, MerklePath, digits
from circuits.native.poseidon import poseidon


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
