"""Import of snarkjs Groth16 ``.zkey`` files (a phase-2 ceremony's proving key).

Container: ``"zkey" | version u32 = 1 | nSections u32`` then sections
``type u32 | size u64 | body`` (little-endian).  Groth16 sections:

====  ==================================================================
1     protocol u32 (1 = Groth16)
2     n8q, q, n8r, r, nVars, nPublic, domainSize, [α]1, [β]1, [β]2, [γ]2, [δ]1, [δ]2
3     IC: (nPublic + 1) G1 points (the verifying key's γ-ABC query)
4     nCoef u32, then (matrix u32 ∈ {0 = A, 1 = B}, constraint u32, signal u32, v·R² mod r)
5-7   A (G1), B (G1), B (G2): nVars points each
8     C: nVars - nPublic - 1 G1 points (our L query)
9     H: domainSize G1 points [L^(2n)_(2i+1)(τ)/δ]1
10    ceremony hash and contributions (not needed to prove)
====  ==================================================================

Points are affine, Montgomery form, x then y (G2: c0 then c1), all zeros for infinity:
our own array layout (``prover.points``), so sections load straight into arrays.  The
reader is strict: every size is checked against the header and the file size before
anything is allocated, and every violation raises ZkeyFormatError: a wrong magic,
version, protocol or curve, a missing or repeated section, a section of the wrong
length, a coefficient outside the matrices, and a point whose coordinates are not
below q or which is not on its curve.  The verifying key's G2 points are also checked
to lie in the order-r subgroup (when ``pk.vk`` is first used); the B query's G2
points are checked on the curve only.
"""

from __future__ import annotations

import io
import struct
from pathlib import Path

import numpy as np

from prover.backend import get_backend
from prover.errors import ZkeyFormatError
from prover.keys import ProvingKey
from prover.points import G1_SHAPE, G2_SHAPE, Q, R, g1_affines, g2_affines
from prover.qap import QapCoefficients

MAGIC = b"zkey"
GROTH16 = 1
_HEADER_SIZE = 4 + 32 + 4 + 32 + 12 + 3 * 64 + 3 * 128
_COEF = np.dtype([("matrix", "<u4"), ("row", "<u4"), ("col", "<u4"), ("value", "<u8", (4,))])
MAX_SECTIONS = 64


class _File:
    """Bounds-checked reads of one open file; ``sections`` maps type -> (offset, size)."""

    def __init__(self, f: io.BufferedIOBase, size: int, what: str) -> None:
        self.f, self.size, self.what = f, size, what
        self.sections: dict[int, tuple[int, int]] = {}

    def fail(self, message: str) -> ZkeyFormatError:
        return ZkeyFormatError(f"{self.what}: {message}")

    def read(self, offset: int, n: int) -> bytes:
        if offset + n > self.size:
            raise self.fail(f"truncated at byte {offset} (wanted {n} more)")
        self.f.seek(offset)
        data = self.f.read(n)
        if len(data) != n:
            raise self.fail(f"truncated at byte {offset}")
        return data

    def section(self, kind: int, expected: int | None = None) -> tuple[int, int]:
        if kind not in self.sections:
            raise self.fail(f"required section {kind} is missing")
        offset, size = self.sections[kind]
        if expected is not None and size != expected:
            raise self.fail(f"section {kind} has {size} bytes, expected {expected}")
        return offset, size

    def array(self, kind: int, count: int, shape: tuple) -> np.ndarray:
        """Section ``kind`` read into an aligned uint64 array of ``count`` rows of ``shape``."""
        offset, _ = self.section(kind, count * 8 * int(np.prod(shape)))
        arr = np.empty((count, *shape), dtype=np.uint64)
        self.f.seek(offset)
        if self.f.readinto(memoryview(arr).cast("B")) != arr.nbytes:
            raise self.fail(f"section {kind} is truncated")
        return arr


