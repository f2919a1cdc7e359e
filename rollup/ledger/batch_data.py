"""The batch data posted to L1: ``version (1 byte) ‖ batch_size records of 20 bytes``.

Unused slots are all-zero no-op records (4 gas a byte in calldata).  Decoding is
strict: anything but a canonical encoding for these parameters raises
``BatchDataError``, so one state change has exactly one posting.
"""

from __future__ import annotations

from collections.abc import Sequence

from circuits.errors import RangeError
from circuits.ledger.params import RECORD_BYTES, VERSION, LedgerParams, TxType
from circuits.ledger.records import Record
from rollup.errors import BatchDataError


def encode_batch(records: Sequence[Record]) -> bytes:
    try:
        return bytes([VERSION]) + b"".join(r.to_bytes() for r in records)
    except RangeError as exc:
        raise BatchDataError(str(exc)) from exc


def _check_record(rec: Record, params: LedgerParams, k: int) -> None:
    if rec.tx_type not in TxType.ALL:
        raise BatchDataError(f"record {k}: unknown type {rec.tx_type}")
    if rec.unused_nonzero():
        raise BatchDataError(f"record {k}: type {rec.tx_type} sets unused fields {rec.unused_nonzero()}")
    if rec.market >= len(params.markets):
        raise BatchDataError(f"record {k}: market {rec.market} is not configured")
    if max(rec.a, rec.b) >= params.num_accounts:
        raise BatchDataError(f"record {k}: account index beyond the tree")


def decode_batch(data: bytes, params: LedgerParams) -> list[Record]:
    """The records of a posting, or BatchDataError naming what is wrong."""
    if not isinstance(data, bytes | bytearray):
        raise BatchDataError(f"batch data must be bytes, not {type(data).__name__}")
    expected = 1 + RECORD_BYTES * params.batch_size
    if len(data) != expected:
        raise BatchDataError(f"batch data is {len(data)} bytes, expected {expected}")
    if data[0] != VERSION:
        raise BatchDataError(f"unknown batch data version {data[0]}")
    records = []
    for k in range(params.batch_size):
        rec = Record.from_bytes(bytes(data[1 + RECORD_BYTES * k : 1 + RECORD_BYTES * (k + 1)]))
        _check_record(rec, params, k)
        records.append(rec)
    return records
