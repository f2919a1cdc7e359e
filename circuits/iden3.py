"""Readers and writers for iden3 binary files: ``.r1cs`` (version 1) and ``.wtns`` (version 2).

Both files are ``magic | version u32 | nSections u32`` followed by sections
``type u32 | size u64 | body``, little-endian, field elements in normal form as
``n8`` little-endian bytes.  Only BN254 (prime = r, n8 = 32) is accepted.

The readers take hostile input: every count in a file is checked against the bytes
that are actually there *before* anything of that size is built, so a file can
never make the reader (or a later ``setup`` sized by it) allocate more than a small
multiple of the file's own length.  What a count costs at the least:

- a section header 12 bytes, a constraint 12 (three empty linear combinations),
  a term 36 (wire u32 + coefficient), a witness value 32;
- a wire 8 bytes: the wire-to-label map (section 3, one u64 per wire) is required
  and must hold exactly ``nWires`` entries, which bounds ``nWires`` by the file.

Each section type appears at most once and lies inside the file; unknown section
types are skipped (as the format asks), but circom's custom-gate sections (4, 5:
PLONK only) are refused.  Every malformed file raises :class:`FileFormatError`
(a ``CircuitError``) naming what is wrong; values are never echoed whole.
"""

from __future__ import annotations

import os
import stat
import struct
from pathlib import Path

import numpy as np

from circuits.errors import FileFormatError
from circuits.field import FIELD_BYTES, R
from circuits.r1cs import R1CSMatrices, Terms

R1CS_HEADER, R1CS_CONSTRAINTS, R1CS_WIRE2LABEL = 1, 2, 3
R1CS_CUSTOM_GATES = (4, 5)  # circom custom-gate list and uses (PLONK)
WTNS_HEADER, WTNS_DATA = 1, 2
SECTION_HEADER_BYTES = 12  # type u32 + size u64
TERM_BYTES = 4 + FIELD_BYTES  # wire id + coefficient
LC_MIN_BYTES = 4  # an empty linear combination: its term count
CONSTRAINT_MIN_BYTES = 3 * LC_MIN_BYTES
LABEL_BYTES = 8  # one u64 label id per wire
MAX_FILE_BYTES = 1 << 30  # 1 GiB: ~30M terms; a Python prover cannot use a larger circuit
MAX_CONSTRAINTS = 1 << 24  # more than zkdx proves; bounds the rows built (~250 B each) from a small file
_PRIME_BYTES = R.to_bytes(FIELD_BYTES, "little")


class _Reader:
    """Bounds-checked little-endian cursor over ``data[start:end]``."""

    def __init__(self, data: bytes, what: str, start: int = 0, end: int | None = None) -> None:
        self.data = memoryview(data)
        self.pos = start
        self.end = len(data) if end is None else end
        self.what = what

    @property
    def left(self) -> int:
        return self.end - self.pos

    def take(self, n: int) -> memoryview:
        if n < 0 or n > self.left:
            raise FileFormatError(f"{self.what}: truncated at byte {self.pos} (wanted {n} more, {self.left} left)")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def u32(self) -> int:
        return struct.unpack("<I", self.take(4))[0]

    def u64(self) -> int:
        return struct.unpack("<Q", self.take(8))[0]

    def field(self) -> int:
        at = self.pos
        v = int.from_bytes(self.take(FIELD_BYTES), "little")
        if v >= R:
            raise FileFormatError(f"{self.what}: field element at byte {at} is not below r")
        return v

    def count(self, n: int, unit: int, of: str) -> int:
        """n itself, once n items of at least ``unit`` bytes each can fit in what is left."""
        if n * unit > self.left:
            raise FileFormatError(
                f"{self.what}: {n} {of} need at least {n * unit} bytes, only {self.left} left at byte {self.pos}"
            )
        return n

    def done(self, section: str) -> None:
        if self.left:
            raise FileFormatError(f"{self.what}: {section} section has {self.left} bytes too many")


def _sections(data: bytes, magic: bytes, version: int, what: str) -> dict[int, tuple[int, int]]:
    """Parse the container; return {type: (start, end)} with every section inside the file, each once."""
    rd = _Reader(data, what)
    if bytes(rd.take(4)) != magic:
        raise FileFormatError(f"{what}: bad magic, expected {magic!r}")
    got = rd.u32()
    if got != version:
        raise FileFormatError(f"{what}: unsupported version {got}, expected {version}")
    sections: dict[int, tuple[int, int]] = {}
    for _ in range(rd.count(rd.u32(), SECTION_HEADER_BYTES, "sections")):
        kind, size = rd.u32(), rd.u64()
        start = rd.pos
        rd.take(size)
        if kind in sections:
            raise FileFormatError(f"{what}: section {kind} appears twice")
        sections[kind] = (start, start + size)
    if rd.left:
        raise FileFormatError(f"{what}: {rd.left} trailing bytes after the last section")
    return sections


def _section(data: bytes, sections: dict[int, tuple[int, int]], kind: int, what: str) -> _Reader:
    if kind not in sections:
        raise FileFormatError(f"{what}: required section {kind} is missing")
    return _Reader(data, what, *sections[kind])


