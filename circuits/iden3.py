"""Readers and writers for iden3 binary files: ``.r1cs`` (version 1) and ``.wtns`` (version 2).

Both files are ``magic | version u32 | nSections u32`` followed by sections
``type u32 | size u64 | body``, little-endian, field elements in normal form as
``n8`` little-endian bytes.  Only BN254 (prime = r, n8 = 32) is accepted.
Every malformed file raises :class:`FileFormatError` naming what is wrong.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from circuits.errors import FileFormatError
from circuits.field import FIELD_BYTES, R
from circuits.r1cs import R1CSMatrices, Terms

R1CS_HEADER, R1CS_CONSTRAINTS, R1CS_WIRE2LABEL = 1, 2, 3
WTNS_HEADER, WTNS_DATA = 1, 2
_PRIME_BYTES = R.to_bytes(FIELD_BYTES, "little")


class _Reader:
    """Bounds-checked little-endian cursor over one buffer."""

    def __init__(self, data: bytes, what: str, start: int = 0, end: int | None = None) -> None:
        self.data = memoryview(data)
        self.pos = start
        self.end = len(data) if end is None else end
        self.what = what

    def take(self, n: int) -> memoryview:
        if n < 0 or self.pos + n > self.end:
            raise FileFormatError(f"{self.what}: truncated at byte {self.pos} (wanted {n} more)")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def u32(self) -> int:
        return struct.unpack("<I", self.take(4))[0]

    def u64(self) -> int:
        return struct.unpack("<Q", self.take(8))[0]

    def field(self) -> int:
        v = int.from_bytes(self.take(FIELD_BYTES), "little")
        if v >= R:
            raise FileFormatError(f"{self.what}: field element {v} is not below r")
        return v


def _sections(data: bytes, magic: bytes, version: int, what: str) -> dict[int, tuple[int, int]]:
    """Parse the container; return {type: (start, end)} with every section inside the file."""
    rd = _Reader(data, what)
    if bytes(rd.take(4)) != magic:
        raise FileFormatError(f"{what}: bad magic, expected {magic!r}")
    got = rd.u32()
    if got != version:
        raise FileFormatError(f"{what}: unsupported version {got}, expected {version}")
    sections: dict[int, tuple[int, int]] = {}
    for _ in range(rd.u32()):
        kind, size = rd.u32(), rd.u64()
        start = rd.pos
        rd.take(size)
        if kind in sections:
            raise FileFormatError(f"{what}: section {kind} appears twice")
        sections[kind] = (start, start + size)
    if rd.pos != len(data):
        raise FileFormatError(f"{what}: {len(data) - rd.pos} trailing bytes after the last section")
    return sections


def _field_header(rd: _Reader) -> None:
    n8 = rd.u32()
    if n8 != FIELD_BYTES:
        raise FileFormatError(f"{rd.what}: field size {n8} bytes, only 32 (BN254) is supported")
    if bytes(rd.take(n8)) != _PRIME_BYTES:
        raise FileFormatError(f"{rd.what}: prime is not the BN254 scalar field")


def _require(sections: dict[int, tuple[int, int]], kind: int, what: str) -> tuple[int, int]:
    if kind not in sections:
        raise FileFormatError(f"{what}: required section {kind} is missing")
    return sections[kind]


# .r1cs ---------------------------------------------------------------------
def parse_r1cs(data: bytes, what: str = "r1cs") -> R1CSMatrices:
    """Matrices of an iden3 .r1cs file; public inputs are the outputs then the public inputs."""
    sections = _sections(data, b"r1cs", 1, what)
    start, end = _require(sections, R1CS_HEADER, what)
    hd = _Reader(data, what, start, end)
    _field_header(hd)
    n_wires, n_out, n_pub_in, n_prv_in = hd.u32(), hd.u32(), hd.u32(), hd.u32()
    hd.u64()  # nLabels
    n_constraints = hd.u32()
    if hd.pos != end:
        raise FileFormatError(f"{what}: header section has the wrong size")
    num_inputs = n_out + n_pub_in
    if n_wires < 1 or num_inputs + n_prv_in >= n_wires:
        raise FileFormatError(f"{what}: inconsistent wire counts")
    a, b, c = _read_constraints(data, _require(sections, R1CS_CONSTRAINTS, what), n_constraints, n_wires, what)
    return R1CSMatrices(
        num_inputs=num_inputs,
        num_aux=n_wires - 1 - num_inputs,
        a=a,
        b=b,
        c=c,
        names=[f"constraint #{i}" for i in range(n_constraints)],
    )


def _read_constraints(
    data: bytes, span: tuple[int, int], count: int, n_wires: int, what: str
) -> tuple[list[Terms], list[Terms], list[Terms]]:
    rd = _Reader(data, what, *span)
    rows: tuple[list[Terms], list[Terms], list[Terms]] = ([], [], [])
    for _ in range(count):
        for matrix in rows:
            lc: Terms = {}
            for _ in range(rd.u32()):
                wire = rd.u32()
                if wire >= n_wires:
                    raise FileFormatError(f"{what}: wire {wire} out of range ({n_wires} wires)")
                coeff = rd.field()
                lc[wire] = (lc.get(wire, 0) + coeff) % R
            matrix.append({k: v for k, v in lc.items() if v})
    if rd.pos != rd.end:
        raise FileFormatError(f"{what}: constraints section has {rd.end - rd.pos} extra bytes")
    return rows


def read_r1cs(path: str | Path) -> R1CSMatrices:
    return parse_r1cs(_read(path), str(path))


def encode_r1cs(m: R1CSMatrices) -> bytes:
    """Serialize: all public inputs are written as public inputs (no outputs, no private inputs)."""
    n_wires = m.num_variables
    header = (
        struct.pack("<I", FIELD_BYTES)
        + _PRIME_BYTES
        + struct.pack("<IIIIQI", n_wires, 0, m.num_inputs, 0, n_wires, m.num_constraints)
    )
    parts = []
    for row in range(m.num_constraints):
        for lc in (m.a[row], m.b[row], m.c[row]):
            parts.append(struct.pack("<I", len(lc)))
            for wire in sorted(lc):
                parts.append(struct.pack("<I", wire) + lc[wire].to_bytes(FIELD_BYTES, "little"))
    labels = b"".join(struct.pack("<Q", i) for i in range(n_wires))
    return _container(
        b"r1cs", 1, [(R1CS_HEADER, header), (R1CS_CONSTRAINTS, b"".join(parts)), (R1CS_WIRE2LABEL, labels)]
    )


def write_r1cs(m: R1CSMatrices, path: str | Path) -> None:
    Path(path).write_bytes(encode_r1cs(m))


# .wtns ---------------------------------------------------------------------
def _wtns_values(data: bytes, what: str) -> tuple[int, _Reader]:
    """(n, a reader over the data section) once the container and header check out."""
    sections = _sections(data, b"wtns", 2, what)
    hd = _Reader(data, what, *_require(sections, WTNS_HEADER, what))
    _field_header(hd)
    n = hd.u32()
    if hd.pos != hd.end:
        raise FileFormatError(f"{what}: header section has the wrong size")
    rd = _Reader(data, what, *_require(sections, WTNS_DATA, what))
    if rd.end - rd.pos != n * FIELD_BYTES:
        raise FileFormatError(f"{what}: data section holds {(rd.end - rd.pos)} bytes, expected {n} values")
    return n, rd


def parse_wtns(data: bytes, what: str = "wtns") -> list[int]:
    """The full assignment z stored in a .wtns file (z[0] must be 1)."""
    n, rd = _wtns_values(data, what)
    z = [rd.field() for _ in range(n)]
    if not z or z[0] != 1:
        raise FileFormatError(f"{what}: witness must start with the constant 1")
    return z


def read_wtns(path: str | Path) -> list[int]:
    return parse_wtns(_read(path), str(path))


def encode_wtns(z: list[int]) -> bytes:
    header = struct.pack("<I", FIELD_BYTES) + _PRIME_BYTES + struct.pack("<I", len(z))
    body = b"".join((v % R).to_bytes(FIELD_BYTES, "little") for v in z)
    return _container(b"wtns", 2, [(WTNS_HEADER, header), (WTNS_DATA, body)])


def write_wtns(z: list[int], path: str | Path) -> None:
    Path(path).write_bytes(encode_wtns(z))


def _container(magic: bytes, version: int, sections: list[tuple[int, bytes]]) -> bytes:
    out = [magic, struct.pack("<II", version, len(sections))]
    for kind, body in sections:
        out.append(struct.pack("<IQ", kind, len(body)) + body)
    return b"".join(out)


def _read(path: str | Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise FileFormatError(f"{path}: cannot read: {exc.strerror}") from exc


def parse_wtns_array(data: bytes, what: str = "wtns") -> np.ndarray:
    """The assignment of a .wtns file as an (n, 4) uint64 array of little-endian limbs
    (the prover's scalar layout), with the same checks as ``parse_wtns``, vectorized."""
    n, rd = _wtns_values(data, what)
    if n == 0:
        raise FileFormatError(f"{what}: witness must start with the constant 1")
    z = np.frombuffer(data, dtype="<u8", count=4 * n, offset=rd.pos).astype(np.uint64).reshape(n, 4)
    r = [(R >> (64 * i)) & 0xFFFFFFFFFFFFFFFF for i in range(4)]
    below, tie = np.zeros(n, dtype=bool), np.ones(n, dtype=bool)
    for i in (3, 2, 1, 0):
        below |= tie & (z[:, i] < np.uint64(r[i]))
        tie &= z[:, i] == np.uint64(r[i])
    if not below.all():
        raise FileFormatError(f"{what}: value {int(np.flatnonzero(~below)[0])} is not below r")
    if tuple(z[0]) != (1, 0, 0, 0):
        raise FileFormatError(f"{what}: witness must start with the constant 1")
    return z


def read_wtns_array(path: str | Path) -> np.ndarray:
    return parse_wtns_array(_read(path), str(path))
