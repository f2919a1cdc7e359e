"""Multi-precision arithmetic on 4 x 64-bit limbs (little-endian) for numba kernels.

An element is a ``UniTuple(uint64, 4)``.  The three carry primitives are LLVM
intrinsics on 128-bit integers (``mac``, ``adc``, ``sbb``), which LLVM lowers to
``mul``/``adc``/``sbb`` instructions.  ``mont_*`` implement Montgomery arithmetic
(R = 2^256) for any odd modulus m < 2^254 given as ``(m0, m1, m2, m3, -m^-1 mod 2^64)``;
callers pass module-level constant tuples, which LLVM folds after inlining.
Inputs and outputs of every ``mont_*`` function are fully reduced (in [0, m)).

Numba pitfall: a ``uint64`` combined with a Python int literal becomes float64, so
every constant here is an explicit ``np.uint64``.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

from prover.backend import configure_numba_cache

configure_numba_cache()

U64 = np.uint64
ZERO = U64(0)
ONE = U64(1)
_U64 = types.uint64
_PAIR = types.UniTuple(_U64, 2)
_I64 = ir.IntType(64)
_I128 = ir.IntType(128)


def _pair(context, builder, ret, wide):
    lo = builder.trunc(wide, _I64)
    hi = builder.trunc(builder.lshr(wide, ir.Constant(_I128, 64)), _I64)
    return context.make_tuple(builder, ret, (lo, hi))


@intrinsic
def mac(typingctx, a, b, c, d):
    """(lo, hi) of a*b + c + d, which always fits 128 bits."""
    sig = _PAIR(_U64, _U64, _U64, _U64)

    def codegen(context, builder, signature, args):
        x, y, u, v = (builder.zext(arg, _I128) for arg in args)
        return _pair(context, builder, signature.return_type, builder.add(builder.add(builder.mul(x, y), u), v))

    return sig, codegen


@intrinsic
def adc(typingctx, a, b, carry):
    """(sum, carry out) of a + b + carry."""
    sig = _PAIR(_U64, _U64, _U64)

    def codegen(context, builder, signature, args):
        x, y, c = (builder.zext(arg, _I128) for arg in args)
        return _pair(context, builder, signature.return_type, builder.add(builder.add(x, y), c))

    return sig, codegen


@intrinsic
def sbb(typingctx, a, b, borrow):
    """(difference, borrow out in {0, 1}) of a - b - borrow."""
    sig = _PAIR(_U64, _U64, _U64)

    def codegen(context, builder, signature, args):
        x, y, c = (builder.zext(arg, _I128) for arg in args)
        wide = builder.sub(builder.sub(x, y), c)
        lo = builder.trunc(wide, _I64)
        hi = builder.trunc(builder.lshr(wide, ir.Constant(_I128, 127)), _I64)
        return context.make_tuple(builder, signature.return_type, (lo, hi))

    return sig, codegen


@njit(forceinline=True)
def sub4(a, b):
    """(a - b mod 2^256, borrow)."""
    d0, c = sbb(a[0], b[0], ZERO)
    d1, c = sbb(a[1], b[1], c)
    d2, c = sbb(a[2], b[2], c)
    d3, c = sbb(a[3], b[3], c)
    return (d0, d1, d2, d3), c


@njit(forceinline=True)
def add4(a, b):
    """a + b mod 2^256 (callers guarantee no overflow)."""
    s0, c = adc(a[0], b[0], ZERO)
    s1, c = adc(a[1], b[1], c)
    s2, c = adc(a[2], b[2], c)
    s3, c = adc(a[3], b[3], c)
    return (s0, s1, s2, s3)


@njit(forceinline=True)
def select(mask, a, b):
    """a where mask is all ones, b where it is zero (branch-free)."""
    n = ~mask
    return ((a[0] & mask) | (b[0] & n), (a[1] & mask) | (b[1] & n),
            (a[2] & mask) | (b[2] & n), (a[3] & mask) | (b[3] & n))  # fmt: skip


@njit(forceinline=True)
def reduce_once(t, m):
    """t - m if t >= m else t, for t < 2m."""
    d, borrow = sub4(t, (m[0], m[1], m[2], m[3]))
    return select(ZERO - borrow, t, d)


@njit(forceinline=True)
def mont_add(a, b, m):
    return reduce_once(add4(a, b), m)


@njit(forceinline=True)
def mont_sub(a, b, m):
    d, borrow = sub4(a, b)
    mask = ZERO - borrow
    return add4(d, (m[0] & mask, m[1] & mask, m[2] & mask, m[3] & mask))


@njit(forceinline=True)
def mont_neg(a, m):
    return mont_sub((ZERO, ZERO, ZERO, ZERO), a, m)


@njit(forceinline=True)
def _round(t, a, bi, m):
    """One outer step of CIOS Montgomery multiplication, no-carry variant (m < 2^254)."""
    t0, hi_a = mac(a[0], bi, t[0], ZERO)
    k = t0 * m[4]
    hi_c = mac(k, m[0], t0, ZERO)[1]
    lo, hi_a = mac(a[1], bi, hi_a, t[1])
    r0, hi_c = mac(k, m[1], lo, hi_c)
    lo, hi_a = mac(a[2], bi, hi_a, t[2])
    r1, hi_c = mac(k, m[2], lo, hi_c)
    lo, hi_a = mac(a[3], bi, hi_a, t[3])
    r2, hi_c = mac(k, m[3], lo, hi_c)
    return (r0, r1, r2, hi_c + hi_a)


@njit(forceinline=True)
def mont_mul(a, b, m):
    """a * b / 2^256 mod m."""
    t = (ZERO, ZERO, ZERO, ZERO)
    t = _round(t, a, b[0], m)
    t = _round(t, a, b[1], m)
    t = _round(t, a, b[2], m)
    t = _round(t, a, b[3], m)
    return reduce_once(t, m)


@njit(forceinline=True)
def load4(a, i):
    """Row i of an (n, 4) limb array as a 4-tuple."""
    return (a[i, 0], a[i, 1], a[i, 2], a[i, 3])


@njit(forceinline=True)
def store4(a, i, v):
    a[i, 0] = v[0]
    a[i, 1] = v[1]
    a[i, 2] = v[2]
    a[i, 3] = v[3]


@njit(forceinline=True)
def is_zero(a):
    return (a[0] | a[1] | a[2] | a[3]) == ZERO


@njit(forceinline=True)
def eq(a, b):
    return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3])) == ZERO


# ---------------------------------------------------------------- host-side helpers
def modulus_tuple(m: int) -> tuple:
    """The constant tuple the ``mont_*`` functions take for modulus m."""
    if m % 2 == 0 or m.bit_length() > 254:
        raise ValueError("modulus must be odd and below 2^254")
    inv = (-pow(m, -1, 1 << 64)) % (1 << 64)
    return tuple(U64((m >> (64 * i)) & 0xFFFFFFFFFFFFFFFF) for i in range(4)) + (U64(inv),)


def to_limbs(x: int) -> tuple:
    return tuple(U64((x >> (64 * i)) & 0xFFFFFFFFFFFFFFFF) for i in range(4))


def from_limbs(limbs) -> int:
    return sum(int(v) << (64 * i) for i, v in enumerate(limbs))
