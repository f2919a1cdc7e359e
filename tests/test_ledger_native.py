"""The native ledger spec: each transaction type, each rejection, and batch invariants."""

from __future__ import annotations

import pytest

from circuits.ledger.params import FUNDING_UNIT, TxType
from circuits.native.eddsa import Signature
from rollup import errors as err
from rollup.ledger import margin
from rollup.ledger.batch import process_batch, replay_batch
from rollup.ledger.demo import FAR, ORACLE, World, funded_world
from rollup.ledger.forced import queue_txs
from rollup.ledger.signing import Wallet, funding_tick, oracle_tick
from rollup.ledger.transition import process_tx
from rollup.ledger.types import Deposit, ForcedClose, ForcedExit, Withdraw

BTC, ETH = 0, 1


def test_deposit_creates_account_and_queue_order():
    w = World()
    tx = w.enqueue_deposit(2, 700)
    second = w.enqueue_deposit(1, 5)
    with pytest.raises(err.QueueMismatch):
        w.apply(second)  # not the head of the L1 queue
    w.apply(tx)
    acct = w.state.accounts[2]
    assert (acct.collateral, acct.nonce, acct.pubkey) == (700, 0, w.wallets[2].pubkey)
    assert w.state.queue_consumed == 1 and w.state.pending == [second.queue_item()]


def test_trade_moves_collateral_against_size_at_fill_price():
    w, _ = funded_world()
    w.apply(w.trade(BTC, 0, 1, 10, 3_000_000))  # 10 units at 30,000.00 (scale 100)
    buyer, seller = w.state.accounts[0], w.state.accounts[1]
    assert (buyer.sizes[BTC], buyer.collateral, buyer.nonce) == (10, 1_000_000 - 300_000, 1)
    assert (seller.sizes[BTC], seller.collateral, seller.nonce) == (-10, 1_300_000, 1)


HOUR = 3600


def _later(w: World, seconds: int, market: int = BTC, price: int = 3_000_000) -> None:
    """Move ledger time on by an oracle tick `seconds` later."""
    w.clock += seconds - 10
    w.apply(w.tick(market, price))


def test_funding_is_paid_on_touch_and_sums_to_zero():
    w, _ = funded_world()
    w.apply(w.trade(BTC, 0, 1, 10, 3_000_000))
    _later(w, 2 * HOUR)
    w.apply(w.tick(ETH, 2_000_000))  # the oracle ticks both markets: ETH's price stays fresh
    w.apply(w.funding(BTC, 40))  # 40 per size unit: 0.13% of a 30,000 notional, within 2 × 0.1%
    w.apply(w.wallets[0].withdraw(w.state, 0, 1, FAR))
    w.apply(w.wallets[1].withdraw(w.state, 1, 1, FAR))
    a, b = w.state.accounts[0], w.state.accounts[1]
    assert a.collateral == 700_000 - 400 - 1 and b.collateral == 1_300_000 + 400 - 1
    assert a.caches[BTC] == b.caches[BTC] == 40


def _cap(w: World, market: int) -> int:
    """The largest |Δ| the cap allows now: |Δ|·scale·FUNDING_UNIT ≤ cap·price·elapsed."""
    m, cfg = w.state.markets[market], w.params.markets[market]
    return cfg.funding_cap * m.price * (w.state.time - m.funding_time) // (cfg.price_scale * FUNDING_UNIT)


def test_funding_cap_is_a_fraction_of_notional_per_hour():
    w, _ = funded_world()
    _later(w, HOUR)
    limit = _cap(w, BTC)
    assert limit == 30  # 0.1% of 30,000 collateral units a size unit, for one hour
    with pytest.raises(err.FundingOutOfBounds):
        w.apply(w.funding(BTC, -(limit + 1)))
    tick = w.funding(BTC, -limit)
    w.apply(tick)
    assert w.state.markets[BTC].funding_time == w.state.time
    with pytest.raises(err.BadSignature):  # it bound the old funding time: it applies once
        w.apply(tick)
    with pytest.raises(err.FundingOutOfBounds):  # no time has passed since
        w.apply(w.funding(BTC, 1))


