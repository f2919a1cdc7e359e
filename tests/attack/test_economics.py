"""Attack 3: bad debt and theft with transactions the spec accepts.

FINDING (fixed): a market without an oracle price (price 0: before its first tick, or a tick of 0)
carried no risk and no value, so the margin check could not see positions in it: two accounts of one
attacker opened an unlimited position between them, and once the market was priced one side held an
unbacked gain, withdrawn through an honest maker or escaped after a freeze.  Now trades and
liquidations need a positive oracle price (``slot0.market_priced``) and oracle ticks are ≥ 1
(``slot0.oracle_price_positive``).
FINDING (fixed): a forced exit paid min(collateral, free collateral) and was then served, so an
account holding a position (a long bought on credit was paid 0) never got its value out while the
operator censored its trades, and the rollup never froze.  Now the exit must leave no position it could
close (``slot#.fe_closed#``), the operator closes them first at the oracle price (FORCED_CLOSE), and the
exit pays the value: ``tests/test_forced_close.py``.
The rest of this module checks that the other economic edges hold.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rollup import errors as err
from rollup.ledger import margin
from rollup.ledger.batch import process_batch
from rollup.ledger.demo import FAR, World, funded_world
from rollup.ledger.types import Deposit, ForcedExit
from tests.attack.scenarios import BTC, ETH, SMALL, unhealthy_long
from tests.batch_circuit_helpers import prove_mode, refused_by_both

DEPOSIT = 1_000_000
ATTACKER, ACCOMPLICE, MAKER = 0, 1, 2
S47 = 1 << 47


def _value(w: World, i: int) -> int:
    return margin.value_scaled(SMALL, w.state.accounts[i], w.state.markets) // SMALL.scale_lcm


def _unpriced_eth(zero_tick: bool) -> World:
    """Three accounts with 1,000,000 each; ETH has no price yet (or, with zero_tick, a price)."""
    w = World(SMALL)
    for i in range(3):
        w.apply(w.enqueue_deposit(i, DEPOSIT))
    w.apply(w.tick(BTC, 3_000_000))
    if zero_tick:
        w.apply(w.tick(ETH, 2_000_000))
    return w


def test_no_position_opens_in_a_market_priced_zero():
    w = _unpriced_eth(zero_tick=False)
    opening = w.trade(ETH, ATTACKER, ACCOMPLICE, 1_000, 0)  # 1,000 ETH at any price: here 0
    failing = refused_by_both(w.state.copy(), opening, err.UnpricedMarket, SMALL)
    assert failing == "slot0.market_priced"


def test_an_oracle_tick_of_zero_is_refused():
    from rollup.ledger.demo import ORACLE
    from rollup.ledger.signing import oracle_tick

    w = _unpriced_eth(zero_tick=False)
    w.clock += 10
    tick = oracle_tick(w.state.domain, ORACLE, ETH, 0, w.clock)
    assert refused_by_both(w.state.copy(), tick, err.RangeViolation, SMALL) == "slot0.oracle_price_positive"


def test_positions_at_both_48_bit_edges_are_proven_and_one_beyond_is_refused():
    """A long of 2^47 − 1 and a short of −2^47 are valid positions (and proven); one more is not."""
    w, _ = funded_world(SMALL)
    for i in (1, 2):
        w.apply(w.enqueue_deposit(i, 10**11))  # 5% of 2^47 units at 0.01 is 7·10^10
    w.apply(w.tick(BTC, 1))
    w.apply(w.trade(BTC, 0, 2, 1, 1))  # account 2 short 1
    start = w.state.copy()
    edges = process_batch(start, [w.trade(BTC, 2, 1, S47, 1)])  # 2: 2^47 − 1, 1: −2^47
    assert [a.sizes[BTC] for a in (edges.state.accounts[2], edges.state.accounts[1])] == [S47 - 1, -S47]
    assert prove_mode(edges, SMALL).which_is_unsatisfied() is None
    failing = refused_by_both(start, w.trade(BTC, 2, 1, S47 + 1, 1), err.RangeViolation, SMALL)
    assert failing.startswith("slot0.a.size_range")


def test_the_largest_price_is_proven():
    w, start = funded_world(SMALL)
    res = process_batch(start, [w.tick(ETH, (1 << 40) - 1)])
    assert prove_mode(res, SMALL).which_is_unsatisfied() is None


PRICE = st.integers(2_000_000, 4_000_000)


@settings(max_examples=10)
@given(amount=st.integers(1, 300), price=PRICE)
def test_a_liquidation_at_the_oracle_price_never_deepens_bad_debt(amount, price):
    """The liquidated account's value moves only by the quote's rounding (< 1 unit), whatever part
    of its position is taken."""
    w, _ = funded_world(SMALL)
    unhealthy_long(w)
    before = margin.value_scaled(SMALL, w.state.accounts[0], w.state.markets)
    w.apply(w.wallets[2].liquidate(w.state, BTC, 0, 2, amount, FAR))
    after = margin.value_scaled(SMALL, w.state.accounts[0], w.state.markets)
    assert 0 <= before - after < SMALL.scale_lcm


@settings(max_examples=10)
@given(amount=st.integers(1, 400), price=st.integers(0, 4_000_000))
def test_a_trade_never_takes_an_account_below_zero_value(amount, price):
    """Well margined after (value ≥ risk ≥ 0) or healthier (ratio not lower, so a non-negative value
    stays non-negative): the unhealthy long can give value away, never go negative."""
    w, _ = funded_world(SMALL)
    unhealthy_long(w)
    w.apply(w.tick(BTC, 2_750_000))  # below initial, above maintenance
    try:
        w.apply(w.trade(BTC, 2, 0, amount, price))
    except err.InvalidTransaction:
        return
    assert _value(w, 0) >= 0


@pytest.mark.parametrize("key", [(1, 2), (0, 1)], ids=["off the curve", "the identity"])
def test_an_account_registered_with_a_bad_key_cannot_jam_the_queue(key):
    """L1 takes any key below r but (0, 0): its deposits and forced exits are still proven (no curve
    check sits on the queue path), so such an account cannot stall the items behind it."""
    w, _ = funded_world(SMALL)
    deposit = Deposit(3, 500, key)
    w.state.enqueue(deposit.queue_item())
    assert prove_mode(process_batch(w.state.copy(), [deposit]), SMALL).which_is_unsatisfied() is None
    w.apply(deposit)
    w.enqueue_forced_exit(3)
    res = process_batch(w.state.copy(), [ForcedExit(3)])
    assert res.effects[0].record.amount == 500 and prove_mode(res, SMALL).which_is_unsatisfied() is None
