import pytest
from hypothesis import given
from hypothesis import strategies as st

from circuits.errors import AssignmentMissing, SynthesisError, WitnessMismatch
from circuits.examples import CubicCircuit, SquareChainCircuit, synthesize
from circuits.field import R, batch_inverse, to_signed
from circuits.r1cs import ConstraintSystem, LinearCombination, Mode

fr = st.integers(min_value=0, max_value=R - 1)


def test_field_constant_is_py_ecc_curve_order():
    from py_ecc.optimized_bn128 import curve_order

    assert R == curve_order


@given(st.lists(fr, min_size=1, max_size=20))
def test_batch_inverse(values):
    inv = batch_inverse(values)
    for v, w in zip(values, inv, strict=True):
        assert (v * w % R == 1) if v else w == 0


def test_to_signed():
    assert to_signed(R - 1) == -1 and to_signed(5) == 5


def test_linear_combination_arithmetic_reduces_and_drops_zeros():
    cs = ConstraintSystem(Mode.SETUP)
    x, y = cs.new_witness("x"), cs.new_witness("y")
    lc = 3 * x + y - x * 3
    assert lc.terms() == {y.key: 1}
    assert (x - x).terms() == {}
    assert (-x).terms() == {x.key: R - 1}
    assert (x + 5).terms() == {x.key: 1, 0: 5}
    assert LinearCombination.constant(R + 2).terms() == {0: 2}
    with pytest.raises(SynthesisError):
        _ = x * y  # non-linear: must go through enforce


def test_setup_mode_never_calls_closures():
    def boom():
        raise AssertionError("closure called in SETUP mode")

    cs = ConstraintSystem(Mode.SETUP)
    x = cs.new_input("x", boom)
    w = cs.new_witness("w", boom)
    cs.enforce(x, w, w, "c")
    assert cs.num_constraints == 1 and cs.num_inputs == 1 and cs.num_aux == 1
    with pytest.raises(AssignmentMissing):
        cs.assignment()
    with pytest.raises(AssignmentMissing):
        cs.value(x)


def test_prove_mode_values_and_z_layout():
    cs = ConstraintSystem()
    w = cs.new_witness("w", lambda: 4)  # allocated before the input on purpose
    x = cs.new_input("x", lambda: 16)
    cs.enforce(w, w, x, "square")
    assert cs.assignment() == [1, 16, 4]  # z = [1, public..., private...]
    assert cs.to_matrices().a == [{2: 1}]
    assert cs.value(3 * w + x) == 28
    assert cs.is_satisfied()


def test_failing_closure_is_a_typed_error():
    cs = ConstraintSystem()
    with pytest.raises(SynthesisError, match="outer/w"):
        with cs.namespace("outer"):
            cs.new_witness("w", lambda: 1 // 0)
    with pytest.raises(AssignmentMissing):
        cs.new_witness("v", lambda: "3")
    with pytest.raises(AssignmentMissing):
        cs.new_witness("u")


def test_which_is_unsatisfied_names_the_constraint_in_its_namespace():
    cs = ConstraintSystem()
    with cs.namespace("slot0"):
        x = cs.new_witness("x", lambda: 3)
        y = cs.new_witness("y", lambda: 10)
        cs.enforce(x, x, y, "square")
    assert cs.which_is_unsatisfied() == "slot0/square"
    assert not cs.is_satisfied()


def test_setup_and_prove_modes_give_identical_matrices():
    for circuit in (CubicCircuit(5), SquareChainCircuit(7, 2)):
        blank = type(circuit)(**{k: v for k, v in vars(circuit).items() if k != "x"})
        assert synthesize(blank, Mode.SETUP).to_matrices() == synthesize(circuit).to_matrices()


def test_cubic_constraint_count_is_pinned():
    m = synthesize(CubicCircuit(), Mode.SETUP).to_matrices()
    assert (m.num_constraints, m.num_inputs, m.num_aux) == (3, 1, 3)
    chain = synthesize(SquareChainCircuit(100), Mode.SETUP).to_matrices()
    assert (chain.num_constraints, chain.num_inputs, chain.num_aux) == (102, 2, 101)


@given(st.integers(min_value=1, max_value=R - 1))
def test_cubic_satisfied_and_tampering_fails(x):
    cs = synthesize(CubicCircuit(x))
    m, z = cs.to_matrices(), cs.assignment()
    assert m.which_is_unsatisfied(z) is None
    for i in range(1, len(z)):
        bad = list(z)
        bad[i] = (bad[i] + 1) % R
        assert m.which_is_unsatisfied(bad) is not None


def test_check_assignment_rejects_bad_shapes():
    m = synthesize(CubicCircuit(), Mode.SETUP).to_matrices()
    with pytest.raises(WitnessMismatch):
        m.which_is_unsatisfied([1, 35, 3, 9])
    with pytest.raises(WitnessMismatch):
        m.which_is_unsatisfied([2, 35, 3, 9, 27])
    with pytest.raises(WitnessMismatch):
        m.which_is_unsatisfied([1, 35, 3, 9, R])


def test_digest_changes_with_any_coefficient():
    m = synthesize(CubicCircuit(), Mode.SETUP).to_matrices()
    other = type(m)(m.num_inputs, m.num_aux, m.a, m.b, [dict(r) for r in m.c], m.names)
    other.c[2][1] = 2
    assert m.digest != other.digest
