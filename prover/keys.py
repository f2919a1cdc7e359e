"""The Groth16 proving key (Groth 2016, §3.2) and its binary file format.

Query points are affine gmpy2 tuples (see ``prover.curve``), ``None`` for infinity.
File layout (big-endian coordinates)::

    b"ZKDXPK\\x00\\x01" | u32 len | header JSON | u32 len | vk JSON (snarkjs)
    | beta_g1, delta_g1 | a_query | b_g1_query | b_g2_query | h_query | l_query
    | SHA-256 of everything before

G1 points take 64 bytes, G2 points 128 (x.c0, x.c1, y.c0, y.c1); all zeros is
infinity.  A truncated, corrupt or foreign file raises KeyFormatError.
"""

from __future__ import annotations

import hashlib
import json
import struct
from dataclasses import dataclass
from pathlib import Path

import gmpy2

from prover.convert import g1_from_py_ecc, g2_from_py_ecc
from prover.errors import KeyFormatError
from verifier.errors import MalformedError
from verifier.formats import vk_from_json, vk_to_json
from verifier.types import VerifyingKey

MAGIC = b"ZKDXPK\x00\x01"
_QUERIES = (("a_query", 1), ("b_g1_query", 1), ("b_g2_query", 2), ("h_query", 1), ("l_query", 1))


@dataclass(frozen=True)
class ProvingKey:
    vk: VerifyingKey  # α, β, γ, δ and gamma_abc_g1 for the verifier
    beta_g1: tuple  # [β]_1
    delta_g1: tuple  # [δ]_1
    a_query: list  # [u_i(τ)]_1 for every variable i
    b_g1_query: list  # [v_i(τ)]_1
    b_g2_query: list  # [v_i(τ)]_2
    h_query: list  # [τ^j t(τ) / δ]_1, j = 0..n-2
    l_query: list  # [(β u_i(τ) + α v_i(τ) + w_i(τ)) / δ]_1 for private i
    circuit_digest: str  # R1CSMatrices.digest of the circuit this key is for
    domain_size: int  # n

    @property
    def num_inputs(self) -> int:
        return self.vk.num_inputs

    @property
    def alpha_g1(self) -> tuple:
        return g1_from_py_ecc(self.vk.alpha_g1)

    @property
    def beta_g2(self) -> tuple:
        return g2_from_py_ecc(self.vk.beta_g2)

    @property
    def delta_g2(self) -> tuple:
        return g2_from_py_ecc(self.vk.delta_g2)


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
        "counts": {name: len(getattr(pk, name)) for name, _ in _QUERIES},
    }
    parts = [MAGIC]
    for blob in (json.dumps(header).encode(), json.dumps(vk_to_json(pk.vk)).encode()):
        parts.append(struct.pack(">I", len(blob)) + blob)
    parts += [_enc(pk.beta_g1, 1), _enc(pk.delta_g1, 1)]
    for name, group in _QUERIES:
        parts.extend(_enc(p, group) for p in getattr(pk, name))
    body = b"".join(parts)
    return body + hashlib.sha256(body).digest()


def decode_proving_key(data: bytes) -> ProvingKey:
    if len(data) < len(MAGIC) + 32 or not data.startswith(MAGIC):
        raise KeyFormatError("not a zkdx proving key (bad magic or too short)")
    body, digest = data[:-32], data[-32:]
    if hashlib.sha256(body).digest() != digest:
        raise KeyFormatError("proving key checksum mismatch: the file is corrupt or truncated")
    view, pos = memoryview(body), len(MAGIC)
    try:
        header, pos = _json_block(view, pos)
        vk_obj, pos = _json_block(view, pos)
        vk = vk_from_json(vk_obj)
        counts = {name: int(header["counts"][name]) for name, _ in _QUERIES}
        fields = {"circuit_digest": str(header["circuit_digest"]), "domain_size": int(header["domain_size"])}
    except (KeyError, TypeError, ValueError, struct.error, MalformedError) as exc:
        raise KeyFormatError(f"proving key header is malformed: {exc}") from exc
    expected = pos + 128 + sum(64 * g * counts[n] for n, g in _QUERIES)
    if expected != len(body):
        raise KeyFormatError(f"proving key body has {len(body)} bytes, header implies {expected}")
    fields["beta_g1"], fields["delta_g1"] = _dec(view[pos : pos + 64], 1), _dec(view[pos + 64 : pos + 128], 1)
    pos += 128
    for name, group in _QUERIES:
        size = 64 * group
        fields[name] = [_dec(view[pos + i * size : pos + (i + 1) * size], group) for i in range(counts[name])]
        pos += size * counts[name]
    return ProvingKey(vk=vk, **fields)


def _json_block(view: memoryview, pos: int) -> tuple[object, int]:
    (n,) = struct.unpack(">I", view[pos : pos + 4])
    return json.loads(bytes(view[pos + 4 : pos + 4 + n])), pos + 4 + n


def save_proving_key(pk: ProvingKey, path: str | Path) -> None:
    Path(path).write_bytes(encode_proving_key(pk))


def load_proving_key(path: str | Path) -> ProvingKey:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise KeyFormatError(f"{path}: cannot read: {exc.strerror}") from exc
    return decode_proving_key(data)
