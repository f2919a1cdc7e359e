"""Ledger rules added by the soundness review (issue 10): StarkEx's margin rule for trades, refunds
of deposits the ledger cannot apply, forced exits that never stall the queue, signatures bound to
one deployment.  Circuit-side counterparts: tests/test_soundness_attacks.py."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from circuits.ledger.params import LedgerParams, TxType
from circuits.ledger.records import Record
from circuits.ledger.state import AccountLeaf, MarketState
from rollup import errors as err
from rollup.ledger import margin
from rollup.ledger.batch import process_batch, replay_batch
from rollup.ledger.demo import FAR, World, funded_world
from rollup.ledger.transition import effect_of_record
from rollup.ledger.types import Deposit, ForcedExit

BTC = 0
C63 = 1 << 63


def _unhealthy_long(w: World) -> None:
    """Account 0 long 300 BTC at 30,000.00 on 1,000,000 of collateral; the price falls to 27,500.00:
    value 250,000 against an initial risk of 412,500 (below initial margin, above maintenance)."""
    w.apply(w.trade(BTC, 0, 1, 300, 3_000_000))
    w.apply(w.tick(BTC, 2_750_000))
    acct = w.state.accounts[0]
    assert margin.value_scaled(w.params, acct, w.state.markets) == 250_000 * w.params.scale_lcm
    assert not margin.meets_initial(w.params, acct, w.state.markets)


def test_selling_a_position_at_price_zero_cannot_leave_bad_debt():
    """The reported attack: an unhealthy account sells its whole position at 0 to a friend."""
    w, _ = funded_world()
    _unhealthy_long(w)
    with pytest.raises(err.MarginViolation, match="not healthier"):
        w.apply(w.trade(BTC, 2, 0, 300, 0))
    with pytest.raises(err.MarginViolation):
        w.apply(w.trade(BTC, 2, 0, 100, 0))


def test_an_unhealthy_account_may_pay_a_spread_while_its_ratio_does_not_fall():
    w, _ = funded_world()
    _unhealthy_long(w)
    start = w.state.copy()
    w.apply(w.trade(BTC, 2, 0, 100, 2_700_000))  # 500 below the oracle: value 200,000 / risk 275,000
    w.state = start.copy()
    with pytest.raises(err.MarginViolation):  # 1,500 below: value 100,000 / risk 275,000 < 250/412.5
        w.apply(w.trade(BTC, 2, 0, 100, 2_600_000))


@pytest.mark.parametrize(
    "buyer, seller, amount, price, why",
    [
        (0, 2, 1, 2_750_000, "adds risk"),
        (2, 0, 400, 2_715_000, "flips to short 100: value/risk 110,000/137,500 beats 250/412.5, still refused"),
        (1, 0, 0, 2_750_000, "moves nothing"),
    ],
)
def test_the_exemption_needs_a_shrinking_position(buyer, seller, amount, price, why):
    w, _ = funded_world()
    _unhealthy_long(w)
    with pytest.raises((err.MarginViolation, err.RangeViolation)):
        w.apply(w.trade(BTC, buyer, seller, amount, price))


def test_no_oracle_price_of_zero_and_no_trade_in_an_unpriced_market():
    """At price 0 a position has neither value nor risk, so no margin rule could see it: the oracle
    cannot tick 0, and a market not priced yet takes no trades or liquidations."""
    w, _ = funded_world()
    with pytest.raises(err.RangeViolation, match="positive"):
        w.apply(w.tick(BTC, 0))
    fresh = World()
    for i in range(2):
        fresh.apply(fresh.enqueue_deposit(i, 1_000_000))
    with pytest.raises(err.UnpricedMarket):
        fresh.apply(fresh.trade(BTC, 0, 1, 10, 3_000_000))


def _reference(p: LedgerParams, before: AccountLeaf, after: AccountLeaf, markets, m: int) -> bool:
    """StarkEx's rule with exact fractions (the spec multiplies out instead)."""
    if margin.meets_initial(p, after, markets):
        return True
    old, new = before.sizes[m], after.sizes[m]
    if not (old * new >= 0 and abs(new) < abs(old)) or markets[m].price <= 0:
        return False
    rb, ra = margin.risk_scaled(p, before, markets, True), margin.risk_scaled(p, after, markets, True)
    vb, va = margin.value_scaled(p, before, markets), margin.value_scaled(p, after, markets)
    return ra < rb and (ra == 0 and va >= 0 or ra > 0 and Fraction(va, ra) >= Fraction(vb, rb))