def test_funding_starts_at_the_first_oracle_time_and_is_signed_by_the_oracle():
    w = World()
    w.apply(w.enqueue_deposit(0, 10))
    with pytest.raises(err.FundingOutOfBounds, match="no oracle price"):
        w.apply(w.funding(BTC, 0))
    w.clock = 1_700_000_000  # unix time: funding must not count from 0
    w.apply(w.tick(BTC, 3_000_000))
    assert w.state.markets[BTC].funding_time == w.state.time
    assert _cap(w, BTC) == 0
    with pytest.raises(err.FundingOutOfBounds):
        w.apply(w.funding(BTC, 1))
    forged = funding_tick(w.state, Wallet(b"mallory"), BTC, 0)
    with pytest.raises(err.BadSignature):
        w.apply(forged)


@pytest.mark.parametrize(
    "make, error",
    [
        (lambda w: w.wallets[0].withdraw(w.state, 0, 1_000_001, FAR), err.Overdraft),
        (lambda w: Withdraw(0, -5, FAR, w.wallets[0].sign(0)), err.RangeViolation),  # a wallet would not sign it
        (lambda w: w.wallets[1].withdraw(w.state, 0, 10, FAR), err.BadSignature),  # someone else's key
        (lambda w: w.wallets[0].withdraw(w.state, 0, 10, w.state.time - 1), err.Expired),
        (lambda w: w.trade(BTC, 0, 1, 10_000, 3_000_000), err.MarginViolation),
        (lambda w: w.trade(BTC, 0, 0, 1, 3_000_000), err.SelfTrade),
        (lambda w: w.trade(BTC, 0, 1, 0, 3_000_000), err.RangeViolation),
        (lambda w: Withdraw(3, 10, FAR, w.wallets[3].sign(0)), err.UnknownAccount),
        (lambda w: w.trade(7, 0, 1, 1, 3_000_000), err.UnknownMarket),
        (lambda w: w.wallets[1].liquidate(w.state, BTC, 0, 1, 1, FAR), err.NotLiquidatable),
        (lambda w: oracle_tick(w.state.domain, ORACLE, BTC, 1, w.state.time), err.StaleOraclePrice),
        (lambda w: oracle_tick(w.state.domain, Wallet(b"mallory"), BTC, 1, w.clock + 5), err.BadSignature),
        (
            lambda w: oracle_tick(w.state.domain + 1, ORACLE, BTC, 1, w.clock + 5),
            err.BadSignature,
        ),  # another deployment
        (lambda w: ForcedExit(0), err.QueueMismatch),
        (lambda w: Deposit(0, 5, w.wallets[0].pubkey), err.QueueMismatch),
    ],
)
def test_rejections_are_typed_and_leave_state_untouched(make, error):
    w, _ = funded_world()
    before = (w.state.root, dict(w.state.accounts), w.state.queue_head)
    tx = make(w)
    with pytest.raises(error):
        w.apply(tx)
    with pytest.raises(error):
        process_batch(w.state, [tx])
    assert (w.state.root, dict(w.state.accounts), w.state.queue_head) == before


def test_signatures_cannot_be_reused_or_carry_a_wrong_nonce():
    w, _ = funded_world()
    tx = w.wallets[0].withdraw(w.state, 0, 10, FAR)
    w.apply(tx)
    with pytest.raises(err.BadSignature):  # the nonce moved on
        w.apply(tx)
    from rollup.ledger.transition import message_for, record_of

    rec = record_of(tx)
    msg = message_for(w.state, rec, FAR) + 1  # anything but the current terms
    with pytest.raises(err.BadSignature):
        w.apply(Withdraw(0, 10, FAR, w.wallets[0].sign(msg)))
    with pytest.raises(err.BadSignature):
        w.apply(Withdraw(0, 10, FAR, Signature(tx.signature.r8, tx.signature.s + 1)))


