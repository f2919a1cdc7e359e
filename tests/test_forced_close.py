"""Forced exits close positions first: the operator cannot serve one while value stays locked.

A forced exit must leave no position it could close (``slot#.fe_closed#``); the operator closes them
with FORCED_CLOSE records against opposite positions at the oracle price (value kept, both risks
fall, nobody signs).  Each attack on a close is forced through the circuit and the constraint that
stops it named; the close being for the account whose exit is next in the queue is the contract's
check (``tests/test_l1_rollup.py``), mirrored by the spec's ``BadForcedClose``.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rollup import errors as err
from rollup.ledger import margin
from rollup.ledger.batch import process_batch
from rollup.ledger.demo import World, funded_world
from rollup.ledger.forced import plan_closes, queue_txs
from rollup.ledger.types import ForcedClose, ForcedExit
from tests.attack.scenarios import BTC, C63, ETH, SMALL, exiting_long
from tests.batch_circuit_helpers import forced, prove_mode, refused_by_both


def _value(w: World, i: int) -> int:
    return margin.value_scaled(SMALL, w.state.accounts[i], w.state.markets) // SMALL.scale_lcm


def _prove_all(w: World, txs: list) -> list:
    """Each transaction as a one-slot batch, through the circuit; the records posted."""
    out = []
    for tx in txs:
        res = process_batch(w.state, [tx])
        assert prove_mode(res, SMALL).which_is_unsatisfied() is None, tx
        w.state = res.state
        out.append(res.effects[0].record)
    return out


def test_a_long_bought_on_credit_leaves_with_its_value():
    """The former finding: long 300 BTC on credit (collateral −8,000,000, value 1,000,000) got 0 from
    every served forced exit.  Now its position is closed against the short at the oracle price and
    the exit pays the whole value; the short's value does not move."""
    w, _ = funded_world(SMALL)
    w.apply(w.trade(BTC, 0, 1, 300, 3_000_000))
    before = _value(w, 1)
    w.enqueue_forced_exit(0)
    records = _prove_all(w, queue_txs(w.state, w.state.pending[0]))
    assert [(r.tx_type, r.a, r.b, r.amount) for r in records] == [(9, 0, 1, 300), (7, 0, 0, 1_000_000)]
    assert _value(w, 0) == 0 and _value(w, 1) == before and not w.state.pending


def test_every_market_is_closed_before_the_exit_pays():
    w, _ = funded_world(SMALL)
    exiting_long(w)
    value = _value(w, 0)
    txs = queue_txs(w.state, w.state.pending[0])
    assert [type(t) for t in txs] == [ForcedClose, ForcedClose, ForcedExit]
    paid = _prove_all(w, txs)[-1].amount
    assert value - 1 <= paid <= value and w.state.accounts[0].sizes == (0, 0)


def test_a_forced_exit_with_a_closable_position_is_refused():
    w, _ = funded_world(SMALL)
    exiting_long(w)
    assert refused_by_both(w.state.copy(), ForcedExit(0), err.PositionsOpen, SMALL) == "slot0.fe_closed0"
    for tx in plan_closes(w.state, 0)[:1]:  # BTC closed, ETH still open
        w.apply(tx)
    assert refused_by_both(w.state.copy(), ForcedExit(0), err.PositionsOpen, SMALL) == "slot0.fe_closed1"


@pytest.mark.parametrize("short", [False, True])
def test_a_close_may_not_flip_the_exiting_position(short: bool):
    w, _ = funded_world(SMALL)
    exiting_long(w, short)
    w.apply(w.trade(BTC, 2, 1, 100, 3_000_000) if not short else w.trade(BTC, 1, 2, 100, 3_000_000))
    tx = ForcedClose(BTC, 0, 1, 301)  # 1 more than the 300 held: a flip to the other side
    assert refused_by_both(w.state.copy(), tx, err.BadForcedClose, SMALL) == "slot0.liquidation_reduces"


def test_a_close_may_not_grow_or_flip_the_counterparty():
    w, _ = funded_world(SMALL)
    exiting_long(w)  # 0 long 300 BTC against 1; 2 holds no BTC
    w.apply(w.trade(BTC, 2, 1, 100, 3_000_000))  # 2 long 100 too: same side as 0
    same_side = ForcedClose(BTC, 0, 2, 50)
    assert refused_by_both(w.state.copy(), same_side, err.BadForcedClose, SMALL) == "slot0.close_counterparty_reduces"
    w.apply(w.trade(BTC, 1, 2, 150, 3_000_000))  # 2 short 50 now; 1 short 250
    flip = ForcedClose(BTC, 0, 2, 60)
    assert refused_by_both(w.state.copy(), flip, err.BadForcedClose, SMALL) == "slot0.close_counterparty_reduces"


def test_a_close_is_at_the_oracle_price_and_posts_none():
    """The record has no price field to choose: a price in it is an unused field set."""
    w, _ = funded_world(SMALL)
    exiting_long(w)
    res = process_batch(w.state.copy(), [ForcedClose(BTC, 0, 1, 300)])
    a, b = res.state.accounts[0], res.state.accounts[1]
    q = 300 * 3_000_000 // SMALL.markets[BTC].price_scale
    assert (a.collateral, b.collateral) == (w.state.accounts[0].collateral + q, w.state.accounts[1].collateral - q)
    assert (a.nonce, b.nonce) == (w.state.accounts[0].nonce, w.state.accounts[1].nonce)  # nobody signed


