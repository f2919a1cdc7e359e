"""Baby Jubjub in extended coordinates against the affine double-and-add reference, on every coset."""

import functools

from hypothesis import given
from hypothesis import strategies as st

from circuits.field import R
from circuits.native import babyjubjub as bjj
from circuits.native import bjj_scalar as sc
from circuits.native import bjj_subgroup as sg
from circuits.native import edwards as ed
from tests.reference import bjj_plain as plain

L = bjj.SUBORDER
SCALAR_EDGES = [0, 1, 2, 7, 8, L - 1, L, L + 1, 8 * L, R - 1, R, (1 << 253) - 1, (1 << 255) - 1]
scalar = st.one_of(st.sampled_from(SCALAR_EDGES), st.integers(0, (1 << 256) - 1))


@functools.cache
def torsion() -> list[bjj.Point]:
    """The 8 points of order dividing 8, k·T for T = l·G (E(Fr) is cyclic of order 8l)."""
    t = plain.mul(bjj.GENERATOR, L)
    return [plain.mul(t, k) for k in range(8)]


@st.composite
def points(draw):
    """Any curve point: a subgroup point (maybe the identity) plus a torsion point."""
    base = plain.mul(bjj.BASE8, draw(st.one_of(st.sampled_from([0, 1, L - 1]), st.integers(0, L - 1))))
    return bjj.add(base, torsion()[draw(st.integers(0, 7))])


def test_torsion_points_are_the_small_order_ones():
    pts = torsion()
    assert len(set(pts)) == 8 and pts[4] == (0, R - 1)
    for p in pts:
        assert bjj.is_small_order(p) and plain.is_small_order(p)
        assert bjj.in_subgroup(p) == (p == bjj.IDENTITY)


@given(points(), scalar)
def test_mul_equals_double_and_add(p, k):
    assert bjj.mul(p, k) == plain.mul(p, k)


@given(scalar)
def test_fixed_base_table(k):
    assert ed.to_affine(sc.mul_base(k)) == plain.mul(bjj.BASE8, k % L)


@given(st.lists(st.tuples(points(), scalar), max_size=5))
def test_msm_equals_the_sum_of_products(terms):
    want = bjj.IDENTITY
    for p, k in terms:
        want = bjj.add(want, plain.mul(p, k))
    got = sc.msm([ed.from_affine(p) for p, _ in terms], [k for _, k in terms])
    assert ed.to_affine(got) == want
    assert ed.equals_affine(got, want) and ed.is_identity(got) == (want == bjj.IDENTITY)


@given(points(), points())
def test_formulas_match_the_affine_law(p, q):
    e, f = ed.from_affine(p), ed.from_affine(q)
    assert ed.to_affine(ed.add_points(e, f)) == bjj.add(p, q)
    assert ed.to_affine(ed.double(*e[:3])) == bjj.add(p, p)
    assert ed.to_affine(ed.add(e, ed.neg_cached(ed.cached(e)))) == bjj.IDENTITY
    assert ed.to_affine(ed.times8(e)) == plain.mul(p, 8)
    assert ed.normalize_cached([e, f]) == [ed.cached(ed.from_affine(p)), ed.cached(ed.from_affine(q))]


@given(points())
def test_subgroup_check_by_pairing_equals_l_times_p(p):
    assert sg.in_subgroup(p) == plain.in_subgroup(p)
    assert bjj.is_small_order(p) == plain.is_small_order(p)


def test_subgroup_check_refuses_points_off_the_curve_and_non_canonical():
    p = plain.mul(bjj.BASE8, 12345)
    assert sg.in_subgroup(p)
    assert not sg.in_subgroup((p[0] + R, p[1])) and not sg.in_subgroup((p[0], p[1] + R))
    assert not sg.in_subgroup((p[0], (p[1] + 1) % R)) and not sg.in_subgroup((1, 2))


@given(st.integers(0, (1 << 256) - 1), st.integers(2, 8))
def test_digit_expansions_reconstruct_the_scalar(k, width):
    assert sum(d << (width * i) for i, d in enumerate(sc.signed_digits(k, width, 256 // width + 1))) == k
    naf = sc.wnaf(k, width)
    assert sum(d << pos for pos, d in naf) == k
    assert all(d % 2 and -(1 << (width - 1)) < d < (1 << (width - 1)) for _, d in naf)
    assert all(b[0] - a[0] >= width for a, b in zip(naf, naf[1:]))
