"""The gateway's message decoder under fuzzing: any text, any JSON value, any mutation of a
valid message either decodes to a schema-checked Message or raises ProtocolError, never
anything else (and never a segfault: nesting and size are bounded before json.loads)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rollup.rfq import protocol
from rollup.rfq.errors import ProtocolError

SIG = {"r8": ["1", "2"], "s": "3"}
VALID = [
    {"v": 1, "type": "rfq", "ref": "a", "market": 0, "side": "buy", "size": 10, "expiry": 1_800_000_000},
    {"v": 1, "type": "quote", "rfq_id": "ab12", "price": 3, "expiry": 5, "nonce_buyer": 0, "nonce_seller": "7",
     "signature": SIG},
    {"v": 1, "type": "accept", "quote_id": "0x" + "0" * 64, "signature": SIG},
    {"v": 1, "type": "cancel_rfq", "rfq_id": "ff"},
    {"v": 1, "type": "cancel_quote", "quote_id": "0x01"},
    {"v": 1, "type": "ping"},
    {"v": 1, "type": "account"},
]  # fmt: skip
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=10), kids, max_size=4),
    max_leaves=20,
)


def decode_or_refuse(text):
    try:
        msg = protocol.decode(text)
    except ProtocolError as exc:
        assert str(exc)
        return None
    assert msg.type in protocol.SCHEMA
    return msg


@pytest.mark.parametrize("obj", VALID, ids=[v["type"] for v in VALID])
def test_valid_messages_decode(obj):
    msg = protocol.decode(json.dumps(obj))
    assert msg.type == obj["type"] and set(msg.fields) == set(protocol.SCHEMA[obj["type"]])


@given(st.binary(max_size=300))
def test_any_bytes(raw):
    decode_or_refuse(raw)


@given(st.text(max_size=300))
def test_any_text(text):
    decode_or_refuse(text)


@given(json_values)
def test_any_json_value(value):
    decode_or_refuse(json.dumps(value))


@given(st.sampled_from(VALID), st.text(max_size=12), json_values)
def test_any_field_replaced_or_added(obj, key, value):
    """Replacing or adding one field is refused unless the result is still valid by the schema."""
    mutated = {**obj, key: value}
    msg = decode_or_refuse(json.dumps(mutated))
    if msg is not None:
        assert key in protocol.SCHEMA[mutated["type"]] or key in ("ref",) or mutated == obj or key == "v"


@given(st.sampled_from(VALID), st.data())
def test_any_field_removed(obj, data):
    key = data.draw(st.sampled_from(sorted(obj)))
    smaller = {k: v for k, v in obj.items() if k != key}
    assert decode_or_refuse(json.dumps(smaller)) is None or key == "ref"


def test_specific_refusals():
    cases = {
        '{"v": 1, "type": "rfq", "market": 0, "side": "buy", "size": true, "expiry": 1}': "size",
        '{"v": 1, "type": "rfq", "market": 0, "side": "buy", "size": 1.5, "expiry": 1}': "size",
        '{"v": 1, "type": "rfq", "market": 0, "side": "hold", "size": 1, "expiry": 1}': "side",
        '{"v": 1, "type": "rfq", "market": 16, "side": "buy", "size": 1, "expiry": 1}': "market",
        '{"v": 2, "type": "ping"}': "version",
        '{"v": true, "type": "ping"}': "version",
        '{"v": 1, "type": "launch"}': "unknown message type",
        '{"v": 1, "type": "ping", "ref": 5}': "ref",
        '{"v": 1, "type": "accept", "quote_id": "XYZ", "signature": {"r8": [1, 2], "s": 3}}': "hex id",
        '{"v": 1, "type": "accept", "quote_id": "0a", "signature": {"r8": [1], "s": 3}}': "signature",
        "[" * 100_000: "exceeds",
        "[" * 10 + "]" * 10: "nests deeper",
        "[]": "JSON object",
    }
    for text, words in cases.items():
        with pytest.raises(ProtocolError, match=words):
            protocol.decode(text)
    big = str(1 << 254)
    with pytest.raises(ProtocolError, match="field element|2\\^254"):
        protocol.decode(json.dumps({"v": 1, "type": "accept", "quote_id": "0a", "signature": {"r8": [big, 1], "s": 1}}))