def test_a_close_needs_a_fresh_price_and_distinct_existing_accounts():
    w, _ = funded_world(SMALL)
    exiting_long(w)
    stale = w.state.copy()
    stale.time += SMALL.max_price_age + 1
    assert refused_by_both(stale, ForcedClose(BTC, 0, 1, 300), err.StaleOraclePrice, SMALL).startswith(
        "slot0.price_fresh0"
    )
    with pytest.raises(err.SelfTrade):
        process_batch(w.state.copy(), [ForcedClose(BTC, 0, 0, 1)])
    with forced(err.SelfTrade, err.BadForcedClose):  # one account on both sides never shrinks both
        res = process_batch(w.state.copy(), [ForcedClose(BTC, 0, 0, 1)])
    assert prove_mode(res, SMALL).which_is_unsatisfied() == "slot0.distinct"
    with pytest.raises(err.UnknownAccount):  # in circuit: exists_b, shared with trades and liquidations
        process_batch(w.state.copy(), [ForcedClose(BTC, 0, 3, 1)])


def test_a_close_for_an_account_not_exiting_is_refused_by_the_spec():
    """The circuit does not see the queue; the contract reverts NotExiting (tests/test_l1_rollup.py)."""
    w, _ = funded_world(SMALL)
    exiting_long(w)
    with pytest.raises(err.BadForcedClose):
        process_batch(w.state.copy(), [ForcedClose(BTC, 1, 0, 1)])  # 1 holds the short, 0 is the one leaving
    w.enqueue_deposit(2, 5)
    w.apply(ForcedClose(BTC, 0, 1, 300))  # its exit is at the head: fine
    w.apply(ForcedClose(ETH, 0, 2, 50))
    w.apply(ForcedExit(0))
    with pytest.raises(err.BadForcedClose):  # the head is a deposit now
        process_batch(w.state.copy(), [ForcedClose(BTC, 1, 0, 1)])


def test_a_long_worth_more_than_the_collateral_range_is_paid_in_rounds():
    """Closing would overflow collateral: the operator closes until collateral ≥ 2^62, the exit pays
    it, and the next request goes on; the queue never waits on the impossible."""
    w, _ = funded_world(SMALL)
    w.apply(w.enqueue_deposit(1, C63 - 2_000_000))
    w.apply(w.enqueue_deposit(0, C63 - C63 // 4 - 1_000_000))
    size = (C63 // 3) * SMALL.markets[BTC].price_scale // 3_000_000
    w.apply(w.trade(BTC, 0, 1, size, 0))  # bought at 0 from a friend: value ≈ 2^63·(3/4 + 1/3)
    assert _value(w, 0) >= C63
    paid = []
    for _ in range(3):
        w.enqueue_forced_exit(0)
        records = _prove_all(w, queue_txs(w.state, w.state.pending[0]))
        paid.append(records[-1].amount)
        if w.state.accounts[0].sizes[BTC] == 0:
            break
    assert len(paid) >= 2 and all(p > 0 for p in paid) and w.state.accounts[0].sizes == (0, 0)


def test_a_short_deep_below_the_range_may_stay_open():
    """A short with collateral < −2^62 has nothing to pay (value below collateral): it may stay; a
    long beside it must still be closed."""
    w, _ = funded_world(SMALL)
    acct, other = w.state.accounts[0], w.state.accounts[1]
    w.state.write(0, replace(acct, collateral=-(C63 // 2) - 1, sizes=(-10, 0)), True)
    w.state.write(1, replace(other, sizes=(10, 0)), True)
    w.enqueue_forced_exit(0)
    assert plan_closes(w.state, 0) == []
    res = process_batch(w.state.copy(), [ForcedExit(0)])
    assert res.effects[0].record.amount == 0 and prove_mode(res, SMALL).which_is_unsatisfied() is None
    w.state.write(0, replace(acct, collateral=-(C63 // 2) - 1, sizes=(-10, 10)), True)
    w.state.write(2, replace(w.state.accounts[2], sizes=(0, -10)), True)
    assert refused_by_both(w.state.copy(), ForcedExit(0), err.PositionsOpen, SMALL) == "slot0.fe_closed1"


@settings(max_examples=20, deadline=None)
@given(
    long_size=st.integers(-400, 400),
    eth_size=st.integers(-50, 50),
    price=st.integers(2_000_000, 4_000_000),
)
def test_any_exit_is_served_and_pays_the_value(long_size: int, eth_size: int, price: int):
    """Whatever account 0 holds, the planned closes and the exit apply, and it is paid its value (less
    the initial margin nothing: no position is left) up to the quotes' rounding."""
    w, _ = funded_world(SMALL)
    for m, size in ((BTC, long_size), (ETH, eth_size)):
        if size:
            other = 1 if m == BTC else 2
            buyer, seller = (0, other) if size > 0 else (other, 0)
            w.apply(w.trade(m, buyer, seller, abs(size), w.state.markets[m].price))
    w.apply(w.tick(BTC, price))
    value = _value(w, 0)
    w.enqueue_forced_exit(0)
    for tx in queue_txs(w.state, w.state.pending[0]):
        eff = w.apply(tx)
    assert not w.state.pending and w.state.accounts[0].sizes == (0, 0)
    assert max(0, value) - 2 <= eff.record.amount <= max(0, value) + 1  # the quotes round either way
