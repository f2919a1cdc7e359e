"""Point and scalar arrays: the prover's data layout, shared with snarkjs ``.zkey`` files.

Base field elements are 4 little-endian 64-bit limbs in Montgomery form (x·2^256 mod q),
exactly the bytes of a ``.zkey`` point section:

* G1 affine points: ``(n, 2, 4)`` uint64 (x, y); G2: ``(n, 2, 2, 4)`` (x.c0, x.c1, y.c0, y.c1);
  the all-zero row is the point at infinity (never on the curve, since b ≠ 0);
* Fr scalars: ``(n, 4)`` uint64 in normal form (the bytes of a ``.wtns`` data section).

Conversions to and from Python integers live here (numpy only, no numba), so the
gmpy2 reference backend and the API boundary (py_ecc points) share them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from py_ecc.optimized_bn128 import curve_order, field_modulus

Q = field_modulus
R = curve_order
MONT = 1 << 256
MONT_INV_Q = pow(MONT, -1, Q)
G1_SHAPE = (2, 4)
G2_SHAPE = (2, 2, 4)
Affine = tuple | None  # G1: (x, y); G2: ((x0, x1), (y0, y1)); None is infinity


def _words(values: Sequence[int]) -> np.ndarray:
    data = b"".join(int(v).to_bytes(32, "little") for v in values)
    return np.frombuffer(data, dtype="<u8").astype(np.uint64).reshape(len(values), 4)


def _ints(arr: np.ndarray) -> list[int]:
    data = np.ascontiguousarray(arr, dtype="<u8").tobytes()
    return [int.from_bytes(data[i : i + 32], "little") for i in range(0, len(data), 32)]


def fr_array(values: Sequence[int]) -> np.ndarray:
    """Fr values (each in [0, r)) as an (n, 4) normal-form array."""
    return _words(values) if len(values) else np.zeros((0, 4), dtype=np.uint64)


def fr_values(arr: np.ndarray) -> list[int]:
    return _ints(arr.reshape(-1, 4))


def g1_array(points: Sequence[Affine]) -> np.ndarray:
    """Affine G1 points (None for infinity) as an (n, 2, 4) Montgomery array."""
    coords = []
    for p in points:
        coords += (0, 0) if p is None else (int(p[0]) * MONT % Q, int(p[1]) * MONT % Q)
    return _words(coords).reshape(len(points), *G1_SHAPE) if points else np.zeros((0, *G1_SHAPE), np.uint64)


def g2_array(points: Sequence[Affine]) -> np.ndarray:
    coords = []
    for p in points:
        coords += (0,) * 4 if p is None else (int(c) * MONT % Q for c in (*p[0], *p[1]))
    return _words(coords).reshape(len(points), *G2_SHAPE) if points else np.zeros((0, *G2_SHAPE), np.uint64)


def _unmont(arr: np.ndarray) -> list[int]:
    return [v * MONT_INV_Q % Q for v in _ints(arr.reshape(-1, 4))]


def g1_affines(arr: np.ndarray) -> list[Affine]:
    c = _unmont(arr)
    return [None if not (c[i] or c[i + 1]) else (c[i], c[i + 1]) for i in range(0, len(c), 2)]


def g2_affines(arr: np.ndarray) -> list[Affine]:
    c = _unmont(arr)
    return [None if not any(c[i : i + 4]) else ((c[i], c[i + 1]), (c[i + 2], c[i + 3])) for i in range(0, len(c), 4)]


def xyzz_to_affine(arr: np.ndarray) -> Affine:
    """The one XYZZ point of a (1, 4, ...) array (x = X/ZZ, y = Y/ZZZ) as affine integers."""
    c = _unmont(arr)
    if arr.ndim == 3:  # G1
        x, y, zz, zzz = c
        if zz == 0:
            return None
        return x * pow(zz, -1, Q) % Q, y * pow(zzz, -1, Q) % Q
    x, y, zz, zzz = ((c[i], c[i + 1]) for i in range(0, 8, 2))
    if zz == (0, 0):
        return None
    return _f2_div(x, zz), _f2_div(y, zzz)


def _f2_div(a: tuple, b: tuple) -> tuple:
    """a / b in Fq2 = Fq[u]/(u^2 + 1)."""
    t = pow((b[0] * b[0] + b[1] * b[1]) % Q, -1, Q)
    inv = (b[0] * t % Q, -b[1] * t % Q)
    return (a[0] * inv[0] - a[1] * inv[1]) % Q, (a[0] * inv[1] + a[1] * inv[0]) % Q
