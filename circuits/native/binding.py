"""Native twins of ``circuits.gadgets.binding``."""

from __future__ import annotations

import hashlib

CHUNK_BYTES = 31


def sha256_commitment(data: bytes) -> int:
    """uint256(sha256(data)) & (2**253 - 1), as the rollup contract computes it."""
    return int.from_bytes(hashlib.sha256(data).digest(), "big") & ((1 << 253) - 1)


def pack_public(data: bytes) -> list[int]:
    """Big-endian 31-byte chunks as field elements (the last one shorter)."""
    return [int.from_bytes(data[i : i + CHUNK_BYTES], "big") for i in range(0, len(data), CHUNK_BYTES)]


def to_bits(data: bytes) -> list[int]:
    """Big-endian bits of data, as the gadgets take them."""
    return [(byte >> (7 - i)) & 1 for byte in data for i in range(8)]
