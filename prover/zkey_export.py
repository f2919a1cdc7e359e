"""Write a proving key as a snarkjs Groth16 ``.zkey`` (the layout ``prover.zkey`` reads).

For interop and benchmarks: ``snarkjs groth16 prove`` accepts the file, so both provers
can run on one key.  Section 10 (the ceremony record) holds a zero hash and no
contributions: such a file proves fine but is not a ceremony transcript, and a key
from ``prover.setup`` stays a dev key (INSECURE) whatever its file format.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from prover.convert import g1_from_py_ecc, g2_from_py_ecc
from prover.keys import ProvingKey
from prover.points import Q, R, g1_array, g2_array
from prover.qap import QapCoefficients
from prover.zkey import _COEF, GROTH16, MAGIC


def _section(kind: int, body: bytes) -> bytes:
    return struct.pack("<IQ", kind, len(body)) + body


def _raw(arr: np.ndarray) -> bytes:
    return np.ascontiguousarray(arr, dtype="<u8").tobytes()


def encode_zkey(pk: ProvingKey, coeffs: QapCoefficients) -> bytes:
    """The ``.zkey`` bytes of pk with the A/B coefficients (C entries are dropped, as in snarkjs)."""
    vk = pk.vk
    header = struct.pack("<I", 32) + Q.to_bytes(32, "little") + struct.pack("<I", 32) + R.to_bytes(32, "little")
    header += struct.pack("<III", len(pk.a_query), pk.num_inputs, pk.domain_size)
    gamma2 = g2_array([g2_from_py_ecc(vk.gamma_g2)])
    header += b"".join(_raw(p) for p in (pk.alpha_g1, pk.beta_g1, pk.beta_g2, gamma2, pk.delta_g1, pk.delta_g2))
    keep = coeffs.matrix < 2
    rec = np.zeros(int(keep.sum()), dtype=_COEF)
    for name in ("matrix", "row", "col", "value"):
        rec[name] = getattr(coeffs, name)[keep]
    sections = [
        (1, struct.pack("<I", GROTH16)),
        (2, header),
        (3, _raw(g1_array([g1_from_py_ecc(p) for p in vk.gamma_abc_g1]))),
        (4, struct.pack("<I", len(rec)) + rec.tobytes()),
        (5, _raw(pk.a_query)),
        (6, _raw(pk.b_g1_query)),
        (7, _raw(pk.b_g2_query)),
        (8, _raw(pk.l_query)),
        (9, _raw(pk.h_query)),
        (10, bytes(64) + struct.pack("<I", 0)),
    ]
    return MAGIC + struct.pack("<II", 1, len(sections)) + b"".join(_section(k, b) for k, b in sections)


def write_zkey(pk: ProvingKey, coeffs: QapCoefficients, path: str | Path) -> None:
    Path(path).write_bytes(encode_zkey(pk, coeffs))
