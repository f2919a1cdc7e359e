"""The Groth16 proving key (Groth 2016, §3.2) and its binary file format.

Points are arrays in the ``.zkey`` layout (``prover.points``: affine, Montgomery form,
little-endian limbs, all zeros for infinity), so keys made by ``prover.setup`` and keys
imported from a snarkjs ceremony (``prover.zkey``) feed the same prover.

File layout (version 3)::

    b"ZKDXPK\\x00\\x03" | u32 len | header JSON | u32 len | vk JSON (snarkjs) | zero padding
    to a multiple of 8 | alpha_g1, beta_g1, beta_g2, delta_g1, delta_g2 | a_query |
    b_g1_query | b_g2_query | h_query | l_query | SHA-256 of everything before

G1 points take 64 bytes, G2 points 128.  The arrays are read straight into aligned
numpy buffers, and the expected length is checked against the file size before any
allocation: a truncated, corrupt, foreign or older-version file raises KeyFormatError.
The header is bounded JSON whose fields are type-checked, and its counts must describe one
Groth16 key (A and B queries one point per variable, L one per private variable, H one per
domain point) before anything of their size is built.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import json
import os
import stat
import struct
from pathlib import Path

import numpy as np

from prover.errors import KeyFormatError
from prover.points import G1_SHAPE, G2_SHAPE
from verifier import jsonsafe
from verifier.formats import vk_from_json, vk_to_json
from verifier.types import VerifyingKey

MAGIC = b"ZKDXPK\x00\x03"
_POINTS = (("alpha_g1", 1), ("beta_g1", 1), ("beta_g2", 2), ("delta_g1", 1), ("delta_g2", 2))
_QUERIES = (("a_query", 1), ("b_g1_query", 1), ("b_g2_query", 2), ("h_query", 1), ("l_query", 1))
_SHAPE = {1: G1_SHAPE, 2: G2_SHAPE}
_MAX_TEXT = 1 << 24  # header and vk JSON: far below this for any circuit
MAX_HEADER_BYTES = 1 << 12  # the header JSON is about 250 bytes
MAX_KEY_BYTES = 8 << 30  # a key for 2^20 constraints is ~0.4 GiB


@dataclasses.dataclass(frozen=True, eq=False)
class ProvingKey:
    vk_json: str  # the verifying key as snarkjs JSON; ``vk`` parses it
    alpha_g1: np.ndarray  # [α]_1, one point
    beta_g1: np.ndarray  # [β]_1
    beta_g2: np.ndarray  # [β]_2
    delta_g1: np.ndarray  # [δ]_1
    delta_g2: np.ndarray  # [δ]_2
    a_query: np.ndarray  # [u_i(τ)]_1 for every variable i
    b_g1_query: np.ndarray  # [v_i(τ)]_1
    b_g2_query: np.ndarray  # [v_i(τ)]_2
    h_query: np.ndarray  # [L^(2n)_(2j+1)(τ) / δ]_1, j = 0..n-1 (odd-coset Lagrange basis, as .zkey)
    l_query: np.ndarray  # [(β u_i(τ) + α v_i(τ) + w_i(τ)) / δ]_1 for private i
    circuit_digest: str  # R1CSMatrices.digest of the circuit ("" for an imported .zkey)
    domain_size: int  # n
    num_inputs: int  # ℓ, public inputs without the constant one

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ProvingKey):
            return NotImplemented
        return all(_same(getattr(self, f.name), getattr(other, f.name)) for f in dataclasses.fields(self))

    __hash__ = None  # type: ignore[assignment]

    @functools.cached_property
    def vk(self) -> VerifyingKey:
        """The verifying key, parsed and validated on first use."""
        return vk_from_json(self.vk_json)

    @classmethod
    def from_vk(cls, vk: VerifyingKey, **fields: object) -> ProvingKey:
        """A key whose ``vk`` is already known (setup, import): no re-parse."""
        pk = cls(vk_json=json.dumps(vk_to_json(vk)), num_inputs=vk.num_inputs, **fields)
        pk.__dict__["vk"] = vk
        return pk


def _same(a: object, b: object) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and np.array_equal(a, b)
    return a == b


def _padding(pos: int) -> bytes:
    return bytes(-pos % 8)


def encode_proving_key(pk: ProvingKey) -> bytes:
    header = {
        "circuit_digest": pk.circuit_digest,
        "domain_size": pk.domain_size,
        "num_inputs": pk.num_inputs,
        "counts": {name: len(getattr(pk, name)) for name, _ in _QUERIES},
    }
    parts = [MAGIC]
    for blob in (json.dumps(header).encode(), pk.vk_json.encode()):
        parts.append(struct.pack(">I", len(blob)) + blob)
    parts.append(_padding(sum(map(len, parts))))
    for name, group in _POINTS + _QUERIES:
        arr = np.ascontiguousarray(getattr(pk, name), dtype="<u8")
        if arr.shape[1:] != _SHAPE[group]:
            raise KeyFormatError(f"{name}: array of shape {arr.shape}, expected (n, {_SHAPE[group]})")
        parts.append(arr.tobytes())
    body = b"".join(parts)
    return body + hashlib.sha256(body).digest()


class _HashingReader:
    """Reads a key file front to back, hashing every byte it hands out."""

    def __init__(self, f: io.BufferedIOBase, size: int) -> None:
        self.f, self.size, self.pos, self.h = f, size, 0, hashlib.sha256()

    def read(self, n: int) -> bytes:
        data = self.f.read(n)
        if len(data) != n:
            raise KeyFormatError("proving key is truncated")
        self.pos += n
        self.h.update(data)
        return data

    def array(self, count: int, shape: tuple) -> np.ndarray:
        arr = np.empty((count, *shape), dtype=np.uint64)
        view = memoryview(arr).cast("B")
        if self.f.readinto(view) != len(view):
            raise KeyFormatError("proving key is truncated")
        self.pos += len(view)
        self.h.update(view)
        return arr


def decode_proving_key_file(f: io.BufferedIOBase, size: int) -> ProvingKey:
    rd = _HashingReader(f, size)
    if size < len(MAGIC) + 40 or rd.read(len(MAGIC)) != MAGIC:
        raise KeyFormatError("not a zkdx proving key of version 3 (bad magic or too short); re-run zkdx setup")
    header_text = _text(rd, MAX_HEADER_BYTES)
    vk_text = _text(rd, _MAX_TEXT)
    rd.read(len(_padding(rd.pos)))
    fields, counts = _header(jsonsafe.loads(header_text, KeyFormatError, max_depth=2))
    fields["vk_json"] = vk_text
    _check_counts(counts, fields)
    points = sum(64 * g for _, g in _POINTS) + sum(64 * g * counts[n] for n, g in _QUERIES)
    if rd.pos + points + 32 != size:
        raise KeyFormatError(f"proving key has {size} bytes, its header implies {rd.pos + points + 32}")
    for name, group in _POINTS:
        fields[name] = rd.array(1, _SHAPE[group])
    for name, group in _QUERIES:
        fields[name] = rd.array(counts[name], _SHAPE[group])
    if f.read(32) != rd.h.digest():
        raise KeyFormatError("proving key checksum mismatch: the file is corrupt or truncated")
    return ProvingKey(**fields)


def _natural(obj: object, what: str) -> int:
    if not isinstance(obj, int) or isinstance(obj, bool) or obj < 0:
        raise KeyFormatError(f"proving key header: {what} must be a non-negative integer")
    return obj


def _header(header: object) -> tuple[dict, dict[str, int]]:
    """The scalar fields and the query counts of the header JSON, type-checked."""
    counts = header.get("counts") if isinstance(header, dict) else None
    if not isinstance(counts, dict):
        raise KeyFormatError("proving key header must be an object with a counts object")
    digest = header.get("circuit_digest")
    if not (isinstance(digest, str) and len(digest) in (0, 64) and all(c in "0123456789abcdef" for c in digest)):
        raise KeyFormatError("proving key header: circuit_digest must be 64 lowercase hex digits (or empty)")
    fields = {
        "circuit_digest": digest,
        "domain_size": _natural(header.get("domain_size"), "domain_size"),
        "num_inputs": _natural(header.get("num_inputs"), "num_inputs"),
    }
    return fields, {name: _natural(counts.get(name), f"counts.{name}") for name, _ in _QUERIES}


def _check_counts(counts: dict[str, int], fields: dict) -> None:
    """The counts describe one Groth16 key: A and B one point per variable, L one per private
    variable, H one per point of the domain (its odd coset's Lagrange basis)."""
    n_vars, n, ell = counts["a_query"], fields["domain_size"], fields["num_inputs"] + 1
    if n < 1 or n & (n - 1):
        raise KeyFormatError(f"proving key header: domain_size {n} is not a power of two")
    expected = {"b_g1_query": n_vars, "b_g2_query": n_vars, "h_query": n, "l_query": n_vars - ell}
    for name, want in expected.items():
        if counts[name] != want:
            raise KeyFormatError(f"proving key header: {name} has {counts[name]} points, the key implies {want}")


def _text(rd: _HashingReader, limit: int) -> str:
    """A u32-length-prefixed UTF-8 block of at most ``limit`` bytes inside the file."""
    (n,) = struct.unpack(">I", rd.read(4))
    if n > min(limit, rd.size - rd.pos):
        raise KeyFormatError(f"proving key text block of {n} bytes is larger than the file allows")
    try:
        return rd.read(n).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise KeyFormatError("proving key text block is not UTF-8") from exc


def decode_proving_key(data: bytes) -> ProvingKey:
    return decode_proving_key_file(io.BytesIO(data), len(data))


def save_proving_key(pk: ProvingKey, path: str | Path) -> None:
    Path(path).write_bytes(encode_proving_key(pk))


def load_proving_key(path: str | Path) -> ProvingKey:
    """Read a key file; a device, a pipe or a file over MAX_KEY_BYTES is refused unread."""
    try:
        with open(path, "rb") as f:
            st = os.fstat(f.fileno())
            if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_KEY_BYTES:
                raise KeyFormatError(f"{path}: not a regular file of at most {MAX_KEY_BYTES} bytes")
            return decode_proving_key_file(f, st.st_size)
    except OSError as exc:
        raise KeyFormatError(f"{path}: cannot read: {exc.strerror or exc}") from exc
