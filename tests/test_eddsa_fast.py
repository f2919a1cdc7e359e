"""EdDSA-Poseidon fast paths: identical keys and signatures, identical verdicts, batch verification."""

import functools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from circuits.errors import RangeError
from circuits.field import R
from circuits.native import babyjubjub as bjj
from circuits.native import eddsa
from tests.reference import bjj_plain as plain

L = bjj.SUBORDER


@functools.cache
def torsion() -> list[bjj.Point]:
    t = plain.mul(bjj.GENERATOR, L)
    return [plain.mul(t, k) for k in range(8)]


@functools.cache
def signed(seed: int) -> tuple[int, eddsa.Signature, bjj.Point]:
    key = seed.to_bytes(4, "little") * 8
    msg = (seed * 0x9E3779B97F4A7C15) % R
    return msg, eddsa.sign(key, msg), eddsa.public_key(key)


def _moved(p: bjj.Point, k: int) -> bjj.Point:
    return bjj.add(p, torsion()[k])


TAMPERINGS = {
    "none": lambda m, s, a: (m, s, a),
    "msg+1": lambda m, s, a: ((m + 1) % R, s, a),
    "msg+r": lambda m, s, a: (m + R, s, a),  # the same field element: still valid
    "S+1": lambda m, s, a: (m, eddsa.Signature(s.r8, (s.s + 1) % L), a),
    "S+l": lambda m, s, a: (m, eddsa.Signature(s.r8, s.s + L), a),
    "S=l": lambda m, s, a: (m, eddsa.Signature(s.r8, L), a),
    "S<0": lambda m, s, a: (m, eddsa.Signature(s.r8, s.s - L), a),
    "R8+T2": lambda m, s, a: (m, eddsa.Signature(_moved(s.r8, 4), s.s), a),
    "R8+T8": lambda m, s, a: (m, eddsa.Signature(_moved(s.r8, 1), s.s), a),
    "R8=O": lambda m, s, a: (m, eddsa.Signature(bjj.IDENTITY, s.s), a),
    "R8 off curve": lambda m, s, a: (m, eddsa.Signature((s.r8[0], (s.r8[1] + 1) % R), s.s), a),
    "R8.y+r": lambda m, s, a: (m, eddsa.Signature((s.r8[0], s.r8[1] + R), s.s), a),
    "A+T2": lambda m, s, a: (m, s, _moved(a, 4)),
    "A+T8": lambda m, s, a: (m, s, _moved(a, 3)),
    "A.x+r": lambda m, s, a: (m, s, (a[0] + R, a[1])),
    "A small order": lambda m, s, a: (m, s, torsion()[2]),
    "A=O": lambda m, s, a: (m, s, bjj.IDENTITY),
    "A=-A": lambda m, s, a: (m, s, bjj.neg(a)),
    "not a signature": lambda m, s, a: (m, (s.r8, s.s), a),
}


@given(st.binary(min_size=0, max_size=64), st.one_of(st.sampled_from([0, 1, R - 1]), st.integers(0, R - 1)))
@settings(max_examples=10)
def test_keys_and_signatures_are_byte_identical(key, msg):
    assert eddsa.public_key(key) == plain.public_key(key)
    assert eddsa.sign(key, msg) == plain.sign(key, msg)


@pytest.mark.parametrize("how", TAMPERINGS)
def test_verdicts_equal_the_reference(how):
    for seed in (1, 2):
        m, s, a = TAMPERINGS[how](*signed(seed))
        want = isinstance(s, eddsa.Signature) and plain.verify(m, s, a)
        assert eddsa.verify(m, s, a) == want
        assert eddsa.verify_batch([(m, s, a)]) == ([] if want else [0])
    assert eddsa.verify(*TAMPERINGS[how](*signed(3))) == (how in ("none", "msg+r"))


def test_small_order_keys_with_forged_signatures_are_refused():
    for t in torsion():  # S·B8 = R8 + hm·8A holds trivially with R8 = S·B8 when 8A = O
        forged = eddsa.Signature(plain.mul(bjj.BASE8, 5), 5)
        assert not eddsa.verify(7, forged, t) and eddsa.verify_batch([(7, forged, t)]) == [0]


@given(st.lists(st.sampled_from(sorted(TAMPERINGS)), min_size=0, max_size=12), st.data())
@settings(max_examples=15)
def test_batch_names_exactly_the_bad_signatures(hows, data):
    items = [TAMPERINGS[h](*signed(data.draw(st.integers(1, 40)))) for h in hows]
    want = [i for i, (m, s, a) in enumerate(items) if not (isinstance(s, eddsa.Signature) and eddsa.verify(m, s, a))]
    assert eddsa.verify_batch(items) == want


def test_torsion_in_two_nonces_does_not_cancel():
    """R8 + T2 in two signatures: a combination with even weights would cancel the torsion, the
    single check refuses both, so the batch must too."""
    items = [TAMPERINGS["R8+T2"](*signed(s)) for s in (5, 6)] + [signed(7)] * 3
    assert eddsa.verify_batch(items) == [0, 1]


def test_large_batch_with_one_bad_signature_in_the_middle():
    items = [signed(s) for s in range(10, 42)]
    m, s, a = items[17]
    items[17] = (m, eddsa.Signature(s.r8, (s.s + 1) % L), a)
    assert eddsa.verify_batch(items) == [17]
    assert eddsa.verify_batch(items[:17] + items[18:]) == []


@pytest.mark.parametrize("msg", ["1", 1.0, 1.9, True, None, b"\x01"])
def test_a_message_that_is_not_an_integer_is_malformed(msg):
    """Never coerced: 1.9 or "1" would otherwise stand for another message's signature (an
    integer is taken mod r, as circomlibjs does)."""
    key = b"malformed message"
    sig = eddsa.sign(key, 1)
    for call in (lambda: eddsa.verify(msg, sig, eddsa.public_key(key)), lambda: eddsa.sign(key, msg)):
        with pytest.raises(RangeError, match="must be an integer"):
            call()
    with pytest.raises(RangeError):
        eddsa.verify_batch([(msg, sig, eddsa.public_key(key))])
