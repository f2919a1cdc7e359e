"""The batch data posted to L1: ``version (1 byte) ‖ batch time (5 bytes) ‖ batch_size records of 20 bytes``.

The batch time (big-endian, below 2^40) is the ledger clock the batch starts from: at least the
previous ledger time, and checked by the rollup contract against ``block.timestamp``.

Unused slots are all-zero no-op records (4 gas a byte in calldata).  Decoding is
strict: anything but a canonical encoding for these parameters raises
``BatchDataError``, so one state change has exactly one posting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from circuits.errors import RangeError
from circuits.ledger.params import RECORD_BYTES, TIME_BITS, VERSION, LedgerParams, TxType
from circuits.ledger.records import Record
from rollup.errors import BatchDataError

TIME_BYTES = TIME_BITS // 8
HEAD_BYTES = 1 + TIME_BYTES  # version and batch time, before the records


@dataclass(frozen=True)
class Posting:
    time: int  # the batch time
    records: list[Record]


def encode_batch(batch_time: int, records: Sequence[Record]) -> bytes:
    if not isinstance(batch_time, int) or not 0 <= batch_time < (1 << TIME_BITS):
        raise BatchDataError(f"batch time {batch_time!r} is not below 2^{TIME_BITS}")
    try:
        return bytes([VERSION]) + batch_time.to_bytes(TIME_BYTES, "big") + b"".join(r.to_bytes() for r in records)
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


def decode_posting(data: bytes, params: LedgerParams) -> Posting:
    """The batch time and records of a posting, or BatchDataError naming what is wrong."""
    if not isinstance(data, bytes | bytearray):
        raise BatchDataError(f"batch data must be bytes, not {type(data).__name__}")
    expected = HEAD_BYTES + RECORD_BYTES * params.batch_size
    if len(data) != expected:
        raise BatchDataError(f"batch data is {len(data)} bytes, expected {expected}")
    if data[0] != VERSION:
        raise BatchDataError(f"unknown batch data version {data[0]}")
    records = []
    for k in range(params.batch_size):
        off = HEAD_BYTES + RECORD_BYTES * k
        rec = Record.from_bytes(bytes(data[off : off + RECORD_BYTES]))
        _check_record(rec, params, k)
        records.append(rec)
    return Posting(int.from_bytes(data[1:HEAD_BYTES], "big"), records)


def decode_batch(data: bytes, params: LedgerParams) -> list[Record]:
    """The records of a posting (``decode_posting`` for its batch time too)."""
    return decode_posting(data, params).records
