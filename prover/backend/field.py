"""BN254 fields for numba kernels: Fq (base), Fq2 = Fq[u]/(u^2 + 1) and Fr (scalars).

All elements are in Montgomery form.  Fq and Fr elements are ``UniTuple(uint64, 4)``;
an Fq2 element is a pair of Fq elements ``(c0, c1)`` meaning c0 + c1·u, as in py_ecc.
``fe_add/fe_sub/fe_mul/fe_sqr/fe_double/fe_neg/fe_is_zero/fe_eq`` are overloaded on
Fq and Fq2 so that the curve formulas are written once for G1 and G2.
"""

from __future__ import annotations

from numba import njit, types
from numba.extending import overload
from py_ecc.optimized_bn128 import b2, curve_order, field_modulus

from prover.backend.limbs import (
    ZERO,
    eq,
    from_limbs,
    is_zero,
    modulus_tuple,
    mont_add,
    mont_mul,
    mont_neg,
    mont_sub,
    to_limbs,
)

Q = field_modulus
R = curve_order
FQ_M = modulus_tuple(Q)
FR_M = modulus_tuple(R)
MONT_R = 1 << 256
FQ_ONE = to_limbs(MONT_R % Q)  # 1 in Montgomery form
FQ_R2 = to_limbs(MONT_R * MONT_R % Q)
FR_ONE = to_limbs(MONT_R % R)
FR_R2 = to_limbs(MONT_R * MONT_R % R)
FQ_ZERO = (ZERO, ZERO, ZERO, ZERO)
_B2 = b2.coeffs  # py_ecc's twist coefficient 3/(9 + u)
G1_B = to_limbs(3 * MONT_R % Q)  # y^2 = x^3 + 3
G2_B = (to_limbs(int(_B2[0]) * MONT_R % Q), to_limbs(int(_B2[1]) * MONT_R % Q))


# ---------------------------------------------------------------- Fq
@njit(forceinline=True)
def fq_mul(a, b):
    return mont_mul(a, b, FQ_M)


@njit(forceinline=True)
def fq_add(a, b):
    return mont_add(a, b, FQ_M)


@njit(forceinline=True)
def fq_sub(a, b):
    return mont_sub(a, b, FQ_M)


@njit(forceinline=True)
def fq_neg(a):
    return mont_neg(a, FQ_M)


@njit(forceinline=True)
def fq_pow(a, e):
    """a^e for e given as 4 little-endian limbs (square and multiply, MSB first)."""
    acc = FQ_ONE
    for limb in range(3, -1, -1):
        word = e[limb]
        for bit in range(63, -1, -1):
            acc = fq_mul(acc, acc)
            if (word >> types.uint64(bit)) & types.uint64(1):
                acc = fq_mul(acc, a)
    return acc


FQ_P_MINUS_2 = to_limbs(Q - 2)


@njit(forceinline=True)
def fq_inv(a):
    """a^(q-2): the inverse of a non-zero a, 0 for 0."""
    return fq_pow(a, FQ_P_MINUS_2)


# ---------------------------------------------------------------- Fr
@njit(forceinline=True)
def fr_mul(a, b):
    return mont_mul(a, b, FR_M)


@njit(forceinline=True)
def fr_add(a, b):
    return mont_add(a, b, FR_M)


@njit(forceinline=True)
def fr_sub(a, b):
    return mont_sub(a, b, FR_M)


# ---------------------------------------------------------------- Fq2
@njit(forceinline=True)
def fq2_mul(a, b):
    t0 = fq_mul(a[0], b[0])
    t1 = fq_mul(a[1], b[1])
    t2 = fq_mul(fq_add(a[0], a[1]), fq_add(b[0], b[1]))
    return fq_sub(t0, t1), fq_sub(fq_sub(t2, t0), t1)


@njit(forceinline=True)
def fq2_sqr(a):
    t = fq_mul(a[0], a[1])
    return fq_mul(fq_add(a[0], a[1]), fq_sub(a[0], a[1])), fq_add(t, t)


# ---------------------------------------------------------------- generic over Fq and Fq2
# Each fe_* below has a plain-Python body, the twin of its numba overload (kernels compile the
# overload; Python callers and the differential tests run the body, on exact integers).
_FQ = types.UniTuple(types.uint64, 4)
_FQ2 = types.UniTuple(_FQ, 2)
_MONT_INV = pow(MONT_R, -1, Q)


def _is_fq2(a) -> bool:
    return isinstance(a[0], tuple)


def _val(a) -> int:
    return from_limbs(a)


def _fq(v: int) -> tuple:
    return to_limbs(v)


def _each(op, a, b) -> tuple:
    return op(a[0], b[0]), op(a[1], b[1])


def fe_add(a, b):
    """a + b in Fq or Fq2 (Montgomery limbs).  Python runs this body; kernels compile the overload."""
    return _each(fe_add, a, b) if _is_fq2(a) else _fq((_val(a) + _val(b)) % Q)


def fe_sub(a, b):
    return _each(fe_sub, a, b) if _is_fq2(a) else _fq((_val(a) - _val(b)) % Q)


