"""Fr (the BN254 scalar field) on four 64-bit limbs, for numba kernels: the one limb module of Fr.

An element is a ``UniTuple(uint64, 4)``, little-endian.  Kernels keep values in
Montgomery form x·2^256 mod r; ``mul`` is CIOS Montgomery multiplication in its
no-carry variant (valid because r < 2^254, so the top limb of r is below 2^63 − 1).
Every function takes and returns values in [0, r).  The carry primitives are LLVM
intrinsics on i128 (``mac``, ``adc``, ``sbb``), which LLVM lowers to mul/adc/sbb.

Host side: ``to_array`` / ``from_array`` move ints in and out as little-endian uint64
arrays (one row per element); conversion to and from Montgomery form happens in the
kernels (``to_mont``, ``from_mont``).

Numba pitfall: a ``uint64`` combined with a Python int literal becomes float64, so
every constant here is an explicit ``np.uint64``.  Poseidon, Baby Jubjub and the NTT
all live in Fr; share this module rather than writing the limbs twice.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import numba
import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

from circuits.field import R

_HERE = Path(__file__).resolve().parent


def cache_dir() -> Path:
    """Where the compiled kernels of ``circuits.native`` live: named after a digest of this file and
    every ``*_nb.py`` kernel module, because numba only watches the file that defines a function,
    not the files whose functions it inlines.  ``$ZKDX_NUMBA_CACHE`` replaces the default root,
    ``<sys.prefix>/share/zkdx-numba``."""
    h = hashlib.sha256()
    for path in [_HERE / "fr_limbs.py", *sorted(_HERE.glob("*_nb.py"))]:
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    root = os.environ.get("ZKDX_NUMBA_CACHE") or str(Path(sys.prefix) / "share" / "zkdx-numba")
    return Path(root) / f"native-{h.hexdigest()[:16]}"


def configure_cache() -> None:
    """Point numba's disk cache at ``cache_dir()`` for the kernels decorated after this call
    (an explicit ``$NUMBA_CACHE_DIR`` wins; an unwritable directory leaves numba's default)."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    path = cache_dir()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return
    numba.config.CACHE_DIR = str(path)


configure_cache()

U64 = np.uint64
ZERO = U64(0)
MASK64 = (1 << 64) - 1
_I64, _I128 = ir.IntType(64), ir.IntType(128)
_PAIR = types.UniTuple(types.uint64, 2)


def _limbs(x: int) -> tuple:
    return tuple(U64((x >> (64 * i)) & MASK64) for i in range(4))


P = _limbs(R)  # r
P_INV = U64((-pow(R, -1, 1 << 64)) & MASK64)  # −r⁻¹ mod 2^64
R2 = _limbs((1 << 512) % R)  # 2^512 mod r: mul(x, R2) = x in Montgomery form
ONE = _limbs((1 << 256) % R)  # 1 in Montgomery form
RAW_ONE = (U64(1), ZERO, ZERO, ZERO)  # mul(x, RAW_ONE) leaves Montgomery form


def _split(context, builder, ret, wide):  # noqa: ANN001
    lo = builder.trunc(wide, _I64)
    hi = builder.trunc(builder.lshr(wide, ir.Constant(_I128, 64)), _I64)
    return context.make_tuple(builder, ret, (lo, hi))


@intrinsic
def mac(typingctx, a, b, c, d):  # noqa: ANN001, ANN201
    """(lo, hi) of a·b + c + d (fits 128 bits for 64-bit inputs)."""

    def codegen(context, builder, signature, args):  # noqa: ANN001
        x, y, u, v = (builder.zext(arg, _I128) for arg in args)
        return _split(context, builder, signature.return_type, builder.add(builder.add(builder.mul(x, y), u), v))

    return _PAIR(types.uint64, types.uint64, types.uint64, types.uint64), codegen


@intrinsic
def adc(typingctx, a, b, carry):  # noqa: ANN001, ANN201
    """(a + b + carry mod 2^64, carry out)."""

    def codegen(context, builder, signature, args):  # noqa: ANN001
        x, y, c = (builder.zext(arg, _I128) for arg in args)
        return _split(context, builder, signature.return_type, builder.add(builder.add(x, y), c))

    return _PAIR(types.uint64, types.uint64, types.uint64), codegen


@intrinsic
def sbb(typingctx, a, b, borrow):  # noqa: ANN001, ANN201
    """(a − b − borrow mod 2^64, borrow out in {0, 1})."""

    def codegen(context, builder, signature, args):  # noqa: ANN001
        x, y, c = (builder.zext(arg, _I128) for arg in args)
        wide = builder.sub(builder.sub(x, y), c)
        lo = builder.trunc(wide, _I64)
        hi = builder.trunc(builder.lshr(wide, ir.Constant(_I128, 127)), _I64)
        return context.make_tuple(builder, signature.return_type, (lo, hi))

    return _PAIR(types.uint64, types.uint64, types.uint64), codegen


@njit(forceinline=True, cache=True)
def _sub_p_if_ge(a0, a1, a2, a3):  # noqa: ANN001
    """a − r if a ≥ r else a, for a < 2r."""
    d0, b = sbb(a0, P[0], ZERO)
    d1, b = sbb(a1, P[1], b)
    d2, b = sbb(a2, P[2], b)
    d3, b = sbb(a3, P[3], b)
    keep = ZERO - b  # all ones when a < r
    return ((a0 & keep) | (d0 & ~keep), (a1 & keep) | (d1 & ~keep),
            (a2 & keep) | (d2 & ~keep), (a3 & keep) | (d3 & ~keep))  # fmt: skip


@njit(forceinline=True, cache=True)
def _adc4(a, b, c):  # noqa: ANN001
    """(a + b + c mod 2^256, carry out) on four limbs."""
    s0, c = adc(a[0], b[0], c)
    s1, c = adc(a[1], b[1], c)
    s2, c = adc(a[2], b[2], c)
    s3, c = adc(a[3], b[3], c)
    return (s0, s1, s2, s3), c


@njit(forceinline=True, cache=True)
def add(a, b):  # noqa: ANN001, ANN201
    """a + b mod r."""
    s, _ = _adc4(a, b, ZERO)  # no carry out: a + b < 2r < 2^255
    return _sub_p_if_ge(s[0], s[1], s[2], s[3])


@njit(forceinline=True, cache=True)
def sub(a, b):  # noqa: ANN001, ANN201
    """a − b mod r."""
    d0, w = sbb(a[0], b[0], ZERO)
    d1, w = sbb(a[1], b[1], w)
    d2, w = sbb(a[2], b[2], w)
    d3, w = sbb(a[3], b[3], w)
    back = ZERO - w  # all ones when a < b: add r back
    return _adc4((d0, d1, d2, d3), (P[0] & back, P[1] & back, P[2] & back, P[3] & back), ZERO)[0]


@njit(forceinline=True, cache=True)
def _cios_step(t0, t1, t2, t3, a, bi):  # noqa: ANN001
    """t := (t + a·bi + k·r) / 2^64 with k chosen so the division is exact."""
    u0, ca = mac(a[0], bi, t0, ZERO)
    k = u0 * P_INV
    cr = mac(k, P[0], u0, ZERO)[1]
    u1, ca = mac(a[1], bi, t1, ca)
    v0, cr = mac(k, P[1], u1, cr)
    u2, ca = mac(a[2], bi, t2, ca)
    v1, cr = mac(k, P[2], u2, cr)
    u3, ca = mac(a[3], bi, t3, ca)
    v2, cr = mac(k, P[3], u3, cr)
    return v0, v1, v2, ca + cr


@njit(forceinline=True, cache=True)
def mul(a, b):  # noqa: ANN001, ANN201
    """a·b·2^-256 mod r (the Montgomery product)."""
    t0, t1, t2, t3 = _cios_step(ZERO, ZERO, ZERO, ZERO, a, b[0])
    t0, t1, t2, t3 = _cios_step(t0, t1, t2, t3, a, b[1])
    t0, t1, t2, t3 = _cios_step(t0, t1, t2, t3, a, b[2])
    t0, t1, t2, t3 = _cios_step(t0, t1, t2, t3, a, b[3])
    return _sub_p_if_ge(t0, t1, t2, t3)


@njit(forceinline=True, cache=True)
def mul_wide(a, b):  # noqa: ANN001, ANN201
    """The 512-bit product a·b as eight limbs (no reduction)."""
    r0, c = mac(a[0], b[0], ZERO, ZERO)
    r1, c = mac(a[1], b[0], c, ZERO)
    r2, c = mac(a[2], b[0], c, ZERO)
    r3, r4 = mac(a[3], b[0], c, ZERO)
    r1, c = mac(a[0], b[1], r1, ZERO)
    r2, c = mac(a[1], b[1], r2, c)
    r3, c = mac(a[2], b[1], r3, c)
    r4, r5 = mac(a[3], b[1], r4, c)
    r2, c = mac(a[0], b[2], r2, ZERO)
    r3, c = mac(a[1], b[2], r3, c)
    r4, c = mac(a[2], b[2], r4, c)
    r5, r6 = mac(a[3], b[2], r5, c)
    r3, c = mac(a[0], b[3], r3, ZERO)
    r4, c = mac(a[1], b[3], r4, c)
    r5, c = mac(a[2], b[3], r5, c)
    r6, r7 = mac(a[3], b[3], r6, c)
    return (r0, r1, r2, r3, r4, r5, r6, r7)


@njit(forceinline=True, cache=True)
def add_wide(a, b):  # noqa: ANN001, ANN201
    """a + b on eight limbs; callers keep the sum below 2^512 (at most 5 products of values < r)."""
    lo, c = _adc4(a[:4], b[:4], ZERO)
    hi, _ = _adc4(a[4:], b[4:], c)
    return lo + hi


@njit(forceinline=True, cache=True)
def _redc_step(m, lo, t1, t2, t3, t4, k):  # noqa: ANN001
    """Add m·r·2^(64i) at limb i (lo = limb i, which becomes zero); returns limbs i+1..i+4 and the carry."""
    c = mac(m, P[0], lo, ZERO)[1]
    t1, c = mac(m, P[1], t1, c)
    t2, c = mac(m, P[2], t2, c)
    t3, c = mac(m, P[3], t3, c)
    t4, k = adc(t4, c, k)
    return t1, t2, t3, t4, k


@njit(forceinline=True, cache=True)
def redc(w):  # noqa: ANN001, ANN201
    """w·2^-256 mod r for a wide value w < r·2^256 (e.g. a sum of up to 5 products of values < r)."""
    t1, t2, t3, t4, k = _redc_step(w[0] * P_INV, w[0], w[1], w[2], w[3], w[4], ZERO)
    t2, t3, t4, t5, k = _redc_step(t1 * P_INV, t1, t2, t3, t4, w[5], k)
    t3, t4, t5, t6, k = _redc_step(t2 * P_INV, t2, t3, t4, t5, w[6], k)
    t4, t5, t6, t7, k = _redc_step(t3 * P_INV, t3, t4, t5, t6, w[7], k)
    return _sub_p_if_ge(t4, t5, t6, t7)  # < 2r, and k = 0 because w < r·2^256


@njit(forceinline=True, cache=True)
def to_mont(a):  # noqa: ANN001, ANN201
    """x ↦ x·2^256 mod r, for x < r."""
    return mul(a, R2)


@njit(forceinline=True, cache=True)
def from_mont(a):  # noqa: ANN001, ANN201
    """x·2^256 ↦ x."""
    return mul(a, RAW_ONE)


@njit(forceinline=True, cache=True)
def load(arr, i):  # noqa: ANN001, ANN201
    """Row i of a (n, 4) uint64 array as an element."""
    return (arr[i, 0], arr[i, 1], arr[i, 2], arr[i, 3])


@njit(forceinline=True, cache=True)
def store(arr, i, a):  # noqa: ANN001, ANN201
    arr[i, 0], arr[i, 1], arr[i, 2], arr[i, 3] = a[0], a[1], a[2], a[3]


# ---- host side ---------------------------------------------------------------------------


def to_array(values: Sequence[int]) -> np.ndarray:
    """Field elements (ints in [0, r)) as an (n, 4) little-endian uint64 array (not Montgomery)."""
    data = b"".join(v.to_bytes(32, "little") for v in values)
    return np.frombuffer(data, dtype="<u8").reshape(len(values), 4)


def from_array(arr: np.ndarray) -> list[int]:
    """Rows of an (n, 4) uint64 array (not Montgomery) as ints."""
    data = arr.tobytes()
    return [int.from_bytes(data[i : i + 32], "little") for i in range(0, len(data), 32)]


def mont_array(values: Sequence[int]) -> np.ndarray:
    """Constants in Montgomery form as an (n, 4) array, converted once on the host."""
    return to_array([v * (1 << 256) % R for v in values])
