"""R1CS to QAP: the sparse coefficients the prover evaluates, the QAP at τ (setup), and
the monomial-basis witness map kept as a hand-checkable reference.

Row j of the constraint system becomes the domain point ω^j.  After the m
constraints come ``num_inputs + 1`` input-consistency rows ``z_i · 0 = 0``
(A = z_i, B = C = 0) so that the polynomials of the public variables are linearly
independent and the verifier's ``gamma_abc_g1`` query is sound.  The domain size
is the next power of two >= m + num_inputs + 1.  This is snarkjs's convention too,
so ``.zkey`` files and zkdx keys share one prover.
"""

from __future__ import annotations

from dataclasses import dataclass

import gmpy2
import numpy as np

from circuits.field import R, batch_inverse
from circuits.r1cs import R1CSMatrices
from prover.domain import Radix2Domain
from prover.points import fr_array

_R2 = (1 << 512) % R


@dataclass(frozen=True)
class QapCoefficients:
    """The non-zero entries of A, B (and C when known) with the input rows, as a ``.zkey``
    section 4 holds them: ``matrix`` (0 = A, 1 = B, 2 = C), ``row``, ``col`` and ``value``
    (Fr, (nnz, 4) limbs of v·R^2 mod r with R = 2^256)."""

    num_constraints: int  # m: rows 0..m-1 are constraints, then the input rows
    num_inputs: int  # ℓ, public inputs without the constant one
    num_variables: int
    matrix: np.ndarray
    row: np.ndarray
    col: np.ndarray
    value: np.ndarray
    has_c: bool  # False for a .zkey: C's values are then taken as A∘B (as snarkjs does)


def qap_coefficients(m: R1CSMatrices) -> QapCoefficients:
    """The coefficient arrays of m, built once per matrices object (kept in its ``__dict__``,
    as ``functools.cached_property`` keeps ``m.digest``)."""
    cached = m.__dict__.get("_zkdx_qap")
    if cached is None:
        cached = _build(m)
        object.__setattr__(m, "_zkdx_qap", cached)
    return cached


def _build(m: R1CSMatrices) -> QapCoefficients:
    mats, rows, cols, vals = [], [], [], []
    for k, matrix in enumerate((m.a, m.b, m.c)):
        for j, terms in enumerate(matrix):
            for i, v in terms.items():
                mats.append(k)
                rows.append(j)
                cols.append(i)
                vals.append(v * _R2 % R)
    for i in range(m.num_inputs + 1):  # input-consistency rows: A = z_i
        mats.append(0)
        rows.append(m.num_constraints + i)
        cols.append(i)
        vals.append(_R2)
    return QapCoefficients(
        num_constraints=m.num_constraints,
        num_inputs=m.num_inputs,
        num_variables=m.num_variables,
        matrix=np.array(mats, dtype=np.uint32),
        row=np.array(rows, dtype=np.uint32),
        col=np.array(cols, dtype=np.uint32),
        value=fr_array(vals),
        has_c=True,
    )


def domain_for(m: R1CSMatrices) -> Radix2Domain:
    return Radix2Domain.at_least(m.num_constraints + m.num_inputs + 1)


def witness_map(m: R1CSMatrices, z: list[int], domain: Radix2Domain | None = None) -> list[int]:
    """Coefficients h_0..h_(n-2) of h = (A·B - C) / Z for the assignment z (see ``quotient``).

    The reference in the monomial basis, checkable by hand on a toy field; the prover
    itself evaluates h on the odd coset (``prover.backend``) against ``odd_coset_h_query``."""
    d = domain or domain_for(m)
    return quotient(*m.row_values(z, d.modulus), z[: m.num_inputs + 1], d)


def quotient(a: list[int], b: list[int], c: list[int], inputs: list[int], d: Radix2Domain) -> list[int]:
    """h from the row values, with the input-consistency rows (A = z_i) appended to a.

    A, B, C are interpolated (3 INTT), evaluated on the coset g·H (3 NTT), where
    Z(g·ω^i) = g^n - 1 is a constant, divided, and interpolated back (1 coset INTT).
    If the rows are not satisfied, A·B - C is not divisible by Z and h is
    meaningless: callers check satisfaction first.
    """
    a = a + [int(v) for v in inputs]
    a_c, b_c, c_c = (d.coset_ntt(d.intt(v)) for v in (a, b, c))
    z_inv = gmpy2.mpz(pow(d.vanishing_at(d.coset_shift), -1, d.modulus))
    p = gmpy2.mpz(d.modulus)
    h = d.coset_intt([int((x * y - w) * z_inv % p) for x, y, w in zip(a_c, b_c, c_c)])
    return h[: d.size - 1]  # deg h <= n - 2


@dataclass(frozen=True)
class QapAtTau:
    """A_i(τ), B_i(τ), C_i(τ) for every variable i, and Z(τ)."""

    a: list[int]
    b: list[int]
    c: list[int]
    z: int


def qap_at(m: R1CSMatrices, tau: int, domain: Radix2Domain | None = None) -> QapAtTau:
    """Evaluate each variable's QAP polynomials at τ via the Lagrange basis (over d's field)."""
    d = domain or domain_for(m)
    lag = d.lagrange_at(tau)
    out = []
    for rows in (m.a, m.b, m.c):
        acc = [0] * m.num_variables
        for j, row in enumerate(rows):
            lj = lag[j]
            for k, v in row.items():
                acc[k] += v * lj
        out.append(acc)
    a, b, c = out
    for i in range(m.num_inputs + 1):  # input-consistency rows
        a[i] += lag[m.num_constraints + i]
    p = d.modulus
    return QapAtTau([x % p for x in a], [x % p for x in b], [x % p for x in c], d.vanishing_at(tau))


def odd_coset_lagrange_at(tau: int, n: int) -> list[int]:
    """L^(2n)_(2i+1)(τ) for i < n: the Lagrange basis of the 2n-domain at its odd points
    x_i = ω_2n^(2i+1), which is -t(τ)·L'_i(τ)/2 for the Lagrange basis L' of the coset
    ω_2n·H.  Divided by δ in G1 these are the H query (the ``.zkey`` section 9)."""
    d2 = Radix2Domain(2 * n)
    z2 = d2.vanishing_at(tau)  # τ^2n - 1
    if z2 == 0:
        raise ValueError("τ lies in the 2n-domain")
    w2, wn = d2.omega, d2.omega * d2.omega % R
    xs, x = [], w2
    for _ in range(n):
        xs.append(x)
        x = x * wn % R
    inv = batch_inverse([(tau - x) * 2 * n % R for x in xs])
    return [z2 * x % R * i % R for x, i in zip(xs, inv)]
