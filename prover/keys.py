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
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import json
import struct
from pathlib import Path

import numpy as np

from prover.errors import KeyFormatError
from prover.points import G1_SHAPE, G2_SHAPE
from verifier.formats import vk_from_json, vk_to_json
from verifier.types import VerifyingKey

MAGIC = b"ZKDXPK\x00\x03"
_POINTS = (("alpha_g1", 1), ("beta_g1", 1), ("beta_g2", 2), ("delta_g1", 1), ("delta_g2", 2))
_QUERIES = (("a_query", 1), ("b_g1_query", 1), ("b_g2_query", 2), ("h_query", 1), ("l_query", 1))
_SHAPE = {1: G1_SHAPE, 2: G2_SHAPE}
_MAX_TEXT = 1 << 24  # header and vk JSON: far below this for any circuit


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
    try:
        header = json.loads(_text(rd))
        vk_text = _text(rd)
        rd.read(len(_padding(rd.pos)))
        counts = {name: int(header["counts"][name]) for name, _ in _QUERIES}
        fields: dict = {
            "vk_json": vk_text,
            "circuit_digest": str(header["circuit_digest"]),
            "domain_size": int(header["domain_size"]),
            "num_inputs": int(header["num_inputs"]),
        }
    except (KeyError, TypeError, ValueError, UnicodeDecodeError) as exc:
        raise KeyFormatError(f"proving key header is malformed: {exc}") from exc
    if any(c < 0 for c in counts.values()):
        raise KeyFormatError("proving key header has a negative count")
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


def _text(rd: _HashingReader) -> str:
    (n,) = struct.unpack(">I", rd.read(4))
    if n > min(_MAX_TEXT, rd.size):
        raise KeyFormatError(f"proving key text block of {n} bytes is larger than the file allows")
    return rd.read(n).decode()


def decode_proving_key(data: bytes) -> ProvingKey:
    return decode_proving_key_file(io.BytesIO(data), len(data))


def save_proving_key(pk: ProvingKey, path: str | Path) -> None:
    Path(path).write_bytes(encode_proving_key(pk))


def load_proving_key(path: str | Path) -> ProvingKey:
    try:
        with open(path, "rb") as f:
            return decode_proving_key_file(f, Path(path).stat().st_size)
    except OSError as exc:
        raise KeyFormatError(f"{path}: cannot read: {exc.strerror}") from exc
