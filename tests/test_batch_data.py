"""Batch data encoding: round trip, strict decoding, and fuzzing (garbage never crashes or
yields a wrong state: it raises BatchDataError or, for well-formed but impossible data,
InvalidTransaction, and the state is untouched)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from circuits.errors import RangeError
from circuits.ledger.params import RECORD_BYTES, VERSION, LedgerParams, TxType
from circuits.ledger.records import USES, Record, encode_signed, signed_amount
from rollup.errors import BatchDataError, InvalidTransaction
from rollup.ledger.batch import process_batch, replay_batch
from rollup.ledger.batch_data import HEAD_BYTES, decode_batch, decode_posting, encode_batch
from rollup.ledger.demo import funded_world

PARAMS = LedgerParams(depth=4, batch_size=4)


@st.composite
def records(draw) -> Record:
    t = draw(st.sampled_from(TxType.ALL))
    used = USES[t]
    value = {
        "market": st.integers(0, len(PARAMS.markets) - 1),
        "a": st.integers(0, PARAMS.num_accounts - 1),
        "b": st.integers(0, PARAMS.num_accounts - 1),
        "amount": st.integers(0, 2**64 - 1),
        "price": st.integers(0, 2**40 - 1),
    }
    return Record(t, **{k: draw(v) if k in used else 0 for k, v in value.items()})


@given(st.lists(records(), min_size=4, max_size=4), st.integers(0, 2**40 - 1))
def test_round_trip(recs, batch_time):
    data = encode_batch(batch_time, recs)
    assert len(data) == 6 + RECORD_BYTES * 4 and data[0] == VERSION
    assert int.from_bytes(data[1:6], "big") == batch_time
    posting = decode_posting(data, PARAMS)
    assert posting.records == recs and posting.time == batch_time


@pytest.mark.parametrize("batch_time", [-1, 2**40, "7"])
def test_a_batch_time_outside_40_bits_does_not_encode(batch_time):
    with pytest.raises(BatchDataError, match="batch time"):
        encode_batch(batch_time, [Record()] * 4)


def test_a_trade_is_20_bytes_laid_out_as_documented():
    rec = Record(TxType.TRADE, 1, 5, 9, 10, 3_000_000)
    want = "31" + "000005" + "000009" + "000000000000000a" + "00002dc6c0"  # type|market, a, b, amount, price
    assert rec.to_bytes().hex() == want and Record.from_bytes(rec.to_bytes()) == rec


def test_a_price_beyond_40_bits_does_not_encode():
    with pytest.raises(RangeError, match="price"):
        Record(TxType.TRADE, 1, 5, 9, 10, 1 << 40).to_bytes()


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: d[:-1], "bytes, expected"),
        (lambda d: d + b"\0", "bytes, expected"),
        (lambda d: b"\x03" + d[1:], "version"),  # version 3 had no batch time
        (lambda d: d[:6] + b"\xa0" + d[7:], "unknown type"),
        (lambda d: d[:6] + b"\x11" + d[7:], "unused fields"),  # a deposit with a market
        (lambda d: d[:7] + b"\xff" + d[8:], "beyond the tree"),
        (lambda d: "not bytes", "must be bytes"),
    ],
)
def test_malformed_data_is_a_typed_error(mutate, message):
    data = encode_batch(1000, [Record(TxType.DEPOSIT, 0, 1, 0, 5)] + [Record()] * 3)
    with pytest.raises(BatchDataError, match=message):
        decode_batch(mutate(data), PARAMS)


def test_signed_fields_round_trip():
    for v in (0, 1, -1, 2**63 - 1, -(2**63)):
        assert signed_amount(encode_signed(v)) == v
    with pytest.raises(Exception, match="signed 64-bit"):
        encode_signed(2**63)


@given(st.binary(min_size=0, max_size=HEAD_BYTES + RECORD_BYTES * 4 + 2))
def test_garbage_never_crashes(blob):
    try:
        posting = decode_posting(blob, PARAMS)
    except BatchDataError:
        return
    assert encode_batch(posting.time, posting.records) == blob  # anything accepted is canonical
    assert decode_batch(blob, PARAMS) == posting.records


_WORLD = funded_world(PARAMS)


@given(st.integers(1, HEAD_BYTES - 1 + RECORD_BYTES * 4), st.integers(0, 255))
def test_replay_of_corrupted_data_fails_cleanly(pos, byte):
    w, start = _WORLD
    res = process_batch(start, [w.trade(0, 0, 1, 10, 3_000_000)])
    data = bytearray(res.data)
    data[pos] = byte
    root = start.root
    try:
        after = replay_batch(start, bytes(data))
    except (BatchDataError, InvalidTransaction):
        assert start.root == root
        return
    if bytes(data) == res.data:
        assert after.root == res.new_root
    else:
        assert after.root != res.new_root  # a different valid posting is a different state
