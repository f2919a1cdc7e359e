"""Typed errors of the rollup package.

``InvalidTransaction`` and its subclasses mean a well-formed transaction that the
ledger rules reject (the state is left untouched); ``BatchDataError`` means bytes
that are not a batch at all.
"""

from __future__ import annotations


class RollupError(Exception):
    """Base class for every error raised by ``rollup``."""


class InvalidTransaction(RollupError):
    """A transaction the ledger rules reject."""


class UnknownAccount(InvalidTransaction):
    """The account does not exist (or the index is outside the tree)."""


class UnknownMarket(InvalidTransaction):
    """The market index is not configured."""


class BadSignature(InvalidTransaction):
    """A signature does not verify for the signer's key, nonce and terms."""


class Expired(InvalidTransaction):
    """The ledger time is past the transaction's expiry."""


class Overdraft(InvalidTransaction):
    """A withdrawal larger than the collateral held."""


class MarginViolation(InvalidTransaction):
    """An account would end below initial margin."""


class NotLiquidatable(InvalidTransaction):
    """Liquidation of an account whose value covers maintenance risk, or of too much size."""


class StaleOraclePrice(InvalidTransaction):
    """An oracle tick whose timestamp does not increase the ledger time, or a withdrawal, trade or
    liquidation while a priced market's tick is older than ``max_price_age``."""


class StaleBatchTime(InvalidTransaction):
    """A batch time before the ledger time, or not below 2^40."""


class FundingOutOfBounds(InvalidTransaction):
    """A funding change beyond max rate × elapsed time."""


class UnpricedMarket(InvalidTransaction):
    """A trade or liquidation in a market without a positive oracle price (positions there would
    carry neither value nor risk, so no margin check could see them)."""


class UncheckableTransaction(InvalidTransaction):
    """The spec failed on this transaction with an unexpected error (a bug, logged by the node):
    it is refused, never applied, and the node keeps serving."""


class QueueMismatch(InvalidTransaction):
    """A deposit or forced exit that is not the next item of the L1 queue."""


class PositionsOpen(InvalidTransaction):
    """A forced exit of an account that still holds a position it must close first (ForcedClose
    records against opposite positions, at the oracle price)."""


class BadForcedClose(InvalidTransaction):
    """A forced close that does not shrink both positions toward zero, or whose account's forced
    exit is not next in the L1 queue."""


class RangeViolation(InvalidTransaction):
    """An amount, price or balance outside its integer range (including negative amounts)."""


class SelfTrade(InvalidTransaction):
    """Both sides of a trade or liquidation are the same account."""


class BatchFull(RollupError):
    """More transactions than the batch has slots."""


class BatchDataError(RollupError):
    """Posted batch data that does not decode (wrong version, length, type or field)."""


class TransactionFormatError(RollupError):
    """A transaction's JSON that does not decode (unknown type, missing field, not an integer)."""


# ---- operator node (rollup.node) ----------------------------------------------------


class OperatorNodeError(RollupError):
    """Base class of the operator node's errors."""


class NodeConfigError(OperatorNodeError):
    """A node directory or configuration file that cannot be used (missing, unknown key, wrong type)."""


class StoreError(OperatorNodeError):
    """The node's database failed; the operation was rolled back and nothing was acknowledged."""


class StoreBusy(StoreError):
    """The database stayed locked by another writer for longer than the busy timeout."""


class StoreFull(StoreError):
    """The disk (or the database's page limit) is full."""


class StateCodecError(StoreError):
    """A stored ledger state that does not decode: an old (pickle) format, truncated, a value out of
    range, other parameters, or accounts that do not rebuild the stored root."""


class NotAccepted(OperatorNodeError):
    """A transaction type the API does not take (deposits and forced exits come from L1 events)."""


class NodeUnavailable(OperatorNodeError):
    """The node cannot take transactions now (rollup frozen on L1, shutting down, store failing)."""


class NodeRefused(OperatorNodeError):
    """The node's API said no: ``kind`` is the error class it named, ``status`` the HTTP status."""

    def __init__(self, kind: str, message: str, status: int) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind, self.status = kind, status


# ---- watchers (rollup.monitor) -------------------------------------------------------


class MonitorError(RollupError):
    """Base class of the watchers' errors (``zkdx verify-chain``, ``zkdx monitor``)."""


class ChainReadError(MonitorError):
    """L1 cannot be read as a zkdx rollup: unreachable, not a rollup, or its data is missing."""


class VerifierCodeError(MonitorError):
    """The deployed verifier's code is not the Groth16 verifier of a key we can read back or were given."""


class CheckpointError(MonitorError):
    """A saved checkpoint that is corrupted or disagrees with L1: detected, never trusted."""


class MonitorConfigError(MonitorError):
    """A watcher configuration file that cannot be used (unknown key, wrong type, bad value)."""
