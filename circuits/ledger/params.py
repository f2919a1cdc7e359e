"""Ledger parameters fixed at setup: tree shape, batch size, markets, oracle key.

Market configuration (price scale, risk factors, funding bound) is a constant of
the circuit: changing it needs a new setup.  Value, risk and every bound below are
integers; the widths are chosen so that no product can wrap around r.

Margin, as in StarkEx, with D = lcm(price scales) and c_m = D / scale_m:
  value_scaled = collateral·D + Σ size_m·price_m·c_m
  risk_scaled  = Σ |size_m|·price_m·c_m·risk_factor_m        (risk factors in RISK_UNIT)
  healthy      ⇔ value_scaled·RISK_UNIT ≥ risk_scaled.
"""

from __future__ import annotations

import functools
import hashlib
import math
from dataclasses import dataclass, field

from circuits.errors import ParameterError
from circuits.field import R
from circuits.native import babyjubjub as bjj

ARITY = 4
VERSION = 4  # batch data format version (first byte of the posted data); 4: batch time, price times
RECORD_BYTES = 20
MAX_DEPTH = 12  # account indices are 3 bytes in a record: 4^12 = 2^24 leaves
MAX_MARKETS = 5  # the account leaf hashes 4 + 2 fields per market with one Poseidon (≤ 16 inputs)

AMOUNT_BITS = 64  # deposit/withdraw/trade amounts, timestamps, expiries: unsigned 64-bit
PRICE_BITS = 40  # trade and oracle prices: unsigned 40-bit (12 digits at the market's price scale)
COLLATERAL_BITS = 64  # collateral: signed 64-bit
SIZE_BITS = 48  # position sizes: signed 48-bit (|size| < 2^47), so the margin ratio fits the field
INDEX_BITS = 64  # funding indices: signed 64-bit
NONCE_BITS = 32
SCALE_BITS = 20  # D = lcm(price scales) < 2^20
CAP_BITS = 32  # funding caps in ppm of notional per hour
RISK_UNIT = 10_000  # risk factors in basis points
FUNDING_UNIT = 3600 * 10**6  # a cap of k means |Δindex|·scale·FUNDING_UNIT ≤ k·price·elapsed seconds
TIME_BITS = 40  # batch times and oracle timestamps: below 2^40 s (the posted batch time is 5 bytes)
AGE_BITS = 32  # max_price_age < 2^32 s
SIGNED_BITS = COLLATERAL_BITS  # kept for callers that mean "a signed 64-bit ledger integer"


class TxType:
    """Transaction type codes (the first byte of a record)."""

    NOOP = 0
    DEPOSIT = 1
    WITHDRAW = 2
    TRADE = 3
    FUNDING = 4
    ORACLE = 5
    LIQUIDATION = 6
    FORCED_EXIT = 7
    DEPOSIT_REFUND = 8  # a deposit the ledger cannot apply: consumed here, refunded on L1
    FORCED_CLOSE = 9  # closes a position of the account whose forced exit is next in the L1 queue
    ALL = (0, 1, 2, 3, 4, 5, 6, 7, 8, 9)
    QUEUED = (DEPOSIT, FORCED_EXIT, DEPOSIT_REFUND)  # consume an L1 queue item


@dataclass(frozen=True)
class Market:
    """A perpetual market's fixed configuration."""

    market_id: int  # index in LedgerParams.markets (the record's market byte)
    price_scale: int  # price is quoted in collateral units per price_scale size units
    risk_factor_initial: int  # in RISK_UNIT; trades and withdrawals must leave value ≥ initial risk
    risk_factor_maintenance: int  # in RISK_UNIT; liquidation allowed iff value < maintenance risk
    funding_cap: int  # in ppm of notional per hour: |Δindex|·scale·FUNDING_UNIT ≤ cap·price·elapsed

    def validate(self, index: int) -> None:
        if self.market_id != index:
            raise ParameterError(f"market {index} has market_id {self.market_id}")
        if not 1 <= self.price_scale < (1 << SCALE_BITS):
            raise ParameterError(f"market {index}: price_scale out of range")
        if not 0 < self.risk_factor_maintenance <= self.risk_factor_initial <= RISK_UNIT:
            raise ParameterError(f"market {index}: need 0 < maintenance ≤ initial ≤ {RISK_UNIT}")
        if not 0 <= self.funding_cap < (1 << CAP_BITS):
            raise ParameterError(f"market {index}: funding_cap out of range")


