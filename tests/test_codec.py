"""Transaction JSON: round trips, one encoding per transaction, and hostile input is a typed error."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rollup.errors import TransactionFormatError
from rollup.ledger import codec
from rollup.ledger.demo import funded_world
from rollup.ledger.types import ForcedExit, Noop


@pytest.fixture(scope="module")
def samples():
    w, _ = funded_world()
    trade = w.trade(0, 0, 1, 10, 3_000_000)
    return [trade, w.tick(0, 3_100_000), w.wallets[0].withdraw(w.state, 0, 5, 1 << 40), ForcedExit(2), Noop()]


def test_round_trip_and_canonical_hash(samples):
    for tx in samples:
        text = codec.dumps(tx)
        assert codec.loads(text) == tx
        assert codec.loads(json.dumps(json.loads(text), indent=2)) == tx  # whitespace is not part of it
        assert codec.tx_hash(codec.loads(text)) == codec.tx_hash(tx)
    assert len({codec.tx_hash(tx) for tx in samples}) == len(samples)


def test_big_integers_are_strings_small_ones_numbers(samples):
    obj = codec.encode(samples[0])
    assert obj["amount"] == 10 and isinstance(obj["buyer_signature"]["s"], str)
    assert codec.decode({**obj, "amount": "10"}) == samples[0]  # either spelling decodes


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"type": "mint"}, "unknown transaction type"),
        ({"amount": True}, "expected an integer"),
        ({"amount": 1.5}, "expected an integer"),
        ({"amount": "1e3"}, "expected an integer"),
        ({"amount": "٣"}, "expected an integer"),  # a non-ASCII digit
        ({"amount": "9" * 79}, "expected an integer"),
        ({"amount": 10**79}, "more than 78 digits"),
        ({"extra": 1}, "unexpected"),
        ({"buyer_signature": {"r8": [1, 2]}}, "expected"),
        ({"buyer_signature": {"r8": [1], "s": 3}}, "expected a point"),
    ],
)
def test_malformed_fields_are_named(samples, change, reason):
    obj = {**codec.encode(samples[0]), **change}
    with pytest.raises(TransactionFormatError, match=reason):
        codec.decode(obj)


def test_missing_field_and_non_object():
    with pytest.raises(TransactionFormatError, match="missing"):
        codec.decode({"type": "forced_exit"})
    with pytest.raises(TransactionFormatError):
        codec.decode([1, 2])


def test_hostile_text_is_bounded():
    for text in ["[" * 100_000, "{" * 50, b"\xff\xfe", "x" * (codec.MAX_BYTES + 1), ""]:
        with pytest.raises(TransactionFormatError):
            codec.loads(text)


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
        lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=12), c, max_size=6),
        max_leaves=30,
    )
)
def test_decoder_raises_only_typed_errors(obj):
    try:
        codec.decode(obj)
    except TransactionFormatError:
        pass


@given(st.binary(max_size=300))
def test_loads_raises_only_typed_errors(raw):
    try:
        codec.loads(raw)
    except TransactionFormatError:
        pass
