"""The Montgomery-ladder variable-base multiplication vs its native twin and plain double-and-add."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from circuits.field import R
from circuits.gadgets import montgomery as gm
from circuits.gadgets.bits import to_bits_strict
from circuits.native import babyjubjub as bjj
from circuits.native import montgomery as nm
from circuits.r1cs import ConstraintSystem, Mode

L = bjj.SUBORDER
EDGES = [0, 1, 2, 3, L - 1, L, L + 1, 2 * L, 7 * L, R - 1, (1 << 252) - 1, 1 << 253]
# c = 2^252 + 2K + 1 with all digits +1 (K = 2^251 - 1) and all -1 (K = 0): the extreme ladders
EXTREMES = [((1 << 253) - 1) % L, ((1 << 252) + 1) % L]


def ladder(mode, k, p):
    cs = ConstraintSystem(mode)
    kv = cs.new_witness("k", lambda: k)
    bits = to_bits_strict(cs, kv, "k")
    pv = tuple(cs.new_witness(f"p{j}", lambda j=j: p[j]) + 0 for j in range(2))
    before = cs.num_constraints
    out = gm.mul_prime_order(cs, bits, pv, "mul")
    return cs, out, cs.num_constraints - before


def test_constraint_count_is_pinned():
    """251 K bits + 3 J bits + 1 + 2 + 7 + 248·6 + 2 + 3·12."""
    _, _, n = ladder(Mode.SETUP, None, None)
    assert n == 251 + 3 + 1 + 2 + 7 + 248 * 6 + 2 + 3 * 12 == 1790


@pytest.mark.parametrize("k", EDGES + EXTREMES)
def test_edge_scalars_match_native(k):
    p = bjj.mul(bjj.BASE8, 987654321)
    cs, out, _ = ladder(Mode.PROVE, k, p)
    want = bjj.mul(p, k)
    assert (cs.value(out[0]), cs.value(out[1])) == want == nm.mul(p, k)
    assert cs.is_satisfied()


@settings(max_examples=8, deadline=None)
@given(k=st.integers(0, R - 1), base=st.integers(1, L - 1))
def test_random_scalars_and_points_match_native(k, base):
    p = bjj.mul(bjj.BASE8, base)
    cs, out, _ = ladder(Mode.PROVE, k, p)
    assert (cs.value(out[0]), cs.value(out[1])) == bjj.mul(p, k)
    assert cs.is_satisfied()


@given(k=st.integers(0, R - 1))
def test_signed_scalar_is_the_documented_rewrite(k):
    big_k, j = nm.signed_scalar(k)
    assert (1 << 252) + 2 * big_k + 1 == k + (j - nm.J_OFFSET) * L
    assert 0 <= big_k < 1 << nm.DIGITS and 0 <= j <= 10 and j % 2 == k % 2


def test_the_wrap_alias_is_unsatisfiable(monkeypatch):
    """c = k + (J - 5)·l + r satisfies the Fr equation; J's parity is then k's complement, and J_0
    is k's bit 0, so the binding fails (with a free J_0 this alias would multiply by k + r)."""
    k = 12345678901234567890
    for j in range(16):
        c = k + (j - nm.J_OFFSET) * L + R
        if (1 << 252) < c < (1 << 253) and c % 2 == 1:
            break
    assert j % 2 != k % 2
    monkeypatch.setattr(nm, "signed_scalar", lambda _: ((c - 1 - (1 << 252)) // 2, j))
    cs, _, _ = ladder(Mode.PROVE, k, bjj.BASE8)
    assert cs.which_is_unsatisfied() == "mul/scalar"


@pytest.mark.parametrize("p", [bjj.IDENTITY, (0, R - 1)])
def test_points_without_montgomery_form_are_unsatisfiable(p):
    cs, _, _ = ladder(Mode.PROVE, 5, p)
    assert cs.which_is_unsatisfied().startswith(("mul/p.", "mul/p2."))


def test_native_conversions_round_trip():
    p = bjj.mul(bjj.BASE8, 424242)
    assert nm.from_montgomery(nm.to_montgomery(p)) == p
    q = nm.to_montgomery(p)
    assert nm.from_montgomery(nm.add(nm.double(q), q)) == bjj.mul(p, 3)


def fixed(mode, k, n=252):
    cs = ConstraintSystem(mode)
    bits = [cs.new_witness(f"k{i}", lambda i=i: (k >> i) & 1) for i in range(n)]
    out = gm.mul_fixed_base(cs, bits, bjj.BASE8, "fixed")
    return cs, out


def test_fixed_base_constraint_count_is_pinned():
    """126 windows: 126 bit products, 123 chord additions, 2 conversions, 2 Edwards additions."""
    assert fixed(Mode.SETUP, None)[0].num_constraints == 126 + 123 * 3 + 2 + 2 * 6 == 509


@settings(max_examples=10, deadline=None)
@given(k=st.one_of(st.integers(0, (1 << 252) - 1), st.sampled_from([0, 1, L - 1, L, (1 << 252) - 1])))
def test_fixed_base_matches_native(k):
    cs, out = fixed(Mode.PROVE, k)
    assert (cs.value(out[0]), cs.value(out[1])) == bjj.mul(bjj.BASE8, k) == nm.mul_fixed(bjj.BASE8, k, 252)
    assert cs.is_satisfied()


def test_fixed_base_odd_width():
    cs, out = fixed(Mode.PROVE, 12345, n=15)
    assert (cs.value(out[0]), cs.value(out[1])) == bjj.mul(bjj.BASE8, 12345) and cs.is_satisfied()
