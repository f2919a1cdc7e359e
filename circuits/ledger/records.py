"""The batch-data record: what one transaction slot posts to L1 (24 bytes).

Layout, big-endian:  type (1) | market (1) | account a (3) | account b (3) | amount (8) | price (8)

| type        | market | a          | b          | amount                  | price        |
| noop        | 0      | 0          | 0          | 0                       | 0            |
| deposit     | 0      | account    | 0          | amount                  | 0            |
| withdraw    | 0      | account    | 0          | amount                  | 0            |
| trade       | market | buyer      | seller     | size traded             | fill price   |
| funding     | market | 0          | 0          | Δ index (two's compl.)  | 0            |
| oracle      | market | 0          | 0          | timestamp               | price        |
| liquidation | market | liquidated | liquidator | size taken over         | 0            |
| forced exit | 0      | account    | 0          | amount paid out         | 0            |

Fields a type does not use must be zero, so every state change has exactly one
encoding.  The circuit reads the same bits (``circuits.ledger.slot``).
"""

from __future__ import annotations

from dataclasses import dataclass

from circuits.errors import ParameterError, RangeError
from circuits.ledger.params import RECORD_BYTES, TxType

# (name, width in bytes) in posting order
LAYOUT = (("tx_type", 1), ("market", 1), ("a", 3), ("b", 3), ("amount", 8), ("price", 8))
USES = {  # fields each type may set (besides tx_type)
    TxType.NOOP: (),
    TxType.DEPOSIT: ("a", "amount"),
    TxType.WITHDRAW: ("a", "amount"),
    TxType.TRADE: ("market", "a", "b", "amount", "price"),
    TxType.FUNDING: ("market", "amount"),
    TxType.ORACLE: ("market", "amount", "price"),
    TxType.LIQUIDATION: ("market", "a", "b", "amount"),
    TxType.FORCED_EXIT: ("a", "amount"),
}
if sum(w for _, w in LAYOUT) != RECORD_BYTES:  # checked at import
    raise ParameterError("record layout does not add up to RECORD_BYTES")


@dataclass(frozen=True)
class Record:
    tx_type: int = TxType.NOOP
    market: int = 0
    a: int = 0
    b: int = 0
    amount: int = 0
    price: int = 0

    def to_bytes(self) -> bytes:
        out = b""
        for name, width in LAYOUT:
            v = getattr(self, name)
            if not 0 <= v < (1 << (8 * width)):
                raise RangeError(f"record field {name}={v} does not fit {width} bytes")
            out += v.to_bytes(width, "big")
        return out

    @classmethod
    def from_bytes(cls, raw: bytes) -> Record:
        if len(raw) != RECORD_BYTES:
            raise RangeError(f"a record is {RECORD_BYTES} bytes, got {len(raw)}")
        values, pos = {}, 0
        for name, width in LAYOUT:
            values[name] = int.from_bytes(raw[pos : pos + width], "big")
            pos += width
        return cls(**values)

    def to_int(self) -> int:
        """The record as one 192-bit integer (what signatures sign)."""
        return int.from_bytes(self.to_bytes(), "big")

    def unused_nonzero(self) -> list[str]:
        """Fields that are set although the type does not use them."""
        used = USES.get(self.tx_type, ())
        return [n for n, _ in LAYOUT[1:] if n not in used and getattr(self, n)]


def signed_amount(raw: int) -> int:
    """Read a 64-bit field as two's complement."""
    return raw - (1 << 64) if raw >> 63 else raw


def encode_signed(v: int) -> int:
    if not -(1 << 63) <= v < (1 << 63):
        raise RangeError(f"{v} does not fit a signed 64-bit field")
    return v % (1 << 64)
