"""A mapping from non-negative ints whose copies share storage until written.

Key k lives in bucket k >> BITS (a plain dict of at most 2^BITS entries).  ``copy()`` copies
only the table of buckets, O(n / 2^BITS); both sides then treat every bucket as shared, and
the first write to a shared bucket clones that bucket alone.  So copying a million-key map
and touching a few hundred keys costs a few thousand dict slots, not a million.  Reads
are two dict lookups.  Used for the Merkle tree's nodes and the ledger's accounts, which the
spec copies once per batch.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Generic, TypeVar

V = TypeVar("V")
BITS = 8


class CowMap(MutableMapping[int, V], Generic[V]):
    __slots__ = ("_buckets", "_len", "_owned")

    def __init__(self, items: dict[int, V] | None = None) -> None:
        self._buckets: dict[int, dict[int, V]] = {}
        self._owned: set[int] = set()  # buckets no other map shares
        self._len = 0
        for k, v in (items or {}).items():
            self[k] = v

    def copy(self) -> CowMap[V]:
        """An independent map with the same items; O(buckets)."""
        out = CowMap.__new__(CowMap)
        out._buckets, out._owned, out._len = dict(self._buckets), set(), self._len
        self._owned = set()
        return out

    def get(self, key: int, default: V | None = None) -> V | None:  # type: ignore[override]
        bucket = self._buckets.get(key >> BITS)
        return default if bucket is None else bucket.get(key, default)

    def __getitem__(self, key: int) -> V:
        bucket = self._buckets.get(key >> BITS)
        if bucket is None:
            raise KeyError(key)
        return bucket[key]

    def _writable(self, b: int) -> dict[int, V]:
        if b in self._owned:
            return self._buckets[b]
        bucket = dict(self._buckets.get(b, {}))
        self._buckets[b] = bucket
        self._owned.add(b)
        return bucket

    def __setitem__(self, key: int, value: V) -> None:
        bucket = self._writable(key >> BITS)
        self._len += key not in bucket
        bucket[key] = value

    def __delitem__(self, key: int) -> None:
        b = key >> BITS
        if key not in self._buckets.get(b, ()):
            raise KeyError(key)
        bucket = self._writable(b)
        del bucket[key]
        self._len -= 1
        if not bucket:
            del self._buckets[b]
            self._owned.discard(b)

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, int):
            return False
        bucket = self._buckets.get(key >> BITS)
        return bucket is not None and key in bucket

    def __iter__(self) -> Iterator[int]:
        for b in sorted(self._buckets):
            yield from sorted(self._buckets[b])

    def __len__(self) -> int:
        return self._len

    def __repr__(self) -> str:
        return f"CowMap({dict(self.items())!r})"
