"""The invariants of the stateful ledger fuzz (``tests/test_ledger_stateful.py``), as plain asserts.

``Harness.submit`` runs one transaction as a one-slot batch and checks it: an accepted one against
the contract's public input, a replay of its posted bytes and its type's rule
(``check_accepted``: StarkEx's rules in fractions, ``tests/ledger_fuzz_model.py``); a refused one
for an untouched state; about one in k through the circuit. ``check_state`` runs after every
step: conservation against the L1 model, zero net size, ranges, the queue agreeing with L1 and
its head processable.
"""

from __future__ import annotations

import zlib
from collections import Counter, deque
from fractions import Fraction

import pytest

from circuits.ledger.params import FUNDING_UNIT, LedgerParams, TxType
from rollup import errors as err
from rollup.ledger.batch import BatchResult, process_batch, replay_batch
from rollup.ledger.demo import ORACLE
from rollup.ledger.forced import queue_txs
from rollup.ledger.signing import oracle_tick
from rollup.ledger.state import LedgerState
from rollup.ledger.transition import process_tx
from rollup.ledger.types import (
    Deposit,
    ForcedClose,
    ForcedExit,
    Liquidation,
    Noop,
    OracleTick,
    QueueItem,
    Trade,
    Transaction,
    Withdraw,
)
from tests.batch_circuit_helpers import force_through, prove_mode
from tests.ledger_fuzz_model import (
    C63,
    S47,
    L1Model,
    fingerprint,
    free_collateral,
    funds_on_ledger,
    healthier,
    liquidatable,
    settled,
    value,
    well_margined,
)

STATS: Counter = Counter()  # outcomes over every harness in this process


def queue_step_txs(state: LedgerState) -> list[Transaction]:
    """What the operator posts for the queue head: a deposit, or a forced exit after its closes."""
    return queue_txs(state, state.pending[0])


def check_state(state: LedgerState, l1: L1Model) -> None:
    assert funds_on_ledger(state) == l1.ledger, "collateral minus pending funding differs from what L1 holds"
    for m in range(len(state.markets)):
        assert sum(a.sizes[m] for a in state.accounts.values()) == 0, f"sizes in market {m} do not net to 0"
    for i, a in state.accounts.items():
        assert -C63 <= a.collateral < C63 and all(-S47 <= s < S47 for s in a.sizes) and 0 <= a.nonce < 1 << 32
        assert l1.keys.get(i) == a.pubkey, f"account {i} holds a key L1 did not register"
    assert state.pending == l1.pending and state.queue_consumed == l1.consumed
    assert state.queue_head == l1.heads[l1.consumed]
    if state.pending:
        try:
            _head_processable(state)
        except err.InvalidTransaction as exc:
            raise AssertionError(f"the head of the L1 queue is stuck: {exc!r}") from exc


def _head_processable(state: LedgerState) -> None:
    """The queue head (a forced exit with the closes it needs first) applies now, or once the operator
    posts the oracle's next tick for each priced market: waiting on the oracle is not being stuck."""
    trial = state.copy()
    if any(m.price_time and trial.time - m.price_time > trial.params.max_price_age for m in trial.markets):
        for m, mk in enumerate(trial.markets):
            if mk.price_time:
                process_tx(trial, oracle_tick(trial.domain, ORACLE, m, mk.price, trial.time + 1))
    for tx in queue_step_txs(trial):
        process_tx(trial, tx)


def check_accepted(p: LedgerParams, before: LedgerState, res: BatchResult, l1: L1Model) -> None:
    """One accepted transaction: the contract's public input, the replayed root, and its type's rule."""
    assert l1.public_input(res.old_root, res.new_root, res.data) == res.public_input
    rec = res.effects[0].record
    after = res.state
    if rec.tx_type in (TxType.TRADE, TxType.LIQUIDATION):
        assert before.markets[rec.market].price > 0, "traded in a market without a positive oracle price"
    if rec.tx_type in _RULES:
        _RULES[rec.tx_type](p, before, after, rec)
    elif rec.tx_type == TxType.FUNDING:
        _funding(p, before, after, rec.market)
    elif rec.tx_type == TxType.ORACLE:
        assert rec.price > 0 and rec.amount > before.time and after.time == rec.amount, "a bad oracle tick applied"