def test_a_reducing_trade_is_allowed_below_initial_margin():
    w, _ = funded_world()
    w.apply(w.trade(BTC, 0, 1, 300, 3_000_000))  # buyer at about 10% margin, initial is 5%
    w.apply(w.tick(BTC, 2_750_000))  # buyer loses 75,000 of 100,000
    assert not margin.meets_initial(w.params, w.state.accounts[0], w.state.markets)
    with pytest.raises(err.MarginViolation):
        w.apply(w.trade(BTC, 0, 2, 1, 2_750_000))  # adding risk
    w.apply(w.trade(BTC, 2, 0, 100, 2_750_000))  # selling a third back
    assert w.state.accounts[0].sizes[BTC] == 200


def _underwater(w: World) -> None:
    w.apply(w.trade(BTC, 0, 1, 300, 3_000_000))
    w.apply(w.tick(BTC, 2_700_000))  # value -8,000,000 + 8,100,000 = 100,000 < 3% of 8,100,000
    assert margin.liquidatable(w.params, w.state.accounts[0], w.state.markets)


def test_liquidation_at_oracle_price_shrinks_without_flipping():
    w, _ = funded_world()
    _underwater(w)
    with pytest.raises(err.NotLiquidatable):
        w.apply(w.wallets[2].liquidate(w.state, BTC, 0, 2, 301, FAR))  # would flip the sign
    w.apply(w.wallets[2].liquidate(w.state, BTC, 0, 2, 200, FAR))
    a, c = w.state.accounts[0], w.state.accounts[2]
    assert (a.sizes[BTC], c.sizes[BTC]) == (100, 200)
    assert a.collateral == 1_000_000 - 9_000_000 + 200 * 2_700_000 // 100
    assert c.collateral == 1_000_000 - 200 * 2_700_000 // 100 and c.nonce == 1


def test_forced_exit_pays_what_margin_allows():
    """A position is closed first (against the opposite one, at the oracle price), so the exit pays
    the account's value; an account that never existed gets 0."""
    w, _ = funded_world()
    w.apply(w.trade(BTC, 0, 1, 100, 3_000_000))  # 0 long 100 on credit: collateral −2,000,000
    for account in (1, 0, 3):  # the short, the long, an account that never existed
        w.enqueue_forced_exit(account)
    txs = queue_txs(w.state, w.state.pending[0])
    assert txs == [ForcedClose(BTC, 1, 0, 100), ForcedExit(1)]
    effects = [w.apply(tx) for tx in txs]
    assert effects[-1].record.amount == 1_000_000 and w.state.accounts[1].collateral == 0
    assert w.state.accounts[0].sizes[BTC] == 0 and w.state.accounts[0].collateral == 1_000_000
    assert queue_txs(w.state, w.state.pending[0]) == [ForcedExit(0)]  # nothing left to close
    assert w.apply(ForcedExit(0)).record.amount == 1_000_000
    assert w.apply(ForcedExit(3)).record.amount == 0 and 3 not in w.state.accounts


def test_process_batch_never_touches_its_input_and_replays_from_data():
    w, start = funded_world()
    txs = [w.trade(BTC, 0, 1, 10, 3_000_000)]
    w.apply(txs[0])
    txs.append(w.wallets[1].withdraw(w.state, 1, 5, FAR))
    w.apply(txs[1])
    root = start.root
    res = process_batch(start, txs)
    assert start.root == root and res.old_root == root and res.new_root == w.state.root
    assert replay_batch(start, res.data).root == res.new_root
    assert [e.record.tx_type for e in res.effects] == [TxType.TRADE, TxType.WITHDRAW, TxType.NOOP, TxType.NOOP]
    with pytest.raises(err.BatchFull):
        process_batch(start, txs * 3)


def test_process_tx_on_a_rejected_tx_raises_before_any_write():
    w, _ = funded_world()
    root = w.state.root
    bad = w.trade(BTC, 0, 1, 10_000, 3_000_000)
    with pytest.raises(err.MarginViolation):
        process_tx(w.state, bad)
    assert w.state.root == root
