"""A firm quote's terms and the ledger message both sides sign.

The quote fixes the trade (market, buyer, seller, size, price), both accounts' nonces and
the expiry, so its message is exactly the ledger's trade message
(``circuits.ledger.state.message``): the maker's quote signature is its ledger signature
and the taker's accept signature is the other one.  The quote id is that message, so a
quote id names one set of terms and, through the nonces, can be filled at most once.
"""

from __future__ import annotations

from dataclasses import dataclass

from circuits.ledger.params import TxType
from circuits.ledger.records import Record
from circuits.ledger.state import message
from circuits.native.eddsa import Signature
from rollup.ledger.types import Trade


@dataclass(frozen=True)
class Terms:
    market: int
    buyer: int
    seller: int
    size: int
    price: int
    expiry: int  # Unix seconds; also the ledger expiry of the trade
    nonce_buyer: int
    nonce_seller: int

    def record(self) -> Record:
        return Record(TxType.TRADE, self.market, self.buyer, self.seller, self.size, self.price)

    def message(self, domain: int) -> int:
        """Poseidon(domain, record, nonce_buyer + nonce_seller·2^32, expiry)."""
        return message(domain, self.record().to_int(), self.nonce_buyer, self.nonce_seller, self.expiry)

    def trade(self, buyer_signature: Signature, seller_signature: Signature) -> Trade:
        return Trade(
            self.market, self.buyer, self.seller, self.size, self.price, self.expiry, buyer_signature, seller_signature
        )

    def to_json(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def quote_id(msg: int) -> str:
    return f"0x{msg:064x}"


def parties(side: str, taker: int, maker: int) -> tuple[int, int]:
    """(buyer, seller) for a taker on `side` ("buy": the taker buys from the maker)."""
    return (taker, maker) if side == "buy" else (maker, taker)
