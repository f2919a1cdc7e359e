"""Basic gadgets vs their native twins: equal outputs, tampering caught, edges as documented."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from circuits.errors import ParameterError, RangeError
from circuits.field import R
from circuits.gadgets import basic, bits
from circuits.native import arith
from circuits.r1cs import ConstraintSystem, Mode

fr = st.integers(min_value=0, max_value=R - 1)
edges = st.sampled_from([0, 1, 2, R - 1, R - 2, (1 << 64) - 1, 1 << 64])
values = st.one_of(fr, edges)


def tampering_fails(cs, data, free=()):
    """Change any one witness value except documented free ones: some named constraint must fail."""
    m, z = cs.to_matrices(), cs.assignment()
    assert m.which_is_unsatisfied(z) is None
    pinned = [i for i in range(1 + m.num_inputs, len(z)) if cs.variable_name(i) not in free]
    i = data.draw(st.sampled_from(pinned))
    bad = list(z)
    bad[i] = (bad[i] + data.draw(st.integers(1, R - 1))) % R
    return m.which_is_unsatisfied(bad) is not None


def inputs(cs, *vals):
    return [cs.new_input(f"x{i}", lambda v=v: v) for i, v in enumerate(vals)]


@given(a=values, b=values, cond=st.integers(0, 1), data=st.data())
def test_select_equal_is_zero(a, b, cond, data):
    cs = ConstraintSystem()
    c, x, y = inputs(cs, cond, a, b)
    sel = basic.select(cs, c, x, y, "sel")
    eq = basic.is_equal(cs, x, y, "eq")
    zero = basic.is_zero(cs, x, "z")
    assert cs.value(sel) == arith.select(cond, a, b)
    assert cs.value(eq) == arith.is_equal(a, b)
    assert cs.value(zero) == arith.is_zero(a)
    # is_zero's inverse witness is free when its input is zero (documented)
    free = {"eq.inv"} if a == b else set()
    free |= {"z.inv"} if a == 0 else set()
    assert tampering_fails(cs, data, free)


@given(x=st.integers(0, (1 << 64) - 1), data=st.data())
def test_to_bits(x, data):
    cs = ConstraintSystem()
    (v,) = inputs(cs, x)
    out = bits.to_bits(cs, v, 64, "bits")
    assert [cs.value(b) for b in out] == arith.to_bits(x, 64)
    assert tampering_fails(cs, data)


@pytest.mark.parametrize("x", [1 << 64, R - 1, R - (1 << 64)])
def test_out_of_range_is_unsatisfiable_and_native_raises(x):
    cs = ConstraintSystem()
    (v,) = inputs(cs, x)
    bits.range_check(cs, v, 64, "rc")
    assert cs.which_is_unsatisfied() is not None
    with pytest.raises(RangeError):
        arith.to_bits(x, 64)


@given(v=st.integers(-(1 << 63), (1 << 63) - 1))
def test_signed_range(v):
    cs = ConstraintSystem()
    (x,) = inputs(cs, v % R)
    bits.signed_range_check(cs, x, 64, "s")
    assert cs.is_satisfied()
    arith.signed_range_check(v % R, 64)


@pytest.mark.parametrize("v", [1 << 63, -(1 << 63) - 1])
def test_signed_range_edges(v):
    cs = ConstraintSystem()
    (x,) = inputs(cs, v % R)
    bits.signed_range_check(cs, x, 64, "s")
    assert not cs.is_satisfied()
    with pytest.raises(RangeError):
        arith.signed_range_check(v % R, 64)


@given(a=st.integers(0, (1 << 32) - 1), b=st.integers(0, (1 << 32) - 1), data=st.data())
def test_comparisons(a, b, data):
    cs = ConstraintSystem()
    x, y = inputs(cs, a, b)
    lt_lc = bits.less_than(cs, x, y, 32, "lt")
    le_lc = bits.less_or_equal(cs, x, y, 32, "le")
    assert cs.value(lt_lc) == arith.less_than(a, b, 32) == (1 if a < b else 0)
    assert cs.value(le_lc) == (1 if a <= b else 0)
    assert tampering_fails(cs, data)


def test_assert_less_than_edges():
    for a, b, ok in [(0, 1, True), (5, 5, False), ((1 << 32) - 2, (1 << 32) - 1, True), (7, 3, False)]:
        cs = ConstraintSystem()
        x, y = inputs(cs, a, b)
        bits.assert_less_than(cs, x, y, 32, "lt")
        assert cs.is_satisfied() is ok


@given(a=st.integers(0, (1 << 96) - 1), d=st.integers(1, 10**12), data=st.data())
def test_divmod(a, d, data):
    if a // d >= 1 << 96:
        return
    cs = ConstraintSystem()
    (x,) = inputs(cs, a)
    q, r = bits.divmod_const(cs, x, d, 96, "div")
    assert (cs.value(q), cs.value(r)) == arith.divmod_const(a, d, 96) == divmod(a, d)
    assert tampering_fails(cs, data)


def test_divmod_cannot_shift_remainder():
    """q' = q - 1, r' = r + d also satisfies a = q'd + r' but fails r < d."""
    cs = ConstraintSystem()
    (x,) = inputs(cs, 1000)
    q, r = bits.divmod_const(cs, x, 7, 16, "div")
    m, z = cs.to_matrices(), list(cs.assignment())
    qi, ri = 1 + m.num_inputs + 0, 1 + m.num_inputs + 1
    assert (z[qi], z[ri]) == (142, 6)
    z[qi], z[ri] = 141, 13
    name = m.which_is_unsatisfied(z)
    assert name is not None and name.startswith("div.")


def test_pinned_counts_and_parameters():
    cs = ConstraintSystem(Mode.SETUP)
    x, y = cs.new_witness("x"), cs.new_witness("y")
    counts = []
    for build in (
        lambda: basic.select(cs, x, x, y, "s"),
        lambda: basic.is_zero(cs, x, "z"),
        lambda: bits.range_check(cs, x, 64, "r"),
        lambda: bits.less_than(cs, x, y, 64, "lt"),
        lambda: bits.divmod_const(cs, x, 10**8, 64, "d"),
    ):
        before = cs.num_constraints
        build()
        counts.append(cs.num_constraints - before)
    assert counts == [1, 2, 65, 66, 1 + 65 + 2 * 28]
    with pytest.raises(ParameterError):
        bits.range_check(cs, x, 253, "wide")
    with pytest.raises(ParameterError):
        bits.divmod_const(cs, x, 0, 8, "zero")
