"""The ledger spec: one function per transaction type, verify first, then mutate.

``effect_of(state, tx)`` checks a transaction against the state and returns its
``Effect`` (the record posted to L1, the account leaves written in lane order,
the new market state) without touching the state; ``apply_effect`` then writes
it.  A rejected transaction raises an ``InvalidTransaction`` subclass before any
write.  ``effect_of_record`` recomputes the same effect from a posted record
alone (no signatures), which is how anyone rebuilds the state from L1 data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from circuits.ledger.params import (
    AMOUNT_BITS,
    COLLATERAL_BITS,
    FUNDING_UNIT,
    INDEX_BITS,
    NONCE_BITS,
    PRICE_BITS,
    SIZE_BITS,
    TIME_BITS,
    TxType,
)
from circuits.ledger.records import WIDTH, Record, encode_signed, signed_amount
from circuits.ledger.state import NO_KEY, AccountLeaf, MarketState, message, queue_step
from circuits.native import eddsa
from circuits.native.babyjubjub import Point
from rollup.errors import (
    BadForcedClose,
    BadSignature,
    Expired,
    FundingOutOfBounds,
    InvalidTransaction,
    MarginViolation,
    NotLiquidatable,
    Overdraft,
    PositionsOpen,
    QueueMismatch,
    RangeViolation,
    SelfTrade,
    StaleBatchTime,
    StaleOraclePrice,
    UnpricedMarket,
)
from rollup.ledger import margin
from rollup.ledger.state import LedgerState
from rollup.ledger.types import (
    Deposit,
    ForcedClose,
    ForcedExit,
    FundingTick,
    Liquidation,
    Noop,
    OracleTick,
    QueueItem,
    Trade,
    Transaction,
    Withdraw,
)

C64 = 1 << (COLLATERAL_BITS - 1)  # collateral in [-C64, C64)
S48 = 1 << (SIZE_BITS - 1)  # sizes in [-S48, S48)
I64 = 1 << (INDEX_BITS - 1)  # funding indices in [-I64, I64)
S64 = C64  # a signed 64-bit amount (funding deltas)


@dataclass(frozen=True)
class Lane:
    index: int
    account: AccountLeaf  # after the transaction
    exists: bool  # after the transaction
    written: bool = True  # False: opened to prove a refusal (refunded deposit, refused forced exit)


@dataclass(frozen=True)
class Effect:
    record: Record
    lanes: tuple[Lane, ...] = ()  # lane a, then lane b
    markets: tuple[MarketState, ...] | None = None  # new market state, if changed
    time: int | None = None  # new ledger time, if changed
    queue_item: QueueItem | None = None  # the L1 item consumed


# ---- helpers -------------------------------------------------------------------


def _require(ok: bool, error: type[InvalidTransaction], msg: str) -> None:
    """Every rule goes through here: raise ``error`` unless ok (tests force single rules off)."""
    if not ok:
        raise error(msg)


def _unsigned(v: int, what: str, bits: int = AMOUNT_BITS) -> None:
    _require(
        isinstance(v, int) and 0 <= v < (1 << bits),
        RangeViolation,
        f"{what}={v!r} is not an unsigned {bits}-bit integer",
    )


def collateral_in_range(collateral: int) -> bool:
    return -C64 <= collateral < C64


def _check_ranges(acct: AccountLeaf, what: str) -> None:
    _require(
        collateral_in_range(acct.collateral),
        RangeViolation,
        f"{what}: collateral {acct.collateral} leaves the signed {COLLATERAL_BITS}-bit range",
    )
    _require(
        all(-S48 <= s < S48 for s in acct.sizes),
        RangeViolation,
        f"{what}: a position size leaves the signed {SIZE_BITS}-bit range",
    )
    _require(acct.nonce < (1 << NONCE_BITS), RangeViolation, f"{what}: nonce exhausted")


def _check_signature(key: Point, sig: object, msg: int, who: str) -> None:
    _require(
        isinstance(sig, eddsa.Signature) and eddsa.verify(msg, sig, key),
        BadSignature,
        f"{who}: signature does not verify",
    )


def _check_user(
    state: LedgerState, key: Point, sig: object, rec: Record, nonces: tuple[int, int], expiry: int, who: str
) -> None:
    """A user signature on (record, nonces, expiry) that has not expired."""
    _unsigned(expiry, "expiry")
    _require(state.time <= expiry, Expired, f"{who}: expired at {expiry}, ledger time is {state.time}")
    _check_signature(key, sig, message(state.domain, rec.to_int(), *nonces, expiry), who)


def _check_both_sides(state: LedgerState, tx: Trade, rec: Record, keys: tuple[Point, Point]) -> None:
    """_check_user for the buyer, then the seller, on their common terms: one message hash and one
    batch verification (``eddsa.verify_batch``) with the same verdicts; the first bad side is named."""
    _unsigned(tx.expiry, "expiry")
    _require(state.time <= tx.expiry, Expired, f"buyer: expired at {tx.expiry}, ledger time is {state.time}")
    msg = message_for(state, rec, tx.expiry)  # rec.a and rec.b are the buyer and the seller
    sides = ((keys[0], tx.buyer_signature, "buyer"), (keys[1], tx.seller_signature, "seller"))
    bad = eddsa.verify_batch([(msg, sig, key) for key, sig, _ in sides])
    for i, (_, sig, who) in enumerate(sides):
        _require(isinstance(sig, eddsa.Signature) and i not in bad, BadSignature, f"{who}: signature does not verify")


def _next_queue_item(state: LedgerState, item: QueueItem) -> None:
    _require(bool(state.pending) and state.pending[0] == item, QueueMismatch, f"{item} is not the next L1 queue item")


def _settled(state: LedgerState, index: int) -> AccountLeaf:
    return margin.settle_funding(state.account(index), state.markets)


def _quote(state: LedgerState, market: int, amount: int, price: int) -> int:
    return amount * price // state.params.markets[market].price_scale


def _bump(acct: AccountLeaf) -> AccountLeaf:
    return replace(acct, nonce=acct.nonce + 1)


# ---- effects from records (the rules every replica re-checks) --------------------


def _deposit_item(state: LedgerState, rec: Record, pubkey: Point | None) -> QueueItem:
    """The L1 queue item a deposit or refund record consumes (the key comes from L1)."""
    if pubkey is None:  # replaying posted data: the key comes from the L1 queue
        pubkey = state.pending[0].pubkey if state.pending else NO_KEY
    item = QueueItem(TxType.DEPOSIT, rec.a, rec.amount, pubkey)
    _next_queue_item(state, item)
    return item


def _credited(state: LedgerState, rec: Record, item: QueueItem) -> tuple[AccountLeaf, bool]:
    """The account with the deposit credited (funding settled), and whether that fits the ledger."""
    _unsigned(rec.amount, "amount")
    acct, exists = state.account_or_empty(rec.a)
    _require(not exists or acct.pubkey == item.pubkey, QueueMismatch, f"deposit key does not match account {rec.a}")
    acct = margin.settle_funding(replace(acct, pubkey=item.pubkey), state.markets)
    acct = replace(acct, collateral=acct.collateral + rec.amount)
    return acct, collateral_in_range(acct.collateral)


def _deposit(state: LedgerState, rec: Record, pubkey: Point | None) -> Effect:
    item = _deposit_item(state, rec, pubkey)
    acct, fits = _credited(state, rec, item)
    _require(fits, RangeViolation, f"deposit takes collateral to {acct.collateral}: it must be refunded")
    _check_ranges(acct, "deposit")
    return Effect(rec, (Lane(rec.a, acct, True),), queue_item=item)


def _deposit_refund(state: LedgerState, rec: Record, pubkey: Point | None) -> Effect:
    """A deposit that would take collateral out of range: consumed, the account untouched."""
    item = _deposit_item(state, rec, pubkey)
    acct, fits = _credited(state, rec, item)
    _require(not fits, InvalidTransaction, f"deposit to account {rec.a} fits the ledger: it cannot be refused")
    before, exists = state.account_or_empty(rec.a)
    return Effect(rec, (Lane(rec.a, before, exists, written=False),), queue_item=item)


def _withdraw(state: LedgerState, rec: Record) -> Effect:
    _unsigned(rec.amount, "amount")
    _fresh_prices(state)
    acct = _settled(state, rec.a)
    _require(rec.amount <= acct.collateral, Overdraft, f"withdraw {rec.amount} from collateral {acct.collateral}")
    acct = _bump(replace(acct, collateral=acct.collateral - rec.amount))
    _check_ranges(acct, "withdraw")
    _require(
        margin.meets_initial(state.params, acct, state.markets),
        MarginViolation,
        "withdrawal leaves the account below initial margin",
    )
    return Effect(rec, (Lane(rec.a, acct, True),))


def _side(state: LedgerState, index: int, market: int, d_size: int, d_coll: int, who: str) -> AccountLeaf:
    """Settle, move size and collateral, bump the nonce; then well margined or healthier (StarkEx)."""
    before = _settled(state, index)
    old = before.sizes[market]
    after = _bump(replace(before.with_size(market, old + d_size), collateral=before.collateral + d_coll))
    _check_ranges(after, who)
    _require(
        margin.trade_allowed(state.params, before, after, state.markets, market),
        MarginViolation,
        f"{who} ends below initial margin and is not healthier than before",
    )
    return after


def _trade(state: LedgerState, rec: Record) -> Effect:
    state.check_market(rec.market)
    _unsigned(rec.amount, "amount")
    _unsigned(rec.price, "price", PRICE_BITS)
    _require(rec.amount != 0, RangeViolation, "trade amount must be positive")
    _require(rec.a != rec.b, SelfTrade, "buyer and seller are the same account")
    _priced(state, rec.market)
    _fresh_prices(state)
    q = _quote(state, rec.market, rec.amount, rec.price)
    buyer = _side(state, rec.a, rec.market, rec.amount, -q, "buyer")
    seller = _side(state, rec.b, rec.market, -rec.amount, q, "seller")
    return Effect(rec, (Lane(rec.a, buyer, True), Lane(rec.b, seller, True)))


def _funding(state: LedgerState, rec: Record) -> Effect:
    """|Δ|·scale·FUNDING_UNIT ≤ cap·price·elapsed: the cap is a fraction of notional per hour."""
    state.check_market(rec.market)
    _unsigned(rec.amount, "delta")
    delta = signed_amount(rec.amount)
    m, cfg = state.markets[rec.market], state.params.markets[rec.market]
    _require(m.funding_time > 0, FundingOutOfBounds, f"market {rec.market} has no oracle price yet")
    lhs = abs(delta) * cfg.price_scale * FUNDING_UNIT
    rhs = cfg.funding_cap * m.price * (state.time - m.funding_time)
    _require(lhs <= rhs, FundingOutOfBounds, f"|{delta}| exceeds the cap of {cfg.funding_cap} ppm of notional an hour")
    index = m.funding_index + delta
    _require(-I64 <= index < I64, RangeViolation, "funding index leaves the signed 64-bit range")
    new = replace(m, funding_index=index, funding_time=state.time)
    return Effect(rec, markets=_with_market(state, rec.market, new))


def _oracle(state: LedgerState, rec: Record) -> Effect:
    state.check_market(rec.market)
    _unsigned(rec.amount, "timestamp", TIME_BITS)
    _unsigned(rec.price, "price", PRICE_BITS)
    _require(rec.price > 0, RangeViolation, "an oracle price must be positive")
    _require(
        rec.amount > state.time,
        StaleOraclePrice,
        f"timestamp {rec.amount} does not advance ledger time {state.time}",
    )
    m = state.markets[rec.market]
    ftime = m.funding_time or rec.amount  # funding accrues from the market's first oracle time
    new = replace(m, price=rec.price, funding_time=ftime, price_time=rec.amount)
    return Effect(rec, markets=_with_market(state, rec.market, new), time=rec.amount)


def _priced(state: LedgerState, market: int) -> None:
    """Trades and liquidations need a positive oracle price: at price 0 a position has neither
    value nor risk, and the margin rules could not see it."""
    _require(state.markets[market].price > 0, UnpricedMarket, f"market {market} has no positive oracle price")


def _fresh_prices(state: LedgerState) -> None:
    """Withdrawals, trades, liquidations and forced exits read every market's price through margin:
    each priced market's tick must be at most ``max_price_age`` seconds behind the ledger clock (which
    the batch time ties to L1 time); a market never priced holds no position and is skipped.  A forced
    exit waiting for fresh prices is not stuck: the operator includes the oracle's next tick first
    (if the oracle is gone, the request's deadline passes and anyone may freeze)."""
    for i, m in enumerate(state.markets):
        age = state.time - m.price_time
        _require(
            m.price_time == 0 or age <= state.params.max_price_age,
            StaleOraclePrice,
            f"market {i}'s price is {age} s old (at most {state.params.max_price_age} s)",
        )


def start_batch(state: LedgerState, batch_time: int) -> None:
    """Set the ledger clock to the batch time a batch starts from: not before the ledger time and
    below 2^40 (the contract checks it against ``block.timestamp``)."""
    _require(
        isinstance(batch_time, int) and state.time <= batch_time < (1 << TIME_BITS),
        StaleBatchTime,
        f"batch time {batch_time!r} must be in [ledger time {state.time}, 2^{TIME_BITS})",
    )
    state.time = batch_time


def _with_market(state: LedgerState, market: int, new: MarketState) -> tuple[MarketState, ...]:
    return tuple(new if i == market else m for i, m in enumerate(state.markets))


def _liquidation(state: LedgerState, rec: Record) -> Effect:
    state.check_market(rec.market)
    _unsigned(rec.amount, "amount")
    _require(rec.a != rec.b, SelfTrade, "liquidator and liquidated are the same account")
    _priced(state, rec.market)
    _fresh_prices(state)
    target = _settled(state, rec.a)
    _require(
        margin.liquidatable(state.params, target, state.markets),
        NotLiquidatable,
        f"account {rec.a} covers its maintenance margin",
    )
    old = target.sizes[rec.market]
    sigma = 1 if old >= 0 else -1
    _require(
        rec.amount != 0 and margin.only_reduces(old, old - sigma * rec.amount),
        NotLiquidatable,
        f"cannot take {rec.amount} of a position of {old}",
    )
    q = sigma * _quote(state, rec.market, rec.amount, state.markets[rec.market].price)
    target = replace(target.with_size(rec.market, old - sigma * rec.amount), collateral=target.collateral + q)
    _check_ranges(target, "liquidated")
    taker = _settled(state, rec.b)
    taker = _bump(replace(taker.with_size(rec.market, taker.sizes[rec.market] + sigma * rec.amount)))
    taker = replace(taker, collateral=taker.collateral - q)
    _check_ranges(taker, "liquidator")
    _require(
        margin.meets_initial(state.params, taker, state.markets),
        MarginViolation,
        "liquidator ends below initial margin",
    )
    return Effect(rec, (Lane(rec.a, target, True), Lane(rec.b, taker, True)))


def forced_exit_amount(state: LedgerState, account: int) -> int:
    """What a forced exit pays: its settled collateral if positive (the operator closes every
    position it could first, so none holds value the collateral does not: ``margin.may_stay_open``);
    0 for an account that does not exist, or whose settled collateral left the ledger's range (the
    exit is then refused: the queue item is consumed and the account left untouched)."""
    acct, exists = state.account_or_empty(account)
    settled = margin.settle_funding(acct, state.markets)
    if not exists or not collateral_in_range(settled.collateral):
        return 0
    return max(0, settled.collateral)


def _forced_exit(state: LedgerState, rec: Record) -> Effect:
    item = QueueItem(TxType.FORCED_EXIT, rec.a)
    _next_queue_item(state, item)
    _fresh_prices(state)  # the payout reads margin: at a stale price it would be a stale withdrawal
    amount = forced_exit_amount(state, rec.a)
    _require(rec.amount == amount, InvalidTransaction, f"forced exit must pay out {amount}, record says {rec.amount}")
    acct, exists = state.account_or_empty(rec.a)
    settled = margin.settle_funding(acct, state.markets)
    if exists and not collateral_in_range(settled.collateral):
        return Effect(rec, (Lane(rec.a, acct, True, written=False),), queue_item=item)
    for m, size in enumerate(settled.sizes):
        _require(
            size == 0 or margin.may_stay_open(settled.collateral, size),
            PositionsOpen,
            f"account {rec.a} holds {size} in market {m}: forced closes must come first",
        )
    settled = replace(settled, collateral=settled.collateral - amount)
    return Effect(rec, (Lane(rec.a, settled, exists),), queue_item=item)


def close_quote(state: LedgerState, market: int, amount: int, sigma: int) -> int:
    """A forced close's quote at the oracle price, rounded for the exiting account: an exiting long
    (sigma 1) is paid the ceiling, an exiting short pays the floor, so no split of an exit into
    closes can cost it a unit."""
    notional = amount * state.markets[market].price
    scale = state.params.markets[market].price_scale
    return -(-notional // scale) if sigma == 1 else notional // scale


def _forced_close(state: LedgerState, rec: Record) -> Effect:
    """Move `amount` of the exiting account's position to the counterparty at the oracle price: both
    shrink toward zero without changing sign (the backstop account may take any position), and the
    close takes all it can (one of them ends at 0, or the exiting account's rest may stay open and
    the backstop takes the part).  No signature, no nonce bump: both values move by the quote's
    rounding only, in the exiting account's favour (``close_quote``)."""
    state.check_market(rec.market)
    _unsigned(rec.amount, "amount")
    _require(rec.a != rec.b, SelfTrade, "the exiting account and the counterparty are the same")
    _require(
        bool(state.pending) and state.pending[0] == QueueItem(TxType.FORCED_EXIT, rec.a),
        BadForcedClose,
        f"account {rec.a}'s forced exit is not next in the L1 queue",
    )
    _priced(state, rec.market)
    _fresh_prices(state)
    exiting, other = _settled(state, rec.a), _settled(state, rec.b)
    old_a, old_b = exiting.sizes[rec.market], other.sizes[rec.market]
    sigma = 1 if old_a >= 0 else -1
    new_a, new_b = old_a - sigma * rec.amount, old_b + sigma * rec.amount
    b_shrinks = rec.b == state.params.backstop or margin.only_reduces(old_b, new_b)
    _require(
        rec.amount != 0 and margin.only_reduces(old_a, new_a) and b_shrinks,
        BadForcedClose,
        f"closing {rec.amount} must shrink both {old_a} and {old_b} toward zero",
    )
    q = sigma * close_quote(state, rec.market, rec.amount, sigma)
    exiting = replace(exiting.with_size(rec.market, new_a), collateral=exiting.collateral + q)
    other = replace(other.with_size(rec.market, new_b), collateral=other.collateral - q)
    _check_ranges(exiting, "exiting account")
    _check_ranges(other, "counterparty")
    rest_may_stay = rec.b == state.params.backstop and margin.may_stay_open(exiting.collateral, new_a)
    _require(
        new_a == 0 or new_b == 0 or rest_may_stay,
        BadForcedClose,
        f"a close must take all it can: {new_a} and {new_b} both left open",
    )
    return Effect(rec, (Lane(rec.a, exiting, True), Lane(rec.b, other, True)))


# ---- dispatch --------------------------------------------------------------------


def record_of(tx: Transaction) -> Record:
    """The record a transaction posts (a forced exit's amount is filled in by its effect)."""
    t = tx.tx_type
    if isinstance(tx, Deposit | Withdraw | ForcedExit):
        return Record(t, 0, tx.account, 0, getattr(tx, "amount", 0))
    if isinstance(tx, Trade):
        return Record(t, tx.market, tx.buyer, tx.seller, tx.amount, tx.price)
    if isinstance(tx, FundingTick):
        return Record(t, tx.market, amount=encode_signed(tx.delta))
    if isinstance(tx, OracleTick):
        return Record(t, tx.market, amount=tx.timestamp, price=tx.price)
    if isinstance(tx, Liquidation):
        return Record(t, tx.market, tx.liquidated, tx.liquidator, tx.amount)
    if isinstance(tx, ForcedClose):
        return Record(t, tx.market, tx.account, tx.counterparty, tx.amount)
    return Record()


def funding_expiry(state: LedgerState, market: int) -> int:
    """What a funding tick's signature binds in the expiry slot: the market's funding time
    (UnknownMarket for a market that is not configured)."""
    state.check_market(market)
    return state.markets[market].funding_time


def message_for(state: LedgerState, rec: Record, expiry: int) -> int:
    """The field element a signer signs for this record at the current nonces."""
    na = state.account(rec.a).nonce if rec.tx_type in (TxType.WITHDRAW, TxType.TRADE) else 0
    nb = state.account(rec.b).nonce if rec.tx_type in (TxType.TRADE, TxType.LIQUIDATION) else 0
    return message(state.domain, rec.to_int(), na, nb, expiry)


def _verify(state: LedgerState, tx: Transaction, rec: Record) -> None:
    """Signatures, expiry and queue order: the checks a record alone cannot repeat."""
    if isinstance(tx, Withdraw):
        acct = state.account(tx.account)
        _check_user(state, acct.pubkey, tx.signature, rec, (acct.nonce, 0), tx.expiry, "withdraw")
    elif isinstance(tx, Trade):
        buyer, seller = state.account(tx.buyer), state.account(tx.seller)
        _check_both_sides(state, tx, rec, (buyer.pubkey, seller.pubkey))
    elif isinstance(tx, Liquidation):
        taker = state.account(tx.liquidator)
        _check_user(state, taker.pubkey, tx.signature, rec, (0, taker.nonce), tx.expiry, "liquidator")
    elif isinstance(tx, OracleTick):
        msg = message(state.domain, rec.to_int(), 0, 0, 0)
        _check_signature(state.params.oracle_key, tx.signature, msg, "oracle")
    elif isinstance(tx, FundingTick):
        msg = message(state.domain, rec.to_int(), 0, 0, funding_expiry(state, rec.market))
        _check_signature(state.params.oracle_key, tx.signature, msg, "oracle")


_RULES: dict[int, Callable[[LedgerState, Record], Effect]] = {
    TxType.WITHDRAW: _withdraw,
    TxType.TRADE: _trade,
    TxType.FUNDING: _funding,
    TxType.ORACLE: _oracle,
    TxType.LIQUIDATION: _liquidation,
    TxType.FORCED_EXIT: _forced_exit,
    TxType.FORCED_CLOSE: _forced_close,
}


def _record_fits(state: LedgerState, rec: Record) -> None:
    for name in ("a", "b"):
        state.check_index(getattr(rec, name))
    for name in ("market", "amount", "price"):
        v = getattr(rec, name)
        _require(
            isinstance(v, int) and 0 <= v < (1 << WIDTH[name]),
            RangeViolation,
            f"{name}={v!r} is out of range",
        )


def _check_record(state: LedgerState, rec: Record) -> None:
    """Indices in the tree, fields in range, unused fields zero."""
    _record_fits(state, rec)
    _require(
        not rec.unused_nonzero(), RangeViolation, f"record sets fields its type does not use: {rec.unused_nonzero()}"
    )


def _rules(state: LedgerState, rec: Record, pubkey: Point | None) -> Effect:
    if rec.tx_type == TxType.NOOP:
        return Effect(rec)
    if rec.tx_type == TxType.DEPOSIT:
        return _deposit(state, rec, pubkey)
    if rec.tx_type == TxType.DEPOSIT_REFUND:
        return _deposit_refund(state, rec, pubkey)
    return _RULES[rec.tx_type](state, rec)


def effect_of_record(state: LedgerState, rec: Record, pubkey: Point | None = None) -> Effect:
    """The effect of a posted record (no signature checks); deposits need the L1 key."""
    _check_record(state, rec)
    return _rules(state, rec, pubkey)


def effect_of(state: LedgerState, tx: Transaction) -> Effect:
    """Verify tx against state and return what it would change (the state is not touched)."""
    if isinstance(tx, Noop):
        return Effect(Record())
    if isinstance(tx, ForcedExit):
        amount = forced_exit_amount(state, tx.account)
        return effect_of_record(state, Record(TxType.FORCED_EXIT, 0, tx.account, 0, amount))
    if isinstance(tx, FundingTick):
        _require(-S64 <= tx.delta < S64, RangeViolation, f"funding delta {tx.delta} is not signed 64-bit")
    if isinstance(tx, Deposit):
        return _deposit_or_refund(state, tx)
    rec = record_of(tx)
    _check_record(state, rec)  # before the signature check, which encodes the record
    _verify(state, tx, rec)
    return _rules(state, rec, getattr(tx, "pubkey", None))


def _deposit_or_refund(state: LedgerState, tx: Deposit) -> Effect:
    """A deposit posts DEPOSIT if it fits the ledger, else DEPOSIT_REFUND (refunded on L1)."""
    rec = record_of(tx)
    _check_record(state, rec)
    _, fits = _credited(state, rec, _deposit_item(state, rec, tx.pubkey))
    if not fits:
        rec = replace(rec, tx_type=TxType.DEPOSIT_REFUND)
    return _rules(state, rec, tx.pubkey)


def apply_effect(state: LedgerState, eff: Effect) -> None:
    """Write an effect: lanes in order, then markets and time, then the queue."""
    for lane in eff.lanes:
        if lane.written:
            state.write(lane.index, lane.account, lane.exists)
    if eff.markets is not None:
        state.markets = eff.markets
    if eff.time is not None:
        state.time = eff.time
    if eff.queue_item is not None:
        it = eff.queue_item
        state.queue_head = queue_step(state.queue_head, it.kind, it.account, it.amount, it.pubkey)
        state.queue_consumed += 1
        state.pending.pop(0)


def process_tx(state: LedgerState, tx: Transaction) -> Effect:
    """Verify, then mutate.  Raises InvalidTransaction with the state untouched."""
    eff = effect_of(state, tx)
    apply_effect(state, eff)
    return eff