def fe_mul(a, b):
    """Montgomery product: x·y·2^-256 mod q on the limb values (Fq2: (a0b0 − a1b1) + (a0b1 + a1b0)·u)."""
    if not _is_fq2(a):
        return _fq(_val(a) * _val(b) * _MONT_INV % Q)
    a0b0, a1b1 = fe_mul(a[0], b[0]), fe_mul(a[1], b[1])
    return fe_sub(a0b0, a1b1), fe_add(fe_mul(a[0], b[1]), fe_mul(a[1], b[0]))


def fe_sqr(a):
    return fe_mul(a, a)


def fe_neg(a):
    return tuple(fe_neg(c) for c in a) if _is_fq2(a) else _fq(-_val(a) % Q)


def fe_is_zero(a):
    return all(fe_is_zero(c) for c in a) if _is_fq2(a) else _val(a) == 0


def fe_eq(a, b):
    return fe_is_zero(fe_sub(a, b))


_OPTS = {"jit_options": {"forceinline": True}}


@overload(fe_add, **_OPTS)
def _ov_add(a, b):
    if a == _FQ:
        return lambda a, b: fq_add(a, b)
    if a == _FQ2:
        return lambda a, b: (fq_add(a[0], b[0]), fq_add(a[1], b[1]))
    return None


@overload(fe_sub, **_OPTS)
def _ov_sub(a, b):
    if a == _FQ:
        return lambda a, b: fq_sub(a, b)
    if a == _FQ2:
        return lambda a, b: (fq_sub(a[0], b[0]), fq_sub(a[1], b[1]))
    return None


@overload(fe_mul, **_OPTS)
def _ov_mul(a, b):
    if a == _FQ:
        return lambda a, b: fq_mul(a, b)
    if a == _FQ2:
        return lambda a, b: fq2_mul(a, b)
    return None


@overload(fe_sqr, **_OPTS)
def _ov_sqr(a):
    if a == _FQ:
        return lambda a: fq_mul(a, a)
    if a == _FQ2:
        return lambda a: fq2_sqr(a)
    return None


@overload(fe_neg, **_OPTS)
def _ov_neg(a):
    if a == _FQ:
        return lambda a: fq_neg(a)
    if a == _FQ2:
        return lambda a: (fq_neg(a[0]), fq_neg(a[1]))
    return None


@overload(fe_is_zero, **_OPTS)
def _ov_is_zero(a):
    if a == _FQ:
        return lambda a: is_zero(a)
    if a == _FQ2:
        return lambda a: is_zero(a[0]) and is_zero(a[1])
    return None


@overload(fe_eq, **_OPTS)
def _ov_eq(a, b):
    if a == _FQ:
        return lambda a, b: eq(a, b)
    if a == _FQ2:
        return lambda a, b: eq(a[0], b[0]) and eq(a[1], b[1])
    return None


def fe_one_like(a):
    return (FQ_ONE, FQ_ZERO) if _is_fq2(a) else FQ_ONE


def fe_zero_like(a):
    return (FQ_ZERO, FQ_ZERO) if _is_fq2(a) else FQ_ZERO


@overload(fe_one_like, **_OPTS)
def _ov_one(a):
    if a == _FQ:
        return lambda a: FQ_ONE
    if a == _FQ2:
        return lambda a: (FQ_ONE, FQ_ZERO)
    return None


@overload(fe_zero_like, **_OPTS)
def _ov_zero(a):
    if a == _FQ:
        return lambda a: FQ_ZERO
    if a == _FQ2:
        return lambda a: (FQ_ZERO, FQ_ZERO)
    return None


@njit(forceinline=True)
def fq2_inv(a):
    """1/(a0 + a1·u) = (a0 - a1·u)/(a0^2 + a1^2); 0 for 0."""
    t = fq_inv(fq_add(fq_mul(a[0], a[0]), fq_mul(a[1], a[1])))
    return fq_mul(a[0], t), fq_neg(fq_mul(a[1], t))


def fe_inv(a):
    """1/a (0 for 0): in Montgomery form 2^512/m mod q for m = a·2^256; Fq2 as ``fq2_inv``."""
    if not _is_fq2(a):
        return _fq(pow(_val(a), -1, Q) * MONT_R * MONT_R % Q if _val(a) else 0)
    t = fe_inv(fe_add(fe_sqr(a[0]), fe_sqr(a[1])))
    return fe_mul(a[0], t), fe_neg(fe_mul(a[1], t))


@overload(fe_inv, **_OPTS)
def _ov_inv(a):
    if a == _FQ:
        return lambda a: fq_inv(a)
    if a == _FQ2:
        return lambda a: fq2_inv(a)
    return None


def fe_curve_b(a):
    return G2_B if _is_fq2(a) else G1_B


@overload(fe_curve_b, **_OPTS)
def _ov_curve_b(a):
    """The constant b of the curve over a's field: 3 for G1, 3/(9 + u) for G2."""
    if a == _FQ:
        return lambda a: G1_B
    if a == _FQ2:
        return lambda a: G2_B
    return None
