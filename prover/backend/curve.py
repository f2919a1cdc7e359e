"""Short Weierstrass (a = 0) point arithmetic for numba kernels, generic over G1 (Fq) and G2 (Fq2).

Affine points are ``(x, y)``; bucket points are XYZZ ``(X, Y, ZZ, ZZZ)`` with
x = X/ZZ, y = Y/ZZZ and ZZ^3 = ZZZ^2 (Bernstein-Lange EFD, "xyzz" coordinates):
a mixed addition costs 8M + 2S and needs no doubling-free special cases beyond
the ones handled here.  ZZ = 0 is the point at infinity.  Every function handles
infinity, P + P (doubles) and P + (-P) (infinity); the affine argument of a mixed
addition must not be infinity (callers skip those bases).

Field operations are inlined (LLVM ``alwaysinline``); the point operations are not:
inlining them too doubled the compile time of the G2 kernels for no speed gain.

Array layouts (Montgomery form, little-endian limbs): affine G1 (n, 2, 4), affine
G2 (n, 2, 2, 4); XYZZ G1 (n, 4, 4), XYZZ G2 (n, 4, 2, 4).  ``load_*``/``store_*``
dispatch on the array's dimension count.
"""

from __future__ import annotations

import numpy as np
from numba import njit, types
from numba.extending import overload

from prover.backend.field import (
    fe_add,
    fe_eq,
    fe_is_zero,
    fe_mul,
    fe_neg,
    fe_one_like,
    fe_sqr,
    fe_sub,
    fe_zero_like,
)


@njit(forceinline=True)
def xyzz_infinity_like(x):
    z = fe_zero_like(x)
    return (z, z, z, z)


@njit(forceinline=True)
def xyzz_from_affine(q):
    one = fe_one_like(q[0])
    return (q[0], q[1], one, one)


@njit
def _dbl_core(x, y, zz, zzz):
    """dbl-2008-s-1: 2·(X, Y, ZZ, ZZZ); for an affine point pass ZZ = ZZZ = 1."""
    u = fe_add(y, y)
    v = fe_sqr(u)
    w = fe_mul(u, v)
    s = fe_mul(x, v)
    xx = fe_sqr(x)
    m = fe_add(fe_add(xx, xx), xx)
    x3 = fe_sub(fe_sub(fe_sqr(m), s), s)
    y3 = fe_sub(fe_mul(m, fe_sub(s, x3)), fe_mul(w, y))
    return (x3, y3, fe_mul(v, zz), fe_mul(w, zzz))


@njit
def xyzz_double(p):
    if fe_is_zero(p[2]) or fe_is_zero(p[1]):
        return xyzz_infinity_like(p[0])
    return _dbl_core(p[0], p[1], p[2], p[3])


@njit
def xyzz_add_mixed(p, q):
    """p + q for p in XYZZ and q affine, not infinity (madd-2008-s)."""
    if fe_is_zero(p[2]):
        return xyzz_from_affine(q)
    u2 = fe_mul(q[0], p[2])
    s2 = fe_mul(q[1], p[3])
    pd = fe_sub(u2, p[0])
    r = fe_sub(s2, p[1])
    if fe_is_zero(pd):
        if fe_is_zero(r):
            one = fe_one_like(q[0])
            return _dbl_core(q[0], q[1], one, one)
        return xyzz_infinity_like(q[0])
    pp = fe_sqr(pd)
    ppp = fe_mul(pd, pp)
    qq = fe_mul(p[0], pp)
    x3 = fe_sub(fe_sub(fe_sub(fe_sqr(r), ppp), qq), qq)
    y3 = fe_sub(fe_mul(r, fe_sub(qq, x3)), fe_mul(p[1], ppp))
    return (x3, y3, fe_mul(p[2], pp), fe_mul(p[3], ppp))


@njit
def xyzz_add(p, q):
    """p + q, both XYZZ (add-2008-s)."""
    if fe_is_zero(p[2]):
        return q
    if fe_is_zero(q[2]):
        return p
    u1 = fe_mul(p[0], q[2])
    u2 = fe_mul(q[0], p[2])
    s1 = fe_mul(p[1], q[3])
    s2 = fe_mul(q[1], p[3])
    pd = fe_sub(u2, u1)
    r = fe_sub(s2, s1)
    if fe_is_zero(pd):
        if fe_is_zero(r):
            return xyzz_double(p)
        return xyzz_infinity_like(p[0])
    pp = fe_sqr(pd)
    ppp = fe_mul(pd, pp)
    qq = fe_mul(u1, pp)
    x3 = fe_sub(fe_sub(fe_sub(fe_sqr(r), ppp), qq), qq)
    y3 = fe_sub(fe_mul(r, fe_sub(qq, x3)), fe_mul(s1, ppp))
    return (x3, y3, fe_mul(fe_mul(p[2], q[2]), pp), fe_mul(fe_mul(p[3], q[3]), ppp))