DEMO_ORACLE_SECRET = b"zkdx demo oracle key"  # the embedded defaults' oracle: for demos and tests only


def _default_oracle() -> bjj.Point:
    from circuits.native.eddsa import public_key

    return public_key(DEMO_ORACLE_SECRET)


DEFAULT_MARKETS = (  # funding capped at 1,000 ppm (0.1%) of notional an hour
    Market(0, 100, 500, 300, 1_000),  # e.g. BTC-PERP: 5% initial, 3% maintenance
    Market(1, 1_000, 1_000, 600, 1_000),  # e.g. ETH-PERP: 10% initial, 6% maintenance
)


@dataclass(frozen=True)
class LedgerParams:
    """Everything the circuit shape depends on."""

    depth: int = 8  # levels of the arity-4 account tree: 4^depth accounts
    batch_size: int = 4  # transaction slots per batch
    markets: tuple[Market, ...] = DEFAULT_MARKETS
    oracle_key: bjj.Point = field(default_factory=_default_oracle)
    max_price_age: int = 900  # s: withdrawals, trades and liquidations need every priced market this fresh

    def __post_init__(self) -> None:
        if not 1 <= self.depth <= MAX_DEPTH:
            raise ParameterError(f"depth {self.depth} outside 1..{MAX_DEPTH}")
        if not 0 < self.max_price_age < (1 << AGE_BITS):
            raise ParameterError(f"max_price_age must be in 1..2^{AGE_BITS} − 1 seconds")
        if self.batch_size < 1:
            raise ParameterError("batch_size must be at least 1")
        if not 1 <= len(self.markets) <= MAX_MARKETS:
            raise ParameterError(f"1..{MAX_MARKETS} markets supported")
        for i, m in enumerate(self.markets):
            m.validate(i)
        if self.scale_lcm >= (1 << SCALE_BITS):
            raise ParameterError(f"lcm of price scales must stay below 2^{SCALE_BITS}")
        if not bjj.on_curve(self.oracle_key) or not bjj.in_subgroup(self.oracle_key):
            raise ParameterError("oracle key is not a Baby Jubjub subgroup point")
        from circuits.ledger.bounds import Bounds  # checks that every margin quantity fits the field

        Bounds.of(self)

    @property
    def scale_lcm(self) -> int:
        """D: the common denominator of all price scales."""
        return math.lcm(*(m.price_scale for m in self.markets))

    def scale_factor(self, m: int) -> int:
        """c_m = D / price_scale_m."""
        return self.scale_lcm // self.markets[m].price_scale

    @property
    def num_accounts(self) -> int:
        return ARITY**self.depth

    @property
    def backstop(self) -> int:
        """The operator's backstop account: the tree's last index, which only the operator registers
        on L1; a forced close may move an exiting account's position into it."""
        return self.num_accounts - 1

    def key(self) -> str:
        """A short stable description, for file names and logs."""
        return f"d{self.depth}-n{self.batch_size}-m{len(self.markets)}"

    @functools.cached_property
    def digest(self) -> int:
        """A field element naming these parameters; the state root commits to it."""
        flat = [VERSION, self.depth, self.batch_size, *self.oracle_key, self.max_price_age]
        for m in self.markets:
            flat += [m.price_scale, m.risk_factor_initial, m.risk_factor_maintenance, m.funding_cap]
        raw = b"zkdx ledger params" + b"".join(v.to_bytes(32, "big") for v in flat)
        return int.from_bytes(hashlib.sha256(raw).digest(), "big") % R