def _field_header(rd: _Reader) -> None:
    n8 = rd.u32()
    if n8 != FIELD_BYTES:
        raise FileFormatError(f"{rd.what}: field size {n8} bytes, only 32 (BN254) is supported")
    if bytes(rd.take(n8)) != _PRIME_BYTES:
        raise FileFormatError(f"{rd.what}: prime is not the BN254 scalar field")


# .r1cs ---------------------------------------------------------------------
def parse_r1cs(data: bytes, what: str = "r1cs") -> R1CSMatrices:
    """Matrices of an iden3 .r1cs file; public inputs are the outputs then the public inputs."""
    sections = _sections(data, b"r1cs", 1, what)
    custom = sorted(set(R1CS_CUSTOM_GATES) & set(sections))
    if custom:
        raise FileFormatError(f"{what}: custom-gate sections {custom} (PLONK) cannot be proved with Groth16")
    n_wires, num_inputs, n_constraints = _r1cs_header(_section(data, sections, R1CS_HEADER, what))
    labels = _section(data, sections, R1CS_WIRE2LABEL, what)
    if labels.left != n_wires * LABEL_BYTES:
        raise FileFormatError(f"{what}: wire-to-label map holds {labels.left} bytes for {n_wires} wires (8 each)")
    rd = _section(data, sections, R1CS_CONSTRAINTS, what)
    rows = _read_constraints(rd, rd.count(n_constraints, CONSTRAINT_MIN_BYTES, "constraints"), n_wires)
    return R1CSMatrices(
        num_inputs=num_inputs,
        num_aux=n_wires - 1 - num_inputs,
        a=rows[0],
        b=rows[1],
        c=rows[2],
        names=[f"constraint #{i}" for i in range(n_constraints)],
    )


def _r1cs_header(hd: _Reader) -> tuple[int, int, int]:
    """(nWires, public inputs = outputs + public inputs, nConstraints), wire counts consistent."""
    _field_header(hd)
    n_wires, n_out, n_pub_in, n_prv_in = hd.u32(), hd.u32(), hd.u32(), hd.u32()
    hd.u64()  # nLabels: labels are not used here
    n_constraints = hd.u32()
    hd.done("header")
    if n_constraints > MAX_CONSTRAINTS:
        raise FileFormatError(f"{hd.what}: {n_constraints} constraints, more than zkdx proves (2^24)")
    if n_wires < 1 or 1 + n_out + n_pub_in + n_prv_in > n_wires:
        raise FileFormatError(
            f"{hd.what}: {n_wires} wires cannot hold the constant one, {n_out} outputs, "
            f"{n_pub_in} public and {n_prv_in} private inputs"
        )
    return n_wires, n_out + n_pub_in, n_constraints


def _read_constraints(rd: _Reader, count: int, n_wires: int) -> tuple[list[Terms], list[Terms], list[Terms]]:
    rows: tuple[list[Terms], list[Terms], list[Terms]] = ([], [], [])
    for _ in range(count):
        for matrix in rows:
            matrix.append(_read_lc(rd, n_wires))
    rd.done("constraints")
    return rows


def _read_lc(rd: _Reader, n_wires: int) -> Terms:
    """One linear combination; repeated wires add up, zero coefficients are dropped."""
    n = rd.count(rd.u32(), TERM_BYTES, "terms")
    start, raw = rd.pos, rd.take(n * TERM_BYTES)
    lc: Terms = {}
    for i in range(0, n * TERM_BYTES, TERM_BYTES):
        wire, coeff = int.from_bytes(raw[i : i + 4], "little"), int.from_bytes(raw[i + 4 : i + TERM_BYTES], "little")
        if wire >= n_wires or coeff >= R:
            what = f"wire {wire} out of range ({n_wires} wires)" if wire >= n_wires else "coefficient not below r"
            raise FileFormatError(f"{rd.what}: {what} in the term at byte {start + i}")
        lc[wire] = (lc.get(wire, 0) + coeff) % R
    return {k: v for k, v in lc.items() if v}


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
    hd = _section(data, sections, WTNS_HEADER, what)
    _field_header(hd)
    n = hd.u32()
    hd.done("header")
    rd = _section(data, sections, WTNS_DATA, what)
    if rd.left != n * FIELD_BYTES:
        raise FileFormatError(f"{what}: data section holds {rd.left} bytes, {n} values need {n * FIELD_BYTES}")
    return n, rd


def parse_wtns(data: bytes, what: str = "wtns") -> list[int]:
    """The full assignment z stored in a .wtns file (z[0] must be 1, every value below r)."""
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


def _read(path: str | Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """A regular file of at most ``limit`` bytes, checked before reading: a device (/dev/zero),
    a directory or a larger file is refused without reading it; opened non-blocking, so a named
    pipe with no writer is refused too instead of hanging the open."""
    try:
        with os.fdopen(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb") as f:
            info = os.fstat(f.fileno())
            if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
                raise FileFormatError(f"{path}: not a regular file of at most {limit >> 20} MiB")
            return f.read(limit)
    except OSError as exc:
        raise FileFormatError(f"{path}: cannot read: {exc.strerror or exc}") from exc


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
