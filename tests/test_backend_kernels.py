"""Differential tests of the numba kernels against py_ecc and the gmpy2 reference.

Random and edge inputs: 0, 1, r - 1 (and q - 1), points at infinity, a doubling inside
a bucket (the same point twice with the same digit), P + (-P) in one bucket, ±1 and
small scalars (the short-MSM classes), and every window of a large MSM.
"""

import random

import numpy as np
import pytest
from py_ecc.optimized_bn128 import G1 as PG1
from py_ecc.optimized_bn128 import G2 as PG2
from py_ecc.optimized_bn128 import Z1, Z2, add, curve_order, eq, field_modulus, multiply, neg

from circuits.examples import CubicCircuit, SquareChainCircuit, synthesize
from prover import points
from prover.backend import gmpy2_backend, nb_field, nb_msm, nb_qap, numba_backend
from prover.backend import ntt as nb_ntt
from prover.convert import g1_from_py_ecc, g1_to_py_ecc, g2_from_py_ecc, g2_to_py_ecc
from prover.curve import G1, G2
from prover.domain import Radix2Domain
from prover.fixed_base import batch_to_affine
from prover.qap import qap_coefficients

R, Q, MONT = curve_order, field_modulus, 1 << 256
EDGE = [0, 1, 2, R - 1, R - 2]


def _mont_array(values, modulus):
    return points.fr_array([v * MONT % modulus for v in values])


@pytest.mark.parametrize("modulus", [R, Q], ids=["Fr", "Fq"])
def test_field_ops_match_python_ints(modulus):
    rng = random.Random(modulus)
    edge = [0, 1, 2, modulus - 1, modulus - 2, 1 << 253]
    xs = edge + [rng.randrange(modulus) for _ in range(200)]
    ys = list(reversed(edge)) + [rng.randrange(modulus) for _ in range(200)]
    out = nb_field.field_ops(_mont_array(xs, modulus), _mont_array(ys, modulus), modulus == R)
    got = [[v * pow(MONT, -1, modulus) % modulus for v in points.fr_values(out[k])] for k in range(4)]
    assert got[0] == [x * y % modulus for x, y in zip(xs, ys)]
    assert got[1] == [(x + y) % modulus for x, y in zip(xs, ys)]
    assert got[2] == [(x - y) % modulus for x, y in zip(xs, ys)]
    assert got[3] == [-x % modulus for x in xs]
    raw = points.fr_values(out.reshape(-1, 4))
    assert all(v < modulus for v in raw)  # outputs fully reduced


GROUPS = {
    "G1": (PG1, Z1, g1_from_py_ecc, g1_to_py_ecc, points.g1_array, G1),
    "G2": (PG2, Z2, g2_from_py_ecc, g2_to_py_ecc, points.g2_array, G2),
}


def _naive(bases, ks, zero):
    acc = zero
    for p, k in zip(bases, ks, strict=True):
        acc = add(acc, multiply(p, k))
    return acc


@pytest.mark.parametrize("group", ["G1", "G2"])
def test_msm_edge_cases_match_py_ecc(group):
    gen, zero, to_aff, to_py, to_arr, _ = GROUPS[group]
    rng = random.Random(5)
    p, q = multiply(gen, 1234567), multiply(gen, rng.randrange(1, R))
    small = [3, 1 << 40, (1 << 64) - 1, R - 3, R - (1 << 63)]  # small and small-negative classes
    bases = [p, p, p, neg(p), zero, q, q, p, q] + [q] * len(small) + [p] * len(EDGE)
    ks = [7, 7, 99, 99, 5, 0, 1, R - 1, 2] + small + EDGE  # doubling in a bucket, P + (-P), infinity
    arr = to_arr([to_aff(b) for b in bases])
    got = numba_backend.msm(arr, points.fr_array(ks))
    assert eq(to_py(got), _naive(bases, ks, zero))
    assert numba_backend.msm(arr[:2], points.fr_array([5, R - 5])) is None  # P·5 + P·(-5) = O
    assert numba_backend.msm(arr[:0], points.fr_array([])) is None


@pytest.mark.parametrize("group", ["G1", "G2"])
def test_msm_random_matches_py_ecc(group):
    gen, zero, to_aff, to_py, to_arr, _ = GROUPS[group]
    rng = random.Random(11)
    bases = [multiply(gen, rng.randrange(1, R)) for _ in range(12)]
    ks = [rng.randrange(R) for _ in bases]
    got = numba_backend.msm(to_arr([to_aff(b) for b in bases]), points.fr_array(ks))
    assert eq(to_py(got), _naive(bases, ks, zero))


@pytest.mark.parametrize("group", ["G1", "G2"])
def test_large_msm_matches_gmpy2_reference(group):
    """Big enough for c > 8 and many windows; the gmpy2 Pippenger is itself tested against py_ecc."""
    gen, _, to_aff, _, to_arr, ref = GROUPS[group]
    n = 3000 if group == "G1" else 600
    rng = random.Random(23)
    acc, pts = None, []
    base = to_aff(gen)
    for _ in range(n):  # distinct points i·G, cheaply
        acc = ref.add_mixed(acc, base)
        pts.append(acc)
    aff = batch_to_affine(ref, pts)
    ks = [rng.choice([rng.randrange(R), rng.randrange(1 << 64), R - rng.randrange(1 << 64), 0, 1])
          for _ in range(n)]  # fmt: skip
    arr, sc = to_arr(aff), points.fr_array(ks)
    assert numba_backend.msm(arr, sc) == gmpy2_backend.msm(arr, sc)