def _scan(zf: _File) -> None:
    head = zf.read(0, 12)
    if head[:4] != MAGIC:
        raise zf.fail("not a .zkey file (bad magic)")
    version, count = struct.unpack("<II", head[4:])
    if version != 1:
        raise zf.fail(f"unsupported .zkey version {version}")
    if count > MAX_SECTIONS:
        raise zf.fail(f"{count} sections is more than a .zkey has")
    pos = 12
    for _ in range(count):
        kind, size = struct.unpack("<IQ", zf.read(pos, 12))
        if kind in zf.sections:
            raise zf.fail(f"section {kind} appears twice")
        if pos + 12 + size > zf.size:
            raise zf.fail(f"section {kind} runs past the end of the file")
        zf.sections[kind] = (pos + 12, size)
        pos += 12 + size
    if pos != zf.size:
        raise zf.fail(f"{zf.size - pos} trailing bytes after the last section")


def _header(zf: _File) -> dict:
    offset, _ = zf.section(1, 4)
    if struct.unpack("<I", zf.read(offset, 4))[0] != GROTH16:
        raise zf.fail("not a Groth16 key (protocol section)")
    offset, _ = zf.section(2, _HEADER_SIZE)
    body = zf.read(offset, _HEADER_SIZE)
    n8q, q = struct.unpack("<I", body[:4])[0], int.from_bytes(body[4:36], "little")
    n8r, r = struct.unpack("<I", body[36:40])[0], int.from_bytes(body[40:72], "little")
    if (n8q, q, n8r, r) != (32, Q, 32, R):
        raise zf.fail("the key is not for BN254 (bn128)")
    n_vars, n_public, domain = struct.unpack("<III", body[72:84])
    if not (1 <= n_public + 1 <= n_vars and domain >= n_public + 1 and domain & (domain - 1) == 0):
        raise zf.fail(f"inconsistent sizes: nVars {n_vars}, nPublic {n_public}, domainSize {domain}")
    if domain > 1 << 27:
        raise zf.fail(f"domainSize {domain} is beyond BN254's odd-coset limit 2^27")
    raw = np.frombuffer(body[84:], dtype="<u8").astype(np.uint64)
    g1 = lambda at: raw[at : at + 8].reshape(1, *G1_SHAPE)  # noqa: E731
    g2 = lambda at: raw[at : at + 16].reshape(1, *G2_SHAPE)  # noqa: E731
    return {"n_vars": n_vars, "n_public": n_public, "domain": domain, "alpha_g1": g1(0), "beta_g1": g1(8),
            "beta_g2": g2(16), "gamma_g2": g2(32), "delta_g1": g1(48), "delta_g2": g2(56)}  # fmt: skip


def _coefficients(zf: _File, h: dict) -> QapCoefficients:
    offset, size = zf.section(4)
    if size < 4:
        raise zf.fail("coefficient section is truncated")
    (count,) = struct.unpack("<I", zf.read(offset, 4))
    if size != 4 + count * _COEF.itemsize:
        raise zf.fail(f"coefficient section has {size} bytes, {count} coefficients need {4 + count * 44}")
    rec = np.frombuffer(zf.read(offset + 4, size - 4), dtype=_COEF)
    if count and (rec["matrix"].max() > 1 or rec["row"].max() >= h["domain"] or rec["col"].max() >= h["n_vars"]):
        raise zf.fail("a coefficient lies outside the A/B matrices of this key")
    value = np.ascontiguousarray(rec["value"], dtype=np.uint64)
    if _first_not_below(value, R) >= 0:
        raise zf.fail("a coefficient is not below r")
    inputs = rec["row"][rec["matrix"] == 0].max(initial=0) - h["n_public"] if count else 0
    return QapCoefficients(
        num_constraints=int(max(inputs, 0)),
        num_inputs=h["n_public"],
        num_variables=h["n_vars"],
        matrix=rec["matrix"].astype(np.uint32),
        row=rec["row"].astype(np.uint32),
        col=rec["col"].astype(np.uint32),
        value=value,
        has_c=False,
    )