SIZE = st.integers(-(1 << 47), (1 << 47) - 1)


@given(
    coll=st.integers(-C63, C63 - 1),
    sizes=st.tuples(SIZE, SIZE),
    d=st.integers(-(1 << 20), 1 << 20),
    d_coll=st.integers(-(1 << 40), 1 << 40),
    prices=st.tuples(st.integers(0, (1 << 40) - 1), st.integers(0, (1 << 40) - 1)),
)
def test_trade_rule_matches_exact_fractions(coll, sizes, d, d_coll, prices):
    p = LedgerParams()
    markets = tuple(MarketState(price=x) for x in prices)
    before = AccountLeaf((1, 2), 0, coll, sizes, (0, 0))
    after = replace(before.with_size(BTC, sizes[BTC] + d), collateral=coll + d_coll)
    assert margin.trade_allowed(p, before, after, markets, BTC) == _reference(p, before, after, markets, BTC)


def test_a_deposit_that_would_overflow_collateral_is_refunded_not_stuck():
    w = World()
    first, second = w.enqueue_deposit(0, C63 - 10), w.enqueue_deposit(0, 11)
    behind = w.enqueue_forced_exit(0)
    start = w.state.copy()
    res = process_batch(start, [first, second, behind])
    kinds = [e.record.tx_type for e in res.effects[:3]]
    assert kinds == [TxType.DEPOSIT, TxType.DEPOSIT_REFUND, TxType.FORCED_EXIT]
    assert res.state.accounts[0].collateral == C63 - 10 - res.effects[2].record.amount
    assert res.state.queue_consumed == 3 and not res.state.pending
    assert replay_batch(start, res.data).root == res.new_root


def test_a_refund_of_a_deposit_that_fits_is_refused():
    w = World()
    w.enqueue_deposit(0, 5)
    rec = Record(TxType.DEPOSIT_REFUND, 0, 0, 0, 5)
    with pytest.raises(err.InvalidTransaction, match="cannot be refused"):
        effect_of_record(w.state, rec, w.wallets[0].pubkey)


def test_a_deposit_record_that_overflows_is_refused():
    w = World()
    w.apply(w.enqueue_deposit(0, C63 - 1))
    w.enqueue_deposit(0, 1)
    with pytest.raises(err.RangeViolation, match="refunded"):
        effect_of_record(w.state, Record(TxType.DEPOSIT, 0, 0, 0, 1), w.wallets[0].pubkey)


def test_a_forced_exit_of_an_account_beyond_range_pays_nothing_and_does_not_stall():
    w, _ = funded_world()
    w.apply(w.trade(BTC, 0, 1, 100, 3_000_000))
    m = w.state.markets[BTC]
    w.state.markets = (replace(m, funding_index=1 << 62), *w.state.markets[1:])  # a century of funding
    assert not -C63 <= margin.settle_funding(w.state.accounts[0], w.state.markets).collateral < C63
    w.enqueue_forced_exit(0)
    leaf = w.state.accounts[0]
    eff = w.apply(ForcedExit(0))
    assert eff.record.amount == 0 and w.state.accounts[0] == leaf and w.state.queue_consumed == 4


def test_signatures_bind_the_deployment():
    w, _ = funded_world()
    other = World(domain=w.state.domain + 1)
    for i in range(2):
        other.apply(other.enqueue_deposit(i, 1_000_000))
    other.apply(other.tick(BTC, 3_000_000))
    tx = w.trade(BTC, 0, 1, 10, 3_000_000)  # signed for w's deployment
    with pytest.raises(err.BadSignature):
        other.apply(tx)
    with pytest.raises(err.BadSignature):
        other.apply(Deposit(0, 1, w.wallets[0].pubkey) and w.wallets[0].withdraw(w.state, 0, 1, FAR))
