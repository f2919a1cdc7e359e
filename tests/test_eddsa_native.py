"""BLAKE-512, Baby Jubjub and EdDSA-Poseidon natively, cross-checked with circomlibjs both ways."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from circuits.errors import RangeError
from circuits.field import R
from circuits.native import babyjubjub as bjj
from circuits.native import eddsa
from circuits.native.blake512 import blake512
from tests.npm_tools import circomlibjs


def test_cross_check_with_circomlibjs():
    keys = [bytes([i]) * 32 for i in range(1, 4)] + [b"zkdx-market-maker-key-0001".ljust(32, b"\0")]
    msgs = [0, 1, R - 1, 2**200 + 12345]
    ours = [(k, m, eddsa.public_key(k), eddsa.sign(k, m)) for k, m in zip(keys, msgs, strict=True)]
    theirs = circomlibjs({
        "blake": ["", "00", "ab" * 111, "cd" * 112, "ef" * 300],
        "sign": [[k.hex(), str(m)] for k, m in zip(keys, msgs, strict=True)],
        "verify": [[str(m), [str(v) for v in s.r8], str(s.s), [str(v) for v in a]] for _, m, a, s in ours],
    })  # fmt: skip
    for data, digest in zip(["", "00", "ab" * 111, "cd" * 112, "ef" * 300], theirs["blake"], strict=True):
        assert blake512(bytes.fromhex(data)).hex() == digest
    batch = []
    for (_, m, a, s), t in zip(ours, theirs["keys"], strict=True):
        assert [str(v) for v in a] == t["A"]  # same key derivation
        assert ([str(v) for v in s.r8], str(s.s)) == (t["R8"], t["S"])  # same deterministic nonce
        theirs_sig = eddsa.Signature((int(t["R8"][0]), int(t["R8"][1])), int(t["S"]))
        assert eddsa.verify(m, theirs_sig, a)
        batch += [(m, theirs_sig, a), (m + 1, theirs_sig, a)]
    assert theirs["verify"] == [True] * len(ours)
    assert eddsa.verify_batch(batch) == list(range(1, len(batch), 2))  # their signatures, batched


def test_curve_constants():
    assert bjj.on_curve(bjj.GENERATOR) and bjj.on_curve(bjj.BASE8)
    assert bjj.mul(bjj.GENERATOR, 8) == bjj.BASE8
    assert bjj.mul(bjj.BASE8, bjj.SUBORDER) == bjj.IDENTITY
    assert bjj.mul(bjj.GENERATOR, bjj.SUBORDER) != bjj.IDENTITY  # the generator has order 8l


@given(st.integers(1, bjj.SUBORDER - 1), st.integers(1, bjj.SUBORDER - 1))
def test_group_law(a, b):
    p, q = bjj.mul(bjj.BASE8, a), bjj.mul(bjj.BASE8, b)
    assert bjj.add(p, q) == bjj.mul(bjj.BASE8, (a + b) % bjj.SUBORDER)
    assert bjj.add(p, bjj.neg(p)) == bjj.IDENTITY
    assert bjj.unpack(bjj.pack(p)) == p


def test_small_order_points_and_bad_encodings():
    two_torsion = (0, R - 1)  # order 2
    assert bjj.on_curve(two_torsion) and bjj.is_small_order(two_torsion)
    assert not bjj.in_subgroup(bjj.GENERATOR)
    with pytest.raises(RangeError, match="non-canonical"):
        bjj.unpack((R + 1).to_bytes(32, "little"))
    with pytest.raises(RangeError):
        bjj.unpack(b"\x00" * 31)


@given(st.binary(min_size=1, max_size=64), st.integers(0, R - 1), st.integers(0, R - 1))
def test_sign_verify_and_forgeries(key, msg, other):
    a = eddsa.public_key(key)
    sig = eddsa.sign(key, msg)
    assert eddsa.verify(msg, sig, a)
    if other != msg:
        assert not eddsa.verify(other, sig, a)
    assert not eddsa.verify(msg, eddsa.Signature(sig.r8, (sig.s + 1) % bjj.SUBORDER), a)
    assert not eddsa.verify(msg, eddsa.Signature(sig.r8, sig.s + bjj.SUBORDER), a)  # S ≥ l is malleable
    assert not eddsa.verify(msg, sig, bjj.add(a, (0, R - 1)))  # key moved by a torsion point


def test_small_order_key_is_rejected():
    assert not eddsa.verify(5, eddsa.Signature(bjj.IDENTITY, 0), bjj.IDENTITY)