def _first_not_below(limbs: np.ndarray, bound: int) -> int:
    """Index of the first 4-limb value >= bound (lexicographic from the top limb), or -1."""
    b = [(bound >> (64 * i)) & 0xFFFFFFFFFFFFFFFF for i in range(4)]
    ge = np.zeros(len(limbs), dtype=bool)
    eq = np.ones(len(limbs), dtype=bool)
    for i in (3, 2, 1, 0):
        col = limbs[:, i]
        ge |= eq & (col > np.uint64(b[i]))
        eq &= col == np.uint64(b[i])
    bad = np.flatnonzero(ge | eq)
    return int(bad[0]) if bad.size else -1


def _checked(zf: _File, name: str, arr: np.ndarray) -> np.ndarray:
    """arr once every coordinate is below q and every point on its curve (or infinity)."""
    i = _first_not_below(arr.reshape(-1, 4), Q)
    if i >= 0:
        raise zf.fail(f"{name}: a coordinate of point {i // (arr[0].size // 4)} is not below q")
    i = get_backend().first_off_curve(arr)
    if i >= 0:
        raise zf.fail(f"{name}: point {i} is not on the curve")
    return arr


def _vk_json(h: dict, ic: np.ndarray) -> str:
    """snarkjs vk JSON text from the raw points (parsed and validated lazily by ``pk.vk``)."""
    import json

    def g1(p: tuple | None) -> list[str]:
        return ["0", "0", "0"] if p is None else [str(p[0]), str(p[1]), "1"]

    def g2(p: tuple | None) -> list[list[str]]:
        if p is None:
            return [["0", "0"], ["0", "0"], ["0", "0"]]
        return [[str(p[0][0]), str(p[0][1])], [str(p[1][0]), str(p[1][1])], ["1", "0"]]

    (alpha,) = g1_affines(h["alpha_g1"])
    beta, gamma, delta = (g2_affines(h[k])[0] for k in ("beta_g2", "gamma_g2", "delta_g2"))
    return json.dumps({
        "protocol": "groth16", "curve": "bn128", "nPublic": h["n_public"],
        "vk_alpha_1": g1(alpha), "vk_beta_2": g2(beta), "vk_gamma_2": g2(gamma), "vk_delta_2": g2(delta),
        "IC": [g1(p) for p in g1_affines(ic)],
    })  # fmt: skip


def read_zkey_file(f: io.BufferedIOBase, size: int, what: str = "zkey") -> tuple[ProvingKey, QapCoefficients]:
    zf = _File(f, size, what)
    _scan(zf)
    h = _header(zf)
    coeffs = _coefficients(zf, h)
    n_vars, n_pub = h["n_vars"], h["n_public"]
    pts = {k: _checked(zf, k, h[k]) for k in ("alpha_g1", "beta_g1", "beta_g2", "gamma_g2", "delta_g1", "delta_g2")}
    ic = _checked(zf, "IC", zf.array(3, n_pub + 1, G1_SHAPE))
    queries = {
        "a_query": _checked(zf, "A", zf.array(5, n_vars, G1_SHAPE)),
        "b_g1_query": _checked(zf, "B1", zf.array(6, n_vars, G1_SHAPE)),
        "b_g2_query": _checked(zf, "B2", zf.array(7, n_vars, G2_SHAPE)),
        "l_query": _checked(zf, "C", zf.array(8, n_vars - n_pub - 1, G1_SHAPE)),
        "h_query": _checked(zf, "H", zf.array(9, h["domain"], G1_SHAPE)),
    }
    pk = ProvingKey(
        vk_json=_vk_json(h, ic),
        alpha_g1=pts["alpha_g1"],
        beta_g1=pts["beta_g1"],
        beta_g2=pts["beta_g2"],
        delta_g1=pts["delta_g1"],
        delta_g2=pts["delta_g2"],
        circuit_digest="",
        domain_size=h["domain"],
        num_inputs=n_pub,
        **queries,
    )
    return pk, coeffs


def read_zkey(path: str | Path) -> tuple[ProvingKey, QapCoefficients]:
    """The proving key and the A/B coefficients of a snarkjs Groth16 ``.zkey``."""
    try:
        with open(path, "rb") as f:
            return read_zkey_file(f, Path(path).stat().st_size, str(path))
    except OSError as exc:
        raise ZkeyFormatError(f"{path}: cannot read: {exc.strerror}") from exc


__all__ = ["read_zkey", "read_zkey_file"]
