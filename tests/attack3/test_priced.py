"""Attacks on commit 5698e0b's priced-market rules, each forced through the batch circuit.

The StarkEx exemption is now gated by t_trade·reduces (a positive oracle price being a precondition
of every trade): can a trade that only shrinks, at a positive but absurd price, move an account's
value to an accomplice and leave bad debt?  Can a liquidation run where no price was ever set?
All stopped: the ratio rule value_after·risk_before ≥ value_before·risk_after keeps a non-negative
value non-negative (full close: risk_after = 0, so value_after ≥ 0), and a market never priced
holds no position to liquidate (refused by the spec, ``slot0.market_priced`` or the reduction rule
in the circuit).
Prices have an age (the finding this module reported, fixed): each market keeps its tick's time,
margin-reading transactions need every priced market at most max_price_age behind the ledger
clock, and the batch time ties that clock to L1 time (tests/test_price_age.py).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rollup import errors as err
from rollup.ledger import margin
from rollup.ledger.batch import process_batch
from rollup.ledger.demo import FAR, World, funded_world
from tests.attack.scenarios import BTC, ETH, SMALL
from tests.batch_circuit_helpers import forced, prove_mode, refused_by_both

VICTIM, ACCOMPLICE, LIQUIDATOR = 0, 1, 2


def _below_initial() -> World:
    """Account 0 long 300 BTC bought at 30,000.00 on 1,000,000 of collateral; the price falls to
    27,500.00: value 250,000, below initial margin (the exemption's case), above maintenance."""
    w, _ = funded_world(SMALL)
    w.apply(w.trade(BTC, VICTIM, ACCOMPLICE, 300, 3_000_000))
    w.apply(w.tick(BTC, 2_750_000))
    assert not margin.meets_initial(SMALL, w.state.accounts[VICTIM], w.state.markets)
    return w


def _value(w: World, i: int) -> int:
    return margin.value_scaled(SMALL, w.state.accounts[i], w.state.markets)


def test_an_account_below_initial_cannot_dump_its_whole_position_at_a_price_of_one():
    """Sold to the accomplice at 0.01 a BTC: the victim would keep collateral −8,000,000 and no
    position (bad debt of 8,000,000, the accomplice's gain).  Refused: risk_after = 0 needs
    value_after ≥ 0."""
    w = _below_initial()
    dump = w.trade(BTC, ACCOMPLICE, VICTIM, 300, 1)
    failing = refused_by_both(w.state.copy(), dump, err.MarginViolation, SMALL)
    assert failing is not None and failing.startswith("slot0.healthier_b"), failing


def test_an_account_below_initial_cannot_dump_half_its_position_at_a_price_of_one():
    w = _below_initial()
    dump = w.trade(BTC, ACCOMPLICE, VICTIM, 150, 1)
    failing = refused_by_both(w.state.copy(), dump, err.MarginViolation, SMALL)
    assert failing is not None and failing.startswith("slot0.healthier_b"), failing


@settings(max_examples=25, deadline=None)
@given(amount=st.integers(1, 300), price=st.integers(1, 6_000_000))
def test_a_reduction_at_any_positive_price_keeps_the_value_ratio(amount, price):
    """Whatever the trade price, a reduction the spec accepts under the exemption never lowers
    value/risk, so the account's value stays ≥ 0 and its loss is at most its share of the risk cut."""
    w = _below_initial()
    before = _value(w, VICTIM)
    risk = margin.risk_scaled(SMALL, w.state.accounts[VICTIM], w.state.markets, True)
    try:
        w.apply(w.trade(BTC, ACCOMPLICE, VICTIM, amount, price))
    except err.InvalidTransaction:
        return
    after = margin.value_scaled(SMALL, w.state.accounts[VICTIM], w.state.markets)
    risk_after = margin.risk_scaled(SMALL, w.state.accounts[VICTIM], w.state.markets, True)
    assert after >= 0 and after * risk >= before * risk_after


def _below_initial_short() -> World:
    """Account 0 short 300 BTC sold at 30,000.00; the price rises to 32,500.00: value 250,000."""
    w, _ = funded_world(SMALL)
    w.apply(w.trade(BTC, ACCOMPLICE, VICTIM, 300, 3_000_000))
    w.apply(w.tick(BTC, 3_250_000))
    assert not margin.meets_initial(SMALL, w.state.accounts[VICTIM], w.state.markets)
    return w


def _reduce(w: World, short: bool, price: int):
    """The victim reduces by 100 at price: a long sells (lane b), a short buys back (lane a)."""
    return w.trade(BTC, VICTIM, ACCOMPLICE, 100, price) if short else w.trade(BTC, ACCOMPLICE, VICTIM, 100, price)


@pytest.mark.parametrize("short", [False, True], ids=["long sells (lane b)", "short buys (lane a)"])
def test_the_largest_accepted_giveaway_is_proven_and_one_step_more_is_refused_by_both(short):
    """At the edge of the ratio rule (reduce 100 of 300 at the worst price the spec takes) the
    circuit agrees with the spec on both sides of the edge."""
    w = _below_initial_short() if short else _below_initial()
    start = w.state.copy()
    step = 1_000 if short else -1_000
    prices = range(4_000_000, 3_250_000, -1_000) if short else range(2_000_000, 2_750_000, 1_000)
    worst = next(p for p in prices if _accepts(start, _reduce(w, short, p)))
    assert worst not in (prices[0],)
    edge = process_batch(start, [_reduce(w, short, worst)])
    assert prove_mode(edge, SMALL).which_is_unsatisfied() is None
    side = "a" if short else "b"
    failing = refused_by_both(start, _reduce(w, short, worst + step), err.MarginViolation, SMALL)
    assert failing is not None and failing.startswith(f"slot0.healthier_{side}"), failing


def _accepts(start, tx) -> bool:
    try:
        process_batch(start, [tx])
    except err.InvalidTransaction:
        return False
    return True


def test_a_short_below_initial_cannot_buy_back_at_the_largest_price():
    w = _below_initial_short()
    dump = w.trade(BTC, VICTIM, ACCOMPLICE, 300, (1 << 40) - 1)
    failing = refused_by_both(w.state.copy(), dump, err.MarginViolation, SMALL)
    assert failing is not None and failing.startswith("slot0.healthier_a"), failing


def test_a_liquidation_in_a_market_never_priced_is_refused_by_both():
    """ETH never ticked (price 0); the victim is liquidatable in BTC.  Forced past the spec's
    UnpricedMarket and NotLiquidatable, the circuit still refuses."""
    w = World(SMALL)
    for i in range(3):
        w.apply(w.enqueue_deposit(i, 1_000_000))
    w.apply(w.tick(BTC, 3_000_000))
    w.apply(w.trade(BTC, VICTIM, ACCOMPLICE, 300, 3_000_000))
    w.apply(w.tick(BTC, 2_700_000))
    start = w.state.copy()
    liq = w.wallets[LIQUIDATOR].liquidate(start, ETH, VICTIM, LIQUIDATOR, 10, FAR)
    try:
        process_batch(start, [liq])
        raise AssertionError("the spec accepted a liquidation in an unpriced market")
    except err.UnpricedMarket:
        pass
    with forced(err.UnpricedMarket, err.NotLiquidatable):
        res = process_batch(start, [liq])
    failing = prove_mode(res, SMALL).which_is_unsatisfied()
    assert failing in ("slot0.market_priced", "slot0.liquidation_reduces"), failing


DAY = 86_400


def test_a_liquidation_needs_a_price_no_older_than_the_ledger_clock_allows():
    """The operator includes ETH ticks (ledger time moves a day) and withholds BTC's: BTC keeps the
    price that made the victim liquidatable.  A liquidation at that day-old price is refused by the
    spec (StaleOraclePrice) and, forced through, by ``slot0.price_fresh0`` (BTC's tick is older than
    max_price_age behind the ledger clock)."""
    w = World(SMALL)
    for i in range(3):
        w.apply(w.enqueue_deposit(i, 1_000_000))
    w.apply(w.tick(BTC, 3_000_000))
    w.apply(w.trade(BTC, VICTIM, ACCOMPLICE, 300, 3_000_000))
    w.apply(w.tick(BTC, 2_700_000))  # the dip: below maintenance
    w.clock += DAY
    w.apply(w.tick(ETH, 2_000_000))  # a day later by the ledger's own clock; BTC ticks withheld
    start = w.state.copy()
    liq = w.wallets[LIQUIDATOR].liquidate(start, BTC, VICTIM, LIQUIDATOR, 200, FAR)
    assert refused_by_both(start, liq, err.StaleOraclePrice, SMALL) == "slot0.price_fresh0.pack"
