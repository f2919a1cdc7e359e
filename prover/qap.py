"""R1CS to QAP: the witness map (prover) and the QAP evaluated at τ (setup).

Row j of the constraint system becomes the domain point ω^j.  After the m
constraints come ``num_inputs + 1`` input-consistency rows ``z_i · 0 = 0``
(A = z_i, B = C = 0) so that the polynomials of the public variables are linearly
independent and the verifier's ``gamma_abc_g1`` query is sound.  The domain size
is the next power of two >= m + num_inputs + 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import gmpy2

from circuits.r1cs import R1CSMatrices
from prover.domain import Radix2Domain


def domain_for(m: R1CSMatrices) -> Radix2Domain:
    return Radix2Domain.at_least(m.num_constraints + m.num_inputs + 1)


def witness_map(m: R1CSMatrices, z: list[int], domain: Radix2Domain | None = None) -> list[int]:
    """Coefficients h_0..h_(n-2) of h = (A·B - C) / Z for the assignment z (see ``quotient``)."""
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
