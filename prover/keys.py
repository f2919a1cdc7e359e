"""The Groth16 proving key (Groth 2016, §3.2) and its binary file format.

Query points are affine gmpy2 tuples (see ``prover.curve``), ``None`` for infinity.
File layout (big-endian coordinates)::

    b"ZKDXPK\\x00\\x02" | u32 len | header JSON | u32 len | vk JSON (snarkjs)
    | alpha_g1, beta_g1, beta_g2, delta_g1, delta_g2 | a_query | b_g1_query
    | b_g2_query | h_query | l_query | SHA-256 of everything before

G1 points take 64 bytes, G2 points 128 (x.c0, x.c1, y.c0, y.c1); all zeros is
infinity.  A truncated, corrupt or foreign file raises KeyFormatError.  The verifying
key inside is parsed (and its points validated) only when ``pk.vk`` is used:
proving needs only the raw α, β, δ points stored beside it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import struct
from dataclasses import dataclass
from pathlib import Path

import gmpy2

from prover.errors import KeyFormatError
from verifier import jsonsafe
from verifier.formats import vk_from_json, vk_to_json
from verifier.types import VerifyingKey

MAGIC = b"ZKDXPK\x00\x02"
MAX_HEADER_BYTES = 1 << 12  # the header JSON is about 250 bytes
MAX_KEY_BYTES = 8 << 30  # a key for 2^20 constraints is ~0.4 GiB
_QUERIES = (("a_query", 1), ("b_g1_query", 1), ("b_g2_query", 2), ("h_query", 1), ("l_query", 1))


@dataclass(frozen=True)
class ProvingKey:
    vk_json: str  # the verifying key as snarkjs JSON; ``vk`` parses it
    alpha_g1: tuple  # [α]_1
    beta_g1: tuple  # [β]_1
    beta_g2: tuple  # [β]_2
    delta_g1: tuple  # [δ]_1
    delta_g2: tuple  # [δ]_2
    a_query: list  # [u_i(τ)]_1 for every variable i
    b_g1_query: list  # [v_i(τ)]_1
    b_g2_query: list  # [v_i(τ)]_2
    h_query: list  # [τ^j t(τ) / δ]_1, j = 0..n-2
    l_query: list  # [(β u_i(τ) + α v_i(τ) + w_i(τ)) / δ]_1 for private i
    circuit_digest: str  # R1CSMatrices.digest of the circuit this key is for
    domain_size: int  # n
    num_inputs: int  # ℓ, public inputs without the constant one

    @functools.cached_property
    def vk(self) -> VerifyingKey:
        """The verifying key, parsed and validated on first use."""
        return vk_from_json(self.vk_json)

    @classmethod
    def from_vk(cls, vk: VerifyingKey, **fields: object) -> ProvingKey:
        """A key whose ``vk`` is already known (setup): no re-parse."""
        pk = cls(vk_json=json.dumps(vk_to_json(vk)), num_inputs=vk.num_inputs, **fields)
        pk.__dict__["vk"] = vk
        return pk


_POINTS = (("alpha_g1", 1), ("beta_g1", 1), ("beta_g2", 2), ("delta_g1", 1), ("delta_g2", 2))


def _enc(p: tuple | None, group: int) -> bytes:
    if p is None:
        return bytes(64 * group)
    coords = (p[0], p[1]) if group == 1 else (*p[0], *p[1])
    return b"".join(int(c).to_bytes(32, "big") for c in coords)


def _dec(buf: memoryview, group: int) -> tuple | None:
    cs = [gmpy2.mpz(int.from_bytes(buf[i : i + 32], "big")) for i in range(0, 64 * group, 32)]
    if not any(cs):
        return None
    return (cs[0], cs[1]) if group == 1 else ((cs[0], cs[1]), (cs[2], cs[3]))


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
    parts += [_enc(getattr(pk, name), group) for name, group in _POINTS]
    for name, group in _QUERIES:
        parts.extend(_enc(p, group) for p in getattr(pk, name))
    body = b"".join(parts)
    return body + hashlib.sha256(body).digest()


def decode_proving_key(data: bytes) -> ProvingKey:
    """Parse a key file.  Hostile input raises KeyFormatError before anything of its claimed size
    is built: every count is a non-negative integer, the counts agree with each other (A, B
    queries one point per variable, L one per private variable, H ``domain_size - 1``) and the
    points they imply fill the body exactly."""
    if len(data) < len(MAGIC) + 32 or not data.startswith(MAGIC):
        raise KeyFormatError("not a zkdx proving key (bad magic or too short)")
    body, digest = data[:-32], data[-32:]
    if hashlib.sha256(body).digest() != digest:
        raise KeyFormatError("proving key checksum mismatch: the file is corrupt or truncated")
    view = memoryview(body)
    header_text, pos = _text_block(view, len(MAGIC), MAX_HEADER_BYTES, "header")
    vk_text, pos = _text_block(view, pos, jsonsafe.MAX_BYTES, "verifying key")
    fields, counts = _header(jsonsafe.loads(header_text, KeyFormatError, max_depth=2))
    _check_counts(counts, fields, len(body) - pos)
    fields["vk_json"] = vk_text
    for name, group in _POINTS:
        fields[name] = _dec(view[pos : pos + 64 * group], group)
        pos += 64 * group
    for name, group in _QUERIES:
        size = 64 * group
        fields[name] = [_dec(view[pos + i * size : pos + (i + 1) * size], group) for i in range(counts[name])]
        pos += size * counts[name]
    return ProvingKey(**fields)


def _text_block(view: memoryview, pos: int, limit: int, what: str) -> tuple[str, int]:
    """A u32-length-prefixed UTF-8 block of at most ``limit`` bytes that lies inside the body."""
    if len(view) - pos < 4:
        raise KeyFormatError(f"proving key {what} block is truncated")
    (n,) = struct.unpack(">I", view[pos : pos + 4])
    if n > min(limit, len(view) - pos - 4):
        raise KeyFormatError(f"proving key {what} block claims {n} bytes (limit {limit}, body ends sooner?)")
    try:
        return bytes(view[pos + 4 : pos + 4 + n]).decode("utf-8"), pos + 4 + n
    except UnicodeDecodeError as exc:
        raise KeyFormatError(f"proving key {what} block is not UTF-8") from exc


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
    if not (isinstance(digest, str) and len(digest) == 64 and all(c in "0123456789abcdef" for c in digest)):
        raise KeyFormatError("proving key header: circuit_digest must be 64 lowercase hex digits")
    fields = {
        "circuit_digest": digest,
        "domain_size": _natural(header.get("domain_size"), "domain_size"),
        "num_inputs": _natural(header.get("num_inputs"), "num_inputs"),
    }
    return fields, {name: _natural(counts.get(name), f"counts.{name}") for name, _ in _QUERIES}


def _check_counts(counts: dict[str, int], fields: dict, points_bytes: int) -> None:
    """The counts describe one Groth16 key and exactly fill the ``points_bytes`` left in the body."""
    n_vars, n, ell = counts["a_query"], fields["domain_size"], fields["num_inputs"] + 1
    if n < 1 or n & (n - 1):
        raise KeyFormatError(f"proving key header: domain_size {n} is not a power of two")
    expected = {"b_g1_query": n_vars, "b_g2_query": n_vars, "h_query": n - 1, "l_query": n_vars - ell}
    for name, want in expected.items():
        if counts[name] != want:
            raise KeyFormatError(f"proving key header: {name} has {counts[name]} points, the key implies {want}")
    implied = 64 * sum(g for _, g in _POINTS) + sum(64 * g * counts[name] for name, g in _QUERIES)
    if implied != points_bytes:
        raise KeyFormatError(f"proving key holds {points_bytes} bytes of points, its header implies {implied}")


def save_proving_key(pk: ProvingKey, path: str | Path) -> None:
    Path(path).write_bytes(encode_proving_key(pk))


def load_proving_key(path: str | Path) -> ProvingKey:
    """Read and decode a key file (a device, or a file over MAX_KEY_BYTES, is refused unread)."""
    return decode_proving_key(jsonsafe.read_file(path, KeyFormatError, MAX_KEY_BYTES))