def test_window_bits_and_digit_classes():
    assert nb_msm.window_bits(1, 254) == 2
    assert nb_msm.window_bits(1 << 10, 254) < nb_msm.window_bits(1 << 16, 254)


def _mont_fr(values):
    return _mont_array(values, R)


def _unmont_fr(arr):
    return [v * pow(MONT, -1, R) % R for v in points.fr_values(arr)]


@pytest.mark.parametrize("log_n", [0, 1, 3, 7])
def test_ntt_and_odd_coset_match_reference(log_n):
    n = 1 << log_n
    rng = random.Random(log_n)
    vals = (EDGE + [rng.randrange(R) for _ in range(n)])[:n]
    d = Radix2Domain(n)
    a = _mont_fr(vals)
    nb_ntt.ntt(a, nb_qap.twiddles(log_n, False))
    assert _unmont_fr(a) == d.ntt(vals)
    a = _mont_fr(vals)
    nb_qap.odd_coset(a)
    coeffs = d.intt(vals)
    w2 = nb_qap.root_of_unity(log_n + 1)
    xs = [w2 * pow(d.omega, i, R) % R for i in range(n)]
    assert _unmont_fr(a) == [sum(c * pow(x, j, R) for j, c in enumerate(coeffs)) % R for x in xs]


def test_roots_are_those_of_snarkjs():
    """ffjavascript: nqr = 5 (2 and 3 are squares mod r), w[28] = 5^((r-1)/2^28), w[k] = w[k+1]^2."""
    assert pow(2, (R - 1) // 2, R) == 1 and pow(3, (R - 1) // 2, R) == 1 and pow(5, (R - 1) // 2, R) == R - 1
    assert nb_qap.root_of_unity(27) == pow(nb_qap.root_of_unity(28), 2, R)
    assert pow(nb_qap.root_of_unity(10), 1 << 9, R) == R - 1


def test_witness_map_and_rows_match_gmpy2():
    cs = synthesize(SquareChainCircuit(50, 3))
    m, z = cs.to_matrices(), cs.assignment()
    coeffs, zarr = qap_coefficients(m), points.fr_array(z)
    n = 64
    e_nb, bad_nb = numba_backend.witness_map(coeffs, zarr, n)
    e_ref, bad_ref = gmpy2_backend.witness_map(coeffs, zarr, n)
    assert bad_nb == bad_ref == -1
    assert np.array_equal(e_nb, e_ref)
    a, b, c = numba_backend.row_values(coeffs, zarr, n)
    assert [_unmont_fr(v)[: m.num_constraints] for v in (a, b, c)] == [list(r) for r in m.row_values(z)]
    z[5] = (z[5] + 1) % R  # break the constraint that defines z_5 (or uses it first)
    bad = numba_backend.witness_map(coeffs, points.fr_array(z), n)[1]
    assert bad == gmpy2_backend.witness_map(coeffs, points.fr_array(z), n)[1] >= 0
    assert m.names[bad] == m.which_is_unsatisfied(z)


@pytest.mark.parametrize("group", ["G1", "G2"])
def test_fixed_base_and_normalize_match_py_ecc(group):
    gen, zero, to_aff, to_py, to_arr, _ = GROUPS[group]
    rng = random.Random(9)
    ks = EDGE + [rng.randrange(R) for _ in range(4)]
    out = numba_backend.fixed_base(to_arr([to_aff(gen)]), points.fr_array(ks))
    affines = points.g1_affines(out) if group == "G1" else points.g2_affines(out)
    for k, p in zip(ks, affines, strict=True):
        assert eq(to_py(p), multiply(gen, k))


@pytest.mark.parametrize("group", ["G1", "G2"])
def test_first_off_curve(group):
    gen, zero, to_aff, _, to_arr, _ = GROUPS[group]
    arr = to_arr([to_aff(multiply(gen, k)) for k in (1, 2, 3)] + [None])
    assert numba_backend.first_off_curve(arr) == -1 == gmpy2_backend.first_off_curve(arr)
    arr[1].reshape(-1)[0] ^= np.uint64(1)  # x changes: off the curve
    assert numba_backend.first_off_curve(arr) == 1 == gmpy2_backend.first_off_curve(arr)


def test_proofs_are_identical_across_backends(monkeypatch, cubic_key):
    """Same key, assignment, r and s: the numba and gmpy2 backends give the same proof."""
    from prover.prove import create_proof

    m, pk = cubic_key
    z = synthesize(CubicCircuit(3)).assignment()
    monkeypatch.setenv("ZKDX_BACKEND", "numba")
    fast = create_proof(pk, m, z, r=11, s=13)
    monkeypatch.setenv("ZKDX_BACKEND", "gmpy2")
    slow = create_proof(pk, m, z, r=11, s=13)
    assert fast == slow
