"""Baby Jubjub and EdDSA-Poseidon gadgets vs the native twins and circomlibjs signatures."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from circuits.field import R
from circuits.gadgets import babyjubjub as bj
from circuits.gadgets.bits import assert_bits_below, to_bits_unchecked
from circuits.gadgets.eddsa import verify_eddsa_poseidon
from circuits.native import babyjubjub as bjj
from circuits.native import eddsa
from circuits.r1cs import ConstraintSystem, Mode
from tests.npm_tools import circomlibjs

scalar = st.integers(0, bjj.SUBORDER - 1)


def point(cs, p, name):
    return (cs.new_witness(f"{name}.x", lambda: p[0]) + 0, cs.new_witness(f"{name}.y", lambda: p[1]) + 0)


@given(a=scalar, b=scalar, torsion=st.sampled_from([bjj.IDENTITY, (0, R - 1)]))
def test_add_and_on_curve_match_native(a, b, torsion):
    p = bjj.add(bjj.mul(bjj.BASE8, a), torsion)
    q = bjj.mul(bjj.BASE8, b)
    cs = ConstraintSystem()
    s = bj.add(cs, point(cs, p, "p"), point(cs, q, "q"), "add")
    d = bj.add(cs, point(cs, p, "p2"), point(cs, p, "p3"), "dbl")
    dd = bj.double(cs, point(cs, p, "p4"), "double")
    bj.assert_on_curve(cs, s, "on")
    assert (cs.value(s[0]), cs.value(s[1])) == bjj.add(p, q)
    assert (cs.value(d[0]), cs.value(d[1])) == (cs.value(dd[0]), cs.value(dd[1])) == bjj.add(p, p)
    assert cs.is_satisfied()


def test_off_curve_point_is_unsatisfiable():
    cs = ConstraintSystem()
    bj.assert_on_curve(cs, point(cs, (1, 2), "p"), "on")
    assert cs.which_is_unsatisfied() == "on.on_curve"


@settings(max_examples=5)
@given(k=scalar, base=scalar)
def test_scalar_multiplications_match_native(k, base):
    cs = ConstraintSystem()
    kv = cs.new_witness("k", lambda: k)
    bits = to_bits_unchecked(cs, kv, 252, "k")
    p = bjj.mul(bjj.BASE8, base)
    fixed = bj.mul_fixed(cs, bits, bjj.BASE8, "fixed")
    var = bj.mul_variable(cs, bits, point(cs, p, "p"), "var")
    assert (cs.value(fixed[0]), cs.value(fixed[1])) == bjj.mul(bjj.BASE8, k)
    assert (cs.value(var[0]), cs.value(var[1])) == bjj.mul(p, k)
    assert cs.is_satisfied()


def test_assert_bits_below_rejects_the_alias():
    """3 + r has 254 bits that pack to 3 in the field: the comparison with r must fail."""
    cs = ConstraintSystem()
    alias = 3 + R
    bits = [cs.new_witness(f"b{i}", lambda i=i: (alias >> i) & 1) for i in range(254)]
    assert_bits_below(cs, bits, R, "lt")
    assert cs.which_is_unsatisfied() == "lt.below"


def verifier(mode, a, sig, msg):
    cs = ConstraintSystem(mode)
    m = cs.new_input("msg", lambda: msg)
    ap = point(cs, a, "A") if mode is Mode.PROVE else (cs.new_witness("A.x") + 0, cs.new_witness("A.y") + 0)
    rp = point(cs, sig.r8, "R8") if mode is Mode.PROVE else (cs.new_witness("R.x") + 0, cs.new_witness("R.y") + 0)
    s = cs.new_witness("S", lambda: sig.s)
    verify_eddsa_poseidon(cs, ap, rp, s, m)
    return cs


def test_constraint_count_is_pinned():
    assert verifier(Mode.SETUP, None, None, None).num_constraints == 3663


def test_circomlibjs_signatures_verify_in_the_gadget():
    keys = [b"\x01" * 32, b"maker".ljust(32, b"\0")]
    msgs = [42, R - 1]
    out = circomlibjs({"blake": [], "sign": [[k.hex(), str(m)] for k, m in zip(keys, msgs, strict=True)], "verify": []})
    for m, t in zip(msgs, out["keys"], strict=True):
        a = (int(t["A"][0]), int(t["A"][1]))
        sig = eddsa.Signature((int(t["R8"][0]), int(t["R8"][1])), int(t["S"]))
        assert verifier(Mode.PROVE, a, sig, m).is_satisfied()


@pytest.mark.parametrize(
    "tamper",
    ["message", "s_plus_l", "s_plus_one", "r8_other_point", "key_plus_torsion", "small_order_key"],
)
def test_forgeries_are_unsatisfiable(tamper):
    key = b"taker".ljust(32, b"\0")
    a, msg = eddsa.public_key(key), 77
    sig = eddsa.sign(key, msg)
    if tamper == "message":
        msg += 1
    elif tamper == "s_plus_l":
        sig = eddsa.Signature(sig.r8, sig.s + bjj.SUBORDER)  # the classic malleability
    elif tamper == "s_plus_one":
        sig = eddsa.Signature(sig.r8, sig.s + 1)
    elif tamper == "r8_other_point":
        sig = eddsa.Signature(bjj.add(sig.r8, bjj.BASE8), sig.s)
    elif tamper == "key_plus_torsion":
        a = bjj.add(a, (0, R - 1))
    else:
        a, sig = bjj.IDENTITY, eddsa.Signature(bjj.IDENTITY, 0)
    assert not eddsa.verify(msg, sig, a)
    assert verifier(Mode.PROVE, a, sig, msg).which_is_unsatisfied() is not None


@pytest.mark.parametrize(
    "p,ok",
    [
        (bjj.BASE8, True),
        (bjj.IDENTITY, True),
        (bjj.GENERATOR, False),  # order 8l
        ((0, R - 1), False),  # order 2
        (bjj.add(bjj.BASE8, (0, R - 1)), False),
    ],
)
def test_subgroup_check(p, ok):
    cs = ConstraintSystem()
    bj.assert_in_subgroup(cs, point(cs, p, "p"), "sub")
    assert cs.is_satisfied() is ok is bjj.in_subgroup(p)


def test_mul_constant_matches_native():
    cs = ConstraintSystem()
    p = bjj.mul(bjj.BASE8, 12345)
    out = bj.mul_constant(cs, point(cs, p, "p"), 1000003, "k")
    assert (cs.value(out[0]), cs.value(out[1])) == bjj.mul(p, 1000003) and cs.is_satisfied()


_HONEST = None


def honest_verifier():
    global _HONEST
    if _HONEST is None:
        key = b"prop".ljust(32, b"\0")
        cs = verifier(Mode.PROVE, eddsa.public_key(key), eddsa.sign(key, 1234), 1234)
        _HONEST = cs, cs.to_matrices(), cs.assignment()
    return _HONEST


@settings(max_examples=40)
@given(data=st.data())
def test_tampering_any_witness_breaks_a_named_constraint(data):
    cs, m, z = honest_verifier()
    assert m.which_is_unsatisfied(z) is None
    i = data.draw(st.integers(1, len(z) - 1))
    bad = list(z)
    bad[i] = (bad[i] + data.draw(st.integers(1, R - 1))) % R
    name = m.which_is_unsatisfied(bad)
    assert name is not None, cs.variable_name(i)