@njit(forceinline=True)
def affine_neg(q):
    return (q[0], fe_neg(q[1]))


@njit(forceinline=True)
def affine_eq(p, q):
    return fe_eq(p[0], q[0]) and fe_eq(p[1], q[1])


# ---------------------------------------------------------------- array access
def _tuples(a: np.ndarray) -> tuple:
    """A limb array as nested tuples, innermost the 4 uint64 limbs of an Fq element."""
    return tuple(a) if a.ndim == 1 else tuple(_tuples(x) for x in a)


def load_affine(arr, i):
    """Point i of an affine array as the kernels' nested limb tuples.  Python runs these array
    helpers' bodies; kernels compile the overloads below."""
    return _tuples(arr[i])


def affine_is_infinity(arr, i):
    return not arr[i].any()


def load_xyzz(arr, i):
    return _tuples(arr[i])


def store_xyzz(arr, i, p):
    arr[i] = np.asarray(p, dtype=np.uint64)


def store_affine(arr, i, q):
    arr[i] = np.asarray(q, dtype=np.uint64)


def new_xyzz_array(like, n):
    """Zeroed XYZZ array (infinity everywhere) of the group of the affine array ``like``."""
    return np.zeros((n, 4, *like.shape[2:]), dtype=np.uint64)


_OPTS = {"jit_options": {"forceinline": True}}


def _is_array(a, ndim: int) -> bool:
    return isinstance(a, types.Array) and a.ndim == ndim


@overload(load_affine, **_OPTS)
def _ov_load_affine(arr, i):
    if _is_array(arr, 3):
        return lambda arr, i: (
            (arr[i, 0, 0], arr[i, 0, 1], arr[i, 0, 2], arr[i, 0, 3]),
            (arr[i, 1, 0], arr[i, 1, 1], arr[i, 1, 2], arr[i, 1, 3]),
        )
    if _is_array(arr, 4):
        return lambda arr, i: (
            ((arr[i, 0, 0, 0], arr[i, 0, 0, 1], arr[i, 0, 0, 2], arr[i, 0, 0, 3]),
             (arr[i, 0, 1, 0], arr[i, 0, 1, 1], arr[i, 0, 1, 2], arr[i, 0, 1, 3])),
            ((arr[i, 1, 0, 0], arr[i, 1, 0, 1], arr[i, 1, 0, 2], arr[i, 1, 0, 3]),
             (arr[i, 1, 1, 0], arr[i, 1, 1, 1], arr[i, 1, 1, 2], arr[i, 1, 1, 3])),
        )  # fmt: skip
    return None


@overload(affine_is_infinity, **_OPTS)
def _ov_affine_is_infinity(arr, i):
    if _is_array(arr, 3) or _is_array(arr, 4):

        def impl(arr, i):
            acc = arr[i].ravel()
            for k in range(acc.size):
                if acc[k] != 0:
                    return False
            return True

        return impl
    return None


@overload(load_xyzz, **_OPTS)
def _ov_load_xyzz(arr, i):
    if _is_array(arr, 3):
        return lambda arr, i: (
            (arr[i, 0, 0], arr[i, 0, 1], arr[i, 0, 2], arr[i, 0, 3]),
            (arr[i, 1, 0], arr[i, 1, 1], arr[i, 1, 2], arr[i, 1, 3]),
            (arr[i, 2, 0], arr[i, 2, 1], arr[i, 2, 2], arr[i, 2, 3]),
            (arr[i, 3, 0], arr[i, 3, 1], arr[i, 3, 2], arr[i, 3, 3]),
        )
    if _is_array(arr, 4):

        def impl(arr, i):
            return (_l2(arr, i, 0), _l2(arr, i, 1), _l2(arr, i, 2), _l2(arr, i, 3))

        return impl
    return None


