"""Building signed transactions: what a trader's wallet and the price oracle do.

Signatures cover the record, the signers' current nonces and an expiry
(``circuits.ledger.state.message``), so they must be made against the state the
transaction will meet; within one batch that includes the batch's earlier
transactions.
"""

from __future__ import annotations

from dataclasses import dataclass

from circuits.ledger.params import TxType
from circuits.ledger.records import Record, encode_signed
from circuits.ledger.state import message
from circuits.native import eddsa
from circuits.native.babyjubjub import Point
from rollup.ledger.state import LedgerState
from rollup.ledger.transition import funding_expiry, message_for
from rollup.ledger.types import FundingTick, Liquidation, OracleTick, Trade, Withdraw


@dataclass(frozen=True)
class Wallet:
    private_key: bytes

    @property
    def pubkey(self) -> Point:
        return eddsa.public_key(self.private_key)

    def sign(self, msg: int) -> eddsa.Signature:
        return eddsa.sign(self.private_key, msg)

    def withdraw(self, state: LedgerState, account: int, amount: int, expiry: int) -> Withdraw:
        rec = Record(TxType.WITHDRAW, 0, account, 0, amount)
        return Withdraw(account, amount, expiry, self.sign(message_for(state, rec, expiry)))

    def liquidate(
        self, state: LedgerState, market: int, liquidated: int, liquidator: int, amount: int, expiry: int
    ) -> Liquidation:
        rec = Record(TxType.LIQUIDATION, market, liquidated, liquidator, amount)
        sig = self.sign(message_for(state, rec, expiry))
        return Liquidation(market, liquidated, liquidator, amount, expiry, sig)


def trade_message(
    state: LedgerState, market: int, buyer: int, seller: int, amount: int, price: int, expiry: int
) -> int:
    """The terms both sides of an RFQ fill sign."""
    return message_for(state, Record(TxType.TRADE, market, buyer, seller, amount, price), expiry)


def trade(
    state: LedgerState, buyer: Wallet, seller: Wallet, terms: tuple[int, int, int, int, int], expiry: int
) -> Trade:
    """A trade signed by both wallets; terms = (market, buyer, seller, amount, price)."""
    msg = trade_message(state, *terms, expiry)
    return Trade(*terms, expiry, buyer.sign(msg), seller.sign(msg))


def oracle_tick(domain: int, oracle: Wallet, market: int, price: int, timestamp: int) -> OracleTick:
    rec = Record(TxType.ORACLE, market, amount=timestamp, price=price)
    return OracleTick(market, price, timestamp, oracle.sign(message(domain, rec.to_int(), 0, 0, 0)))


def funding_tick(state: LedgerState, oracle: Wallet, market: int, delta: int) -> FundingTick:
    """The oracle's signed funding update; it binds the market's current funding time, so it
    applies once (``rollup.ledger.transition._funding``)."""
    rec = Record(TxType.FUNDING, market, amount=encode_signed(delta))
    msg = message(state.domain, rec.to_int(), 0, 0, funding_expiry(state, market))
    return FundingTick(market, delta, oracle.sign(msg))
