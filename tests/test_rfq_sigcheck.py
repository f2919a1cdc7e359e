"""The gateway's fast EdDSA-Poseidon against the reference (circuits.native.eddsa): the same
signatures, and the same verdict on valid, tampered and malformed signatures and keys."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from circuits.field import R
from circuits.native import babyjubjub as bjj
from circuits.native import eddsa
from rollup.rfq import sigcheck

keys = st.binary(min_size=1, max_size=40)
msgs = st.integers(min_value=0, max_value=R - 1)
ORDER2 = (0, R - 1)  # the point of order 2


def same(msg, sig, key):
    fast, ref = sigcheck.verify(msg, sig, key), eddsa.verify(msg, sig, key)
    assert fast == ref, (msg, sig, key)
    return fast


@given(keys, msgs)
def test_same_signatures_and_both_accept(key, msg):
    sig = sigcheck.sign(key, msg)
    assert sig == eddsa.sign(key, msg)
    assert sigcheck.public_key(key) == eddsa.public_key(key)
    assert same(msg, sig, eddsa.public_key(key))


@given(keys, msgs, st.integers(min_value=1, max_value=5))
def test_same_verdict_on_tampering(key, msg, delta):
    sig, pk = eddsa.sign(key, msg), eddsa.public_key(key)
    assert not same((msg + delta) % R, sig, pk)
    assert not same(msg, eddsa.Signature(sig.r8, (sig.s + delta) % bjj.SUBORDER), pk)
    assert not same(msg, eddsa.Signature(bjj.add(sig.r8, bjj.BASE8), sig.s), pk)
    assert not same(msg, sig, eddsa.public_key(key + b"x"))


def test_same_verdict_on_malformed_input():
    key = b"trader 1"
    msg, pk = 42, eddsa.public_key(key)
    sig = eddsa.sign(key, msg)
    assert not same(msg, eddsa.Signature(sig.r8, sig.s + bjj.SUBORDER), pk)  # S not reduced
    assert not same(msg, eddsa.Signature((1, 2), sig.s), pk)  # R8 off the curve
    assert not same(msg, sig, (1, 2))  # key off the curve
    assert not same(msg, sig, bjj.IDENTITY)  # small-order keys
    assert not same(msg, sig, ORDER2)
    torsion = bjj.add(pk, ORDER2)  # a key with a small-order component: same verdict either way
    same(msg, sig, torsion)
    forged = eddsa.Signature(bjj.IDENTITY, 0)  # S = 0, R8 = O against a small-order key
    assert not same(msg, forged, bjj.IDENTITY)
