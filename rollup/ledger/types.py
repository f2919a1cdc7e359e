"""Ledger transactions as the operator receives them (signed where a user authorises them).

Account state types (``AccountLeaf``, ``MarketState``) live in ``circuits.ledger.state``
so that the operator and the circuit hash the same structures.
"""

from __future__ import annotations

from dataclasses import dataclass

from circuits.ledger.params import TxType
from circuits.ledger.state import NO_KEY
from circuits.native.babyjubjub import Point
from circuits.native.eddsa import Signature


@dataclass(frozen=True)
class QueueItem:
    """An L1 queue entry (deposit or forced-exit request), in L1 order."""

    kind: int  # TxType.DEPOSIT or TxType.FORCED_EXIT
    account: int
    amount: int = 0  # deposits only
    pubkey: Point = NO_KEY  # deposits only: the key registered on L1 for the account


@dataclass(frozen=True)
class Deposit:
    """An L1 deposit; one the ledger cannot apply (collateral would leave its range) is posted
    as a DEPOSIT_REFUND record instead: consumed here, refunded to the depositor on L1."""

    account: int
    amount: int
    pubkey: Point
    tx_type = TxType.DEPOSIT

    def queue_item(self) -> QueueItem:
        return QueueItem(TxType.DEPOSIT, self.account, self.amount, self.pubkey)


@dataclass(frozen=True)
class Withdraw:
    account: int
    amount: int
    expiry: int
    signature: Signature
    tx_type = TxType.WITHDRAW


@dataclass(frozen=True)
class Trade:
    """An RFQ fill: the buyer's size grows by amount, the seller's shrinks, at price."""

    market: int
    buyer: int
    seller: int
    amount: int
    price: int
    expiry: int
    buyer_signature: Signature
    seller_signature: Signature
    tx_type = TxType.TRADE


@dataclass(frozen=True)
class FundingTick:
    """Signed by the oracle over (record, nonces 0, expiry = the market's funding time before it),
    so each signature applies once: the tick moves the funding time to the ledger time."""

    market: int
    delta: int  # signed change of the market's funding index
    signature: Signature
    tx_type = TxType.FUNDING


@dataclass(frozen=True)
class OracleTick:
    market: int
    price: int
    timestamp: int
    signature: Signature
    tx_type = TxType.ORACLE


@dataclass(frozen=True)
class Liquidation:
    """The liquidator takes over `amount` of the liquidated position at the oracle price."""

    market: int
    liquidated: int
    liquidator: int
    amount: int
    expiry: int
    signature: Signature  # by the liquidator
    tx_type = TxType.LIQUIDATION


@dataclass(frozen=True)
class ForcedExit:
    account: int
    tx_type = TxType.FORCED_EXIT

    def queue_item(self) -> QueueItem:
        return QueueItem(TxType.FORCED_EXIT, self.account)


@dataclass(frozen=True)
class ForcedClose:
    """Closes `amount` of the exiting account's position in `market` against the counterparty's
    opposite position at the oracle price; only while the account's forced exit is next in the L1
    queue.  Nobody signs it: both values are kept (up to the quote's rounding) and both risks fall."""

    market: int
    account: int  # the exiting account (record field a)
    counterparty: int  # holds the opposite position (record field b)
    amount: int
    tx_type = TxType.FORCED_CLOSE


@dataclass(frozen=True)
class Noop:
    tx_type = TxType.NOOP


Transaction = Deposit | Withdraw | Trade | FundingTick | OracleTick | Liquidation | ForcedExit | ForcedClose | Noop