@njit(forceinline=True)
def _l2(arr, i, k):
    return (
        (arr[i, k, 0, 0], arr[i, k, 0, 1], arr[i, k, 0, 2], arr[i, k, 0, 3]),
        (arr[i, k, 1, 0], arr[i, k, 1, 1], arr[i, k, 1, 2], arr[i, k, 1, 3]),
    )


@njit(forceinline=True)
def _s1(arr, i, k, v):
    arr[i, k, 0] = v[0]
    arr[i, k, 1] = v[1]
    arr[i, k, 2] = v[2]
    arr[i, k, 3] = v[3]


@njit(forceinline=True)
def _s2(arr, i, k, v):
    for c in range(2):
        arr[i, k, c, 0] = v[c][0]
        arr[i, k, c, 1] = v[c][1]
        arr[i, k, c, 2] = v[c][2]
        arr[i, k, c, 3] = v[c][3]


@overload(store_xyzz, **_OPTS)
def _ov_store_xyzz(arr, i, p):
    if _is_array(arr, 3):

        def impl(arr, i, p):
            _s1(arr, i, 0, p[0])
            _s1(arr, i, 1, p[1])
            _s1(arr, i, 2, p[2])
            _s1(arr, i, 3, p[3])

        return impl
    if _is_array(arr, 4):

        def impl(arr, i, p):
            _s2(arr, i, 0, p[0])
            _s2(arr, i, 1, p[1])
            _s2(arr, i, 2, p[2])
            _s2(arr, i, 3, p[3])

        return impl
    return None


@overload(store_affine, **_OPTS)
def _ov_store_affine(arr, i, q):
    if _is_array(arr, 3):

        def impl(arr, i, q):
            _s1(arr, i, 0, q[0])
            _s1(arr, i, 1, q[1])

        return impl
    if _is_array(arr, 4):

        def impl(arr, i, q):
            _s2(arr, i, 0, q[0])
            _s2(arr, i, 1, q[1])

        return impl
    return None


@overload(new_xyzz_array, **_OPTS)
def _ov_new_xyzz(like, n):
    if _is_array(like, 3):
        return lambda like, n: np.zeros((n, 4, 4), dtype=np.uint64)
    if _is_array(like, 4):
        return lambda like, n: np.zeros((n, 4, 2, 4), dtype=np.uint64)
    return None


def load_fe(arr, i):
    return _tuples(arr[i])


def store_fe(arr, i, v):
    arr[i] = np.asarray(v, dtype=np.uint64)


@overload(load_fe, **_OPTS)
def _ov_load_fe(arr, i):
    if _is_array(arr, 2):
        return lambda arr, i: (arr[i, 0], arr[i, 1], arr[i, 2], arr[i, 3])
    if _is_array(arr, 3):
        return lambda arr, i: (
            (arr[i, 0, 0], arr[i, 0, 1], arr[i, 0, 2], arr[i, 0, 3]),
            (arr[i, 1, 0], arr[i, 1, 1], arr[i, 1, 2], arr[i, 1, 3]),
        )
    return None


@overload(store_fe, **_OPTS)
def _ov_store_fe(arr, i, v):
    if _is_array(arr, 2):

        def impl(arr, i, v):
            for k in range(4):
                arr[i, k] = v[k]

        return impl
    if _is_array(arr, 3):

        def impl(arr, i, v):
            for c in range(2):
                for k in range(4):
                    arr[i, c, k] = v[c][k]

        return impl
    return None


def new_affine_array(like, n):
    return np.zeros((n, 2, *like.shape[2:]), dtype=np.uint64)


def new_fe_array(like, n):
    return np.empty((n, *like.shape[2:]), dtype=np.uint64)


@overload(new_affine_array, **_OPTS)
def _ov_new_affine(like, n):
    """Zeroed affine array (infinity everywhere) of the group of the XYZZ array ``like``."""
    if _is_array(like, 3):
        return lambda like, n: np.zeros((n, 2, 4), dtype=np.uint64)
    if _is_array(like, 4):
        return lambda like, n: np.zeros((n, 2, 2, 4), dtype=np.uint64)
    return None


@overload(new_fe_array, **_OPTS)
def _ov_new_fe(like, n):
    """Array of n field elements of the field of the XYZZ array ``like``."""
    if _is_array(like, 3):
        return lambda like, n: np.empty((n, 4), dtype=np.uint64)
    if _is_array(like, 4):
        return lambda like, n: np.empty((n, 2, 4), dtype=np.uint64)
    return None
