"""Binding the batch's public data bytes to the proof's public input.

Two ways, measured in ``benchmarks/constraints.py`` and ``docs/decisions.md``:
  * ``sha256_commitment``: one public input, SHA-256(data) mod 2^253, exactly what
    a contract computes as ``uint256(sha256(data)) & (2**253 - 1)``;
  * ``pack_public``: the bytes themselves in 31-byte big-endian public inputs
    (the verifier pays a G1 multiplication per input).
Both take the data as big-endian bits that the caller has already constrained
boolean (e.g. from the range checks of the ledger values).
"""

from __future__ import annotations

from circuits.errors import ParameterError
from circuits.gadgets.sha256 import digest_to_field, sha256
from circuits.r1cs import ConstraintSystem, LinearCombination, Variable

CHUNK_BYTES = 31


def sha256_commitment(cs: ConstraintSystem, bits: list[LinearCombination], name: str = "data") -> LinearCombination:
    """SHA-256(data) mod 2^253 as a linear combination of digest bits."""
    return digest_to_field(sha256(cs, bits, f"{name}.sha256"))


def pack_public(cs: ConstraintSystem, bits: list[LinearCombination], name: str = "data") -> list[Variable]:
    """One public input per 31 bytes (the last chunk shorter), each equal to its bits (1 constraint)."""
    if len(bits) % 8:
        raise ParameterError("data must be whole bytes")
    out = []
    for k, start in enumerate(range(0, len(bits), 8 * CHUNK_BYTES)):
        chunk = bits[start : start + 8 * CHUNK_BYTES]
        packed = LinearCombination({})
        for b in chunk:
            packed = packed * 2 + b
        var = cs.new_input(f"{name}.chunk{k}", lambda p=packed: cs.value(p))
        cs.enforce(packed, cs.one(), var, f"{name}.chunk{k}")
        out.append(var)
    return out
