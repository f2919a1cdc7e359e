"""The batch-data record: what one transaction slot posts to L1 (20 bytes, 160 bits).

Layout in bits, big-endian:  type (4) | market (4) | account a (24) | account b (24) | amount (64) | price (40)

| type        | market | a          | b          | amount                  | price        |
| noop        | 0      | 0          | 0          | 0                       | 0            |
| deposit     | 0      | account    | 0          | amount                  | 0            |
| withdraw    | 0      | account    | 0          | amount                  | 0            |
| trade       | market | buyer      | seller     | size traded             | fill price   |
| funding     | market | 0          | 0          | Δ index (two's compl.)  | 0            |
| oracle      | market | 0          | 0          | timestamp               | price        |
| liquidation | market | liquidated | liquidator | size taken over         | 0            |
| forced exit | 0      | account    | 0          | amount paid out         | 0            |
| refund      | 0      | account    | 0          | amount refunded on L1   | 0            |
| forced close| market | exiting    | counterparty | size closed           | 0            |

A funding tick is signed by the oracle with the market's funding time in the message's expiry
slot; a refund is a deposit the ledger cannot apply (its collateral would leave the range);
a forced close moves size from the account whose forced exit is next in the L1 queue to an account
holding the opposite position, at the oracle price (the contract checks the queue).

Fields a type does not use must be zero, so every state change has exactly one
encoding.  The circuit reads the same bits (``circuits.ledger.slot``).
"""

from __future__ import annotations

from dataclasses import dataclass

from circuits.errors import ParameterError, RangeError
from circuits.ledger.params import AMOUNT_BITS, PRICE_BITS, RECORD_BYTES, TxType

# (name, width in bits) in posting order
LAYOUT = (("tx_type", 4), ("market", 4), ("a", 24), ("b", 24), ("amount", AMOUNT_BITS), ("price", PRICE_BITS))
WIDTH = dict(LAYOUT)
RECORD_BITS = 8 * RECORD_BYTES
USES = {  # fields each type may set (besides tx_type)
    TxType.NOOP: (),
    TxType.DEPOSIT: ("a", "amount"),
    TxType.WITHDRAW: ("a", "amount"),
    TxType.TRADE: ("market", "a", "b", "amount", "price"),
    TxType.FUNDING: ("market", "amount"),
    TxType.ORACLE: ("market", "amount", "price"),
    TxType.LIQUIDATION: ("market", "a", "b", "amount"),
    TxType.FORCED_EXIT: ("a", "amount"),
    TxType.DEPOSIT_REFUND: ("a", "amount"),
    TxType.FORCED_CLOSE: ("market", "a", "b", "amount"),
}
if sum(w for _, w in LAYOUT) != RECORD_BITS:  # checked at import
    raise ParameterError("record layout does not add up to RECORD_BYTES")


@dataclass(frozen=True)
class Record:
    tx_type: int = TxType.NOOP
    market: int = 0
    a: int = 0
    b: int = 0
    amount: int = 0
    price: int = 0

    def to_int(self) -> int:
        """The record as one 160-bit integer (what signatures sign); RangeError if a field does not fit."""
        out = 0
        for name, width in LAYOUT:
            v = getattr(self, name)
            if not 0 <= v < (1 << width):
                raise RangeError(f"record field {name}={v} does not fit {width} bits")
            out = (out << width) | v
        return out

    def to_bytes(self) -> bytes:
        return self.to_int().to_bytes(RECORD_BYTES, "big")

    @classmethod
    def from_bytes(cls, raw: bytes) -> Record:
        if len(raw) != RECORD_BYTES:
            raise RangeError(f"a record is {RECORD_BYTES} bytes, got {len(raw)}")
        values, rest = {}, int.from_bytes(raw, "big")
        for name, width in reversed(LAYOUT):
            values[name], rest = rest & ((1 << width) - 1), rest >> width
        return cls(**values)

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