def _withdraw(p: LedgerParams, before: LedgerState, after: LedgerState, rec: object) -> None:
    acct = after.accounts[rec.a]
    assert acct.collateral == settled(before.accounts[rec.a], before.markets).collateral - rec.amount
    assert acct.collateral >= 0 and well_margined(p, acct, after.markets), "withdrawal below initial margin"


def _trade(p: LedgerParams, before: LedgerState, after: LedgerState, rec: object) -> None:
    for side in (rec.a, rec.b):
        old, new = settled(before.accounts[side], before.markets), after.accounts[side]
        assert well_margined(p, new, after.markets) or healthier(p, old, new, after.markets, rec.market), (
            f"account {side} ends the trade below margin and not healthier"
        )


def _liquidation(p: LedgerParams, before: LedgerState, after: LedgerState, rec: object) -> None:
    target = settled(before.accounts[rec.a], before.markets)
    assert liquidatable(p, target, before.markets), "liquidated an account covering maintenance margin"
    old, new = target.sizes[rec.market], after.accounts[rec.a].sizes[rec.market]
    assert old * new >= 0 and abs(new) == abs(old) - rec.amount, "liquidation flipped or grew the position"
    assert well_margined(p, after.accounts[rec.b], after.markets), "liquidator below initial margin"


def _forced_exit(p: LedgerParams, before: LedgerState, after: LedgerState, rec: object) -> None:
    acct = before.accounts.get(rec.a)
    owed = settled(acct, before.markets) if acct is not None else None
    if owed is None or not -C63 <= owed.collateral < C63:
        assert rec.amount == 0 and after.accounts.get(rec.a) == acct, "an exit beyond range paid or wrote"
        return
    assert rec.amount == free_collateral(p, owed, before.markets), "forced exit did not pay the free collateral"
    for size in owed.sizes:  # positions it could have closed are closed (the operator's forced closes)
        assert size == 0 or (size > 0 and owed.collateral >= C63 // 2) or (size < 0 and owed.collateral < -C63 // 2)
    assert after.accounts[rec.a].collateral == owed.collateral - rec.amount


def _forced_close(p: LedgerParams, before: LedgerState, after: LedgerState, rec: object) -> None:
    assert before.pending[0] == QueueItem(TxType.FORCED_EXIT, rec.a), "closed a position of an account not exiting"
    moved = []
    for i in (rec.a, rec.b):
        old, new = settled(before.accounts[i], before.markets), after.accounts[i]
        o, n = old.sizes[rec.market], new.sizes[rec.market]
        backstop = i == rec.b == p.num_accounts - 1  # the operator's account may take any position
        assert backstop or (o * n >= 0 and abs(n) == abs(o) - rec.amount), f"account {i}'s position grew or flipped"
        moved.append(value(p, new, after.markets) - value(p, old, before.markets))
    assert abs(moved[0]) < 1 and sum(moved) == 0, f"values moved by {moved} (only the quote's rounding may)"
    assert before.markets[rec.market].price > 0


def _funding(p: LedgerParams, before: LedgerState, after: LedgerState, market: int) -> None:
    m0, m1 = before.markets[market], after.markets[market]
    assert m0.funding_time > 0 and _within_cap(p, m0, before.time, m1.funding_index, market)
    assert m1.funding_time == before.time


def _within_cap(p: LedgerParams, m0: object, now: int, index: int, market: int) -> bool:
    """|Δindex| ≤ cap (ppm of notional an hour) × price/scale × hours since the last funding time."""
    cfg = p.markets[market]
    hours = Fraction(now - m0.funding_time, 3600)
    bound = Fraction(cfg.funding_cap * 3600, FUNDING_UNIT) * Fraction(m0.price, cfg.price_scale) * hours
    return abs(index - m0.funding_index) <= bound


_RULES = {
    TxType.WITHDRAW: _withdraw,
    TxType.TRADE: _trade,
    TxType.LIQUIDATION: _liquidation,
    TxType.FORCED_EXIT: _forced_exit,
    TxType.FORCED_CLOSE: _forced_close,
}


def check_refused(p: LedgerParams, state: LedgerState, tx: Transaction, exc: Exception) -> None:
    """The model agrees with the spec's reason for a refusal, on the rules it models: the spec is
    not stricter than StarkEx's rules, the funding cap, the oracle's clock and priced markets."""
    market = getattr(tx, "market", None)
    if isinstance(exc, err.UnpricedMarket):
        assert state.markets[market].price == 0, f"refused as unpriced at price {state.markets[market].price}"
    elif isinstance(exc, err.StaleOraclePrice) and isinstance(tx, OracleTick):
        assert tx.timestamp <= state.time, "refused a tick that advances the ledger's time as stale"
    elif isinstance(exc, err.StaleOraclePrice):  # a margin read while some priced market is too old
        ages = [state.time - m.price_time for m in state.markets if m.price_time]
        assert ages and max(ages) > p.max_price_age, f"refused as stale with price ages {ages}"
    elif isinstance(exc, err.Overdraft):
        assert tx.amount > settled(state.accounts[tx.account], state.markets).collateral, "refused as an overdraft"
    elif isinstance(exc, err.FundingOutOfBounds):
        m = state.markets[market]
        assert m.funding_time == 0 or not _within_cap(p, m, state.time, m.funding_index + tx.delta, market)
    elif isinstance(exc, err.NotLiquidatable):
        target = settled(state.accounts[tx.liquidated], state.markets)
        size = target.sizes[market]
        liquid = liquidatable(p, target, state.markets) and 0 < tx.amount <= abs(size)
        assert not liquid, f"refused to liquidate {tx.amount} of {size} from a liquidatable account"
    elif isinstance(exc, err.MarginViolation) and type(tx) in _MARGIN:
        res, _ = force_through(state, tx)  # a later rule (a range) may fail as well
        rec = res.effects[0].record
        try:
            _RULES[rec.tx_type](p, state, res.state, rec)
        except AssertionError as broken:
            assert _MARGIN[type(tx)] in str(broken), f"refused for margin, but the model finds: {broken}"
        else:
            raise AssertionError(f"refused a {type(tx).__name__} for margin that keeps StarkEx's rule")


_MARGIN = {Trade: "below margin and not healthier", Withdraw: "below initial", Liquidation: "liquidator below"}


AT_A_LIMIT = {"collateral at a limit", "size at a limit", "trade: price 2^40-1", "forced exit: beyond range"}
NAMES = (
    "noop",
    "deposit",
    "withdraw",
    "trade",
    "funding",
    "oracle",
    "liquidation",
    "forced exit",
    "refund",
    "forced close",
)


def corners(p: LedgerParams, before: LedgerState, res: BatchResult) -> list[str]:
    """What an accepted step reached, for the run's summary: its record type and the corners hit."""
    rec, after = res.effects[0].record, res.state
    out = [NAMES[rec.tx_type]]
    if rec.tx_type == TxType.TRADE:
        out += ["trade: exemption" for i in (rec.a, rec.b) if not well_margined(p, after.accounts[i], after.markets)]
        out += ["trade: price 0"] * (rec.price == 0) + ["trade: price 2^40-1"] * (rec.price == (1 << 40) - 1)
    if rec.tx_type == TxType.FORCED_EXIT:
        acct = before.accounts.get(rec.a)
        beyond = acct is not None and not -C63 <= settled(acct, before.markets).collateral < C63
        kind = "missing" if acct is None else "beyond range" if beyond else "paid" if rec.amount else "0"
        out.append(f"forced exit: {kind}")
    for i in {rec.a, rec.b} & set(after.accounts):
        acct = after.accounts[i]
        out += ["collateral at a limit"] * (acct.collateral in (-C63, C63 - 1))
        out += ["size at a limit"] * any(s in (-S47, S47 - 1) for s in acct.sizes)
    return out


# ---- the circuit on a sample of the steps ---------------------------------------------------


def check_proven(p: LedgerParams, res: BatchResult) -> str:
    cs = prove_mode(res, p)
    assert cs.which_is_unsatisfied() is None and cs.public_inputs() == [res.public_input]
    return "satisfied"


def check_unprovable(p: LedgerParams, state: LedgerState, tx: Transaction, l1: L1Model) -> str:
    """A refused tx forced through with its violated rules off must not satisfy the circuit with the
    public input the contract would compute; returns what stopped it."""
    if isinstance(tx, Deposit | ForcedExit | ForcedClose) and not state.pending:
        return "contract reverts"  # it would consume an item the L1 queue does not hold (QueueShort)
    res, off = force_through(state, tx)
    if res is None:
        return "not forceable"
    public = l1.public_input(res.old_root, res.new_root, res.data)
    if public is None:
        return "contract reverts"
    failing = prove_mode(res, p, public=public).which_is_unsatisfied()
    assert failing is not None, f"forced past {[e.__name__ for e in off]}, the circuit is satisfied"
    return failing.removeprefix("slot0.")


# ---- one ledger, its L1 model, and the per-step checks ------------------------------------------


class Harness:
    """A ledger beside its L1 model; ``submit`` runs a transaction as a one-slot batch, checks it,
    and keeps the state only if the spec accepted it.

    The circuit sample is deterministic in the step's content: a step goes through the circuit iff
    crc32(state before, transaction) ≡ 0 mod ``circuit_every`` (about one in k), or if it takes an
    account to a range limit.  So hypothesis meets the same sample when it replays or shrinks a
    failure, whatever ran before."""

    def __init__(self, params: LedgerParams, domain: int, circuit_every: int) -> None:
        self.params, self.circuit_every = params, circuit_every
        self.state = LedgerState.genesis(params, domain)
        self.l1 = L1Model(params.num_accounts)
        self.history: deque = deque(maxlen=32)  # (tx, accepted), for replays

    def submit(self, tx: Transaction) -> bool:
        before, snap = self.state, fingerprint(self.state)
        sampled = zlib.crc32(repr((snap, tx)).encode()) % self.circuit_every == 0
        try:
            res = process_batch(before, [tx])
        except err.InvalidTransaction as exc:
            self._refused(tx, exc, snap, sampled)
            return False
        check_accepted(self.params, before, res, self.l1)
        assert replay_batch(before, res.data).root == res.new_root, "posted data does not rebuild the root"
        reached = corners(self.params, before, res)
        if sampled or set(reached) & AT_A_LIMIT:
            STATS[("circuit", "accepted", check_proven(self.params, res))] += 1
        self.l1.settle(res.data)
        STATS.update(("accepted", c) for c in reached)
        self.state = res.state
        if not isinstance(tx, Noop):
            self.history.append((tx, True))
        return True

    def _refused(self, tx: Transaction, exc: Exception, snap: tuple, sampled: bool) -> None:
        assert fingerprint(self.state) == snap, "process_batch changed its input"
        with pytest.raises(type(exc)):
            process_tx(self.state, tx)  # the in-place path refuses too, before any write
        assert fingerprint(self.state) == snap, f"a refused {type(tx).__name__} changed the state"
        check_refused(self.params, self.state, tx, exc)
        if sampled:
            STATS[("circuit", "refused", check_unprovable(self.params, self.state, tx, self.l1))] += 1
        self.history.append((tx, False))
        STATS[("refused", type(tx).__name__, type(exc).__name__)] += 1

    def check(self) -> None:
        check_state(self.state, self.l1)
        STATS["states checked"] += 1
