import galois
import pytest
from hypothesis import given
from hypothesis import strategies as st

from circuits.examples import CubicCircuit, SquareChainCircuit, synthesize
from circuits.field import R
from circuits.r1cs import Mode
from prover.domain import Radix2Domain
from prover.errors import DomainError
from prover.qap import domain_for, qap_at, witness_map

TOY = {"modulus": 97, "generator": 5, "two_adicity": 5}  # 96 = 2^5 * 3; 5 generates F_97^*
GF97 = galois.GF(97)


def test_toy_ntt_by_hand():
    d = Radix2Domain(4, **TOY)
    assert d.omega == 22 and 22 * 22 % 97 == 96  # ω^2 = -1
    # [1,2,3,4] at 1, ω, ω^2, ω^3:  10, 1+44-3-88 = -46 = 51, 1-2+3-4 = -2 = 95, 1-44-3+88 = 42
    assert d.ntt([1, 2, 3, 4]) == [10, 51, 95, 42]
    assert d.intt([10, 51, 95, 42]) == [1, 2, 3, 4]


def test_toy_cubic_witness_map_by_hand():
    # x = 3: z = [1, out=35, x=3, sq=9, cube=27]; 3 constraints + 2 input rows -> domain 8 (ω = 64)
    cs = synthesize(CubicCircuit(3))
    m, z = cs.to_matrices(), cs.assignment()
    d = Radix2Domain(8, **TOY)
    assert d.elements() == [1, 64, 22, 50, 96, 33, 75, 47]
    h = witness_map(m, z, d)
    assert h == [68, 28, 55, 71, 5, 51, 84]
    # independent check: A(x)B(x) - C(x) = h(x)(x^8 - 1) with A, B, C interpolated by galois
    xs = GF97(d.elements())
    a = [1 * 3, 9, 27 + 3 + 5, 1, 35, 0, 0, 0]  # rows: x, sq, cube+x+5, then z_0, z_1
    b = [3, 3, 1, 0, 0, 0, 0, 0]
    c = [9, 27, 35, 0, 0, 0, 0, 0]
    A, B, C = (galois.lagrange_poly(xs, GF97(v)) for v in (a, b, c))
    Z = galois.Poly([1, 0, 0, 0, 0, 0, 0, 0, -1 % 97], field=GF97)
    quotient, remainder = divmod(A * B - C, Z)
    assert remainder == 0
    assert [int(v) for v in quotient.coefficients(7, order="asc")] == h


@given(st.lists(st.integers(min_value=0, max_value=R - 1), min_size=1, max_size=16))
def test_ntt_matches_naive_evaluation(coeffs):
    d = Radix2Domain.at_least(len(coeffs))
    naive = [sum(c * pow(w, i, R) for i, c in enumerate(coeffs)) % R for w in d.elements()]
    assert d.ntt(coeffs) == naive
    padded = coeffs + [0] * (d.size - len(coeffs))
    assert d.intt(d.ntt(coeffs)) == padded
    g = d.coset_shift
    assert d.coset_ntt(coeffs) == [sum(c * pow(g * w, i, R) for i, c in enumerate(coeffs)) % R for w in d.elements()]
    assert d.coset_intt(d.coset_ntt(coeffs)) == padded


def test_domain_errors():
    with pytest.raises(DomainError):
        Radix2Domain(6)
    with pytest.raises(DomainError):
        Radix2Domain(64, **TOY)  # 2^6 does not divide 96
    with pytest.raises(DomainError):
        Radix2Domain(4).ntt([1, 2, 3, 4, 5])
    with pytest.raises(DomainError):
        Radix2Domain(4).lagrange_at(1)


def test_domain_size_counts_input_rows():
    m = synthesize(SquareChainCircuit(13), Mode.SETUP).to_matrices()
    assert m.num_constraints + m.num_inputs + 1 == 18
    assert domain_for(m).size == 32


@given(st.integers(min_value=1, max_value=R - 1), st.integers(min_value=2, max_value=R - 1))
def test_qap_identity_at_random_tau(x, tau):
    """Σ z_i A_i(τ) · Σ z_i B_i(τ) - Σ z_i C_i(τ) = h(τ) Z(τ) for a satisfying z."""
    cs = synthesize(SquareChainCircuit(5, x))
    m, z = cs.to_matrices(), cs.assignment()
    d = domain_for(m)
    if d.vanishing_at(tau) == 0:
        return
    q = qap_at(m, tau, d)
    h = witness_map(m, z, d)

    def dot(u):
        return sum(a * b for a, b in zip(u, z, strict=True)) % R

    h_tau = sum(c * pow(tau, i, R) for i, c in enumerate(h)) % R
    assert (dot(q.a) * dot(q.b) - dot(q.c)) % R == h_tau * q.z % R
