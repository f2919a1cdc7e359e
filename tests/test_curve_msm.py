"""Differential tests: gmpy2 Jacobian arithmetic, Pippenger and fixed-base tables vs py_ecc."""

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st
from py_ecc.optimized_bn128 import G1 as PG1
from py_ecc.optimized_bn128 import G2 as PG2
from py_ecc.optimized_bn128 import Z1, Z2, add, curve_order, double, eq, multiply, neg

from prover.convert import g1_from_py_ecc, g1_jacobian_to_py_ecc, g2_from_py_ecc, g2_jacobian_to_py_ecc
from prover.curve import G1, G2
from prover.errors import MsmInputError
from prover.fixed_base import batch_to_affine, build_table, fixed_base_mul
from prover.msm import msm, window_bits

scalar = st.integers(min_value=0, max_value=curve_order - 1)
GROUPS = [
    (G1, PG1, Z1, g1_from_py_ecc, g1_jacobian_to_py_ecc),
    (G2, PG2, Z2, g2_from_py_ecc, g2_jacobian_to_py_ecc),
]
IDS = ["G1", "G2"]


@pytest.mark.parametrize("group,gen,zero,to_aff,to_py", GROUPS, ids=IDS)
@given(a=scalar, b=scalar)
def test_add_double_match_py_ecc(group, gen, zero, to_aff, to_py, a, b):
    pa, pb = multiply(gen, a), multiply(gen, b)
    ja = group.add_mixed(None, to_aff(pa))
    assert eq(to_py(group.add_mixed(ja, to_aff(pb))), add(pa, pb))
    assert eq(to_py(group.add(ja, group.add_mixed(None, to_aff(pb)))), add(pa, pb))
    assert eq(to_py(group.double(ja)), double(pa))


@pytest.mark.parametrize("group,gen,zero,to_aff,to_py", GROUPS, ids=IDS)
def test_edge_cases(group, gen, zero, to_aff, to_py):
    p = to_aff(multiply(gen, 12345))
    jp = group.add_mixed(None, p)
    assert group.add_mixed(jp, group.neg(p)) is None  # P + (-P) = O
    assert group.add(jp, group.add_mixed(None, group.neg(p))) is None
    assert eq(to_py(group.add_mixed(jp, p)), multiply(gen, 24690))  # P + P falls back to doubling
    assert eq(to_py(group.add(jp, jp)), multiply(gen, 24690))
    assert group.add_mixed(None, None) is None and group.double(None) is None
    assert to_aff(zero) is None and eq(to_py(None), zero)
    assert group.mul(p, 0) is None
    assert eq(to_py(group.mul(p, curve_order - 1)), neg(multiply(gen, 12345)))


def test_window_bits_grows_with_n():
    assert window_bits(1) == 2 and window_bits(1 << 10) < window_bits(1 << 16)


def _bases(gen, n, rng):
    return [multiply(gen, rng.randrange(1, curve_order)) for _ in range(n)]


@pytest.mark.parametrize("group,gen,zero,to_aff,to_py", GROUPS, ids=IDS)
@given(seed=st.integers(min_value=0, max_value=2**32), n=st.integers(min_value=0, max_value=24))
def test_msm_matches_naive(group, gen, zero, to_aff, to_py, seed, n):
    rng = random.Random(seed)
    bases = _bases(gen, n, rng)
    special = [0, 1, curve_order - 1, 2, 1 << 253]
    ks = [rng.choice(special) if rng.random() < 0.3 else rng.randrange(curve_order) for _ in range(n)]
    if n:
        bases[0] = zero  # a point at infinity among the bases
    expected = zero
    for p, k in zip(bases, ks, strict=True):
        expected = add(expected, multiply(p, k))
    got = msm(group, [to_aff(p) for p in bases], ks)
    assert eq(to_py(got), expected)


def test_msm_large_window_matches_naive():
    rng = random.Random(7)
    pts = _bases(PG1, 300, rng)
    ks = [rng.randrange(curve_order) for _ in range(300)]
    expected = Z1
    for p, k in zip(pts, ks, strict=True):
        expected = add(expected, multiply(p, k))
    assert eq(g1_jacobian_to_py_ecc(msm(G1, [g1_from_py_ecc(p) for p in pts], ks)), expected)


def test_msm_length_mismatch_is_typed():
    with pytest.raises(MsmInputError):
        msm(G1, [None], [1, 2])


@pytest.mark.parametrize("group,gen,zero,to_aff,to_py", GROUPS, ids=IDS)
def test_fixed_base_and_batch_normalize(group, gen, zero, to_aff, to_py):
    table = build_table(group, to_aff(gen), window=4)
    rng = random.Random(3)
    ks = [0, 1, curve_order - 1] + [rng.randrange(curve_order) for _ in range(5)]
    jac = [fixed_base_mul(group, table, k, window=4) for k in ks]
    aff = batch_to_affine(group, jac)
    for k, p in zip(ks, aff, strict=True):
        assert eq(to_py(None if p is None else group.add_mixed(None, p)), multiply(gen, k))
