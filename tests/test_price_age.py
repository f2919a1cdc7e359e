"""Price ages and the batch clock: every attack forced through the circuit, with the constraint
that stops it named.

Rules (``rollup.ledger.transition``; ``circuits.ledger.slot`` and ``circuits.ledger.circuit``):
a market keeps its last tick's time; withdrawals, trades and liquidations need every priced market
at most ``max_price_age`` behind the ledger clock (``slot#.price_fresh#``); a batch starts the clock
at its posted batch time, never before the ledger time (``batch_clock``), which the contract ties to
``block.timestamp`` (tests/test_l1_rollup.py); oracle timestamps stay below 2^40 (``oracle_time_u40``).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rollup import errors as err
from rollup.ledger.batch import process_batch, replay_batch
from rollup.ledger.demo import FAR, ORACLE, funded_world
from rollup.ledger.signing import oracle_tick
from tests.attack.scenarios import BTC, ETH, SMALL
from tests.batch_circuit_helpers import forced, prove_mode, refused_by_both

AGE = SMALL.max_price_age


def _eth_long():
    """Account 0 long 100 ETH from account 1; then only BTC ticks, so ETH's price ages."""
    w, _ = funded_world(SMALL)
    w.apply(w.trade(ETH, 0, 1, 100, 2_000_000))
    return w


def _age_eth_by(w, seconds: int) -> None:
    w.clock = w.state.markets[ETH].price_time + seconds - 10  # tick() adds 10
    w.apply(w.tick(BTC, 3_000_000))


def test_a_withdrawal_reads_every_market_so_a_stale_one_refuses_it():
    """ETH's price is max_price_age + 1 old: a withdrawal (whose margin check values the ETH long
    at that price) is refused by the spec and by ``slot0.price_fresh1``."""
    w = _eth_long()
    _age_eth_by(w, AGE + 1)
    start = w.state.copy()
    tx = w.wallets[0].withdraw(start, 0, 10, FAR)
    assert refused_by_both(start, tx, err.StaleOraclePrice, SMALL) == "slot0.price_fresh1.pack"


def test_a_price_exactly_max_age_old_is_still_fresh():
    w = _eth_long()
    _age_eth_by(w, AGE)
    res = process_batch(w.state.copy(), [w.wallets[0].withdraw(w.state, 0, 10, FAR)])
    assert prove_mode(res, SMALL).which_is_unsatisfied() is None


def test_a_trade_in_a_fresh_market_is_refused_while_another_is_stale():
    w = _eth_long()
    _age_eth_by(w, AGE + 1)
    start = w.state.copy()
    tx = w.trade(BTC, 1, 2, 1, 3_000_000)
    assert refused_by_both(start, tx, err.StaleOraclePrice, SMALL) == "slot0.price_fresh1.pack"


def test_a_market_never_priced_does_not_block_the_others():
    """ETH never ticked (price time 0): nobody can hold ETH, so its missing price is no age."""
    w, _ = funded_world(SMALL)
    start = w.state.copy()
    start.markets = (start.markets[BTC], type(start.markets[ETH])())
    w.state = start.copy()
    res = process_batch(start, [w.trade(BTC, 0, 1, 1, 3_000_000)])
    assert prove_mode(res, SMALL).which_is_unsatisfied() is None


def test_the_batch_time_moves_the_clock_so_a_frozen_clock_cannot_hide_an_old_price():
    """No ticks for two hours: by the ledger's own clock BTC's price is fresh, but a batch posted now
    must start the clock now (the contract checks its time against the block), and then the price
    is two hours old: the liquidation is refused by ``slot0.price_fresh0``."""
    w, _ = funded_world(SMALL)
    w.apply(w.trade(BTC, 0, 1, 300, 3_000_000))
    w.apply(w.tick(BTC, 2_700_000))  # the dip; ETH ticked earlier but is still fresh
    start = w.state.copy()
    liq = w.wallets[2].liquidate(start, BTC, 0, 2, 100, FAR)
    assert prove_mode(process_batch(start, [liq]), SMALL).which_is_unsatisfied() is None  # clock not moved
    later = start.time + 2 * 3600
    with pytest.raises(err.StaleOraclePrice):
        process_batch(start, [liq], later)
    with forced(err.StaleOraclePrice):
        res = process_batch(start, [liq], later)
    assert prove_mode(res, SMALL).which_is_unsatisfied() == "slot0.price_fresh0.pack"


def test_the_batch_clock_never_goes_back():
    w, start = funded_world(SMALL)
    with pytest.raises(err.StaleBatchTime):
        process_batch(start, [], start.time - 1)
    with forced(err.StaleBatchTime):
        res = process_batch(start, [], start.time - 1)
    assert prove_mode(res, SMALL).which_is_unsatisfied() == "batch_clock.pack"


def test_an_oracle_timestamp_must_stay_below_2_40():
    """A tick timed 2^40 would leave a clock no posted batch time (5 bytes) can follow."""
    w, start = funded_world(SMALL)
    tick = oracle_tick(start.domain, ORACLE, BTC, 3_000_000, 1 << 40)
    assert refused_by_both(start, tick, err.RangeViolation, SMALL) == "slot0.oracle_time_u40"


def test_an_oracle_tick_sets_its_markets_price_time():
    w, start = funded_world(SMALL)
    res = process_batch(start, [w.tick(ETH, 2_100_000)])
    eth = res.state.markets[ETH]
    assert (eth.price, eth.price_time) == (2_100_000, w.clock) and res.state.time == w.clock


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10**6))
def test_replay_of_a_posting_with_a_batch_time_rebuilds_the_root(extra):
    """The batch time is posted (data[1:6]); anyone replaying the data gets the same clock and root."""
    w, start = funded_world(SMALL)
    tick = oracle_tick(start.domain, ORACLE, BTC, 3_000_000, start.time + extra + 1)  # after the batch time
    res = process_batch(start, [tick], start.time + extra)
    assert int.from_bytes(res.data[1:6], "big") == start.time + extra
    assert replay_batch(start, res.data).root == res.new_root
