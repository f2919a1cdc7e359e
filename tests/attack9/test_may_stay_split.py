"""Attack9 (2): the +1 across many closes.  ``close_takes_all`` does not bind when the exiting
account's rest may stay open (a long at collateral ≥ 2^62, ``margin.may_stay_open``), so the operator
may close such a long 1 unit at a time against a user's short while the exit is the queue head.
Before attack8's fix each piece rounded against the exiting account (no one gained by splitting);
now each piece pays it the ceiling, so every piece moves up to 1 collateral unit from the
counterparty to the exiting account.  FINDING (low, fixed): an operator colluding with (or owning)
an exiting account holding 2^62 units (4.6 tokens at 18 decimals) took < 1 unit a piece from an
unwilling counterparty.  Now a close that leaves both positions open is only allowed into the
operator's backstop account (``close_stay_backstop``): against a user it must take all it can."""

from __future__ import annotations

from rollup import errors as err
from rollup.ledger.batch import process_batch
from rollup.ledger.demo import World, funded_world
from rollup.ledger.types import ForcedClose
from tests.attack.scenarios import BTC, C63, SMALL
from tests.batch_circuit_helpers import prove_mode, refused_by_both

PRICE, SIZE = 3_000_001, 299  # 1 BTC at 30,000.01: fair 30,000.01 units, the ceiling 30,001
EXITING, VICTIM = 0, 1


def _exiting_rich_long() -> World:
    w, _ = funded_world(SMALL)
    w.apply(w.enqueue_deposit(EXITING, C63 // 2 + 10**8))  # collateral ≥ 2^62 after the trade: its long may stay open
    w.apply(w.tick(BTC, PRICE))
    w.apply(w.trade(BTC, EXITING, VICTIM, SIZE, PRICE))
    w.enqueue_forced_exit(EXITING)
    return w


def test_a_rich_long_is_not_closed_one_unit_at_a_time_against_a_user():
    w = _exiting_rich_long()
    failing = refused_by_both(w.state.copy(), ForcedClose(BTC, EXITING, VICTIM, 1), err.BadForcedClose, SMALL)
    assert failing == "slot0.close_takes_all"


def test_a_counterparty_pays_at_most_one_rounding_however_the_close_is_split():
    """Only the whole close is accepted against the user: one rounding, under one unit."""
    w = _exiting_rich_long()
    before = w.state.accounts[VICTIM].collateral
    res = process_batch(w.state, [ForcedClose(BTC, EXITING, VICTIM, SIZE)])
    assert prove_mode(res, SMALL).which_is_unsatisfied() is None
    paid = before - res.state.accounts[VICTIM].collateral
    assert 0 <= paid - SIZE * PRICE / 100 < 1


def test_the_backstop_may_take_a_rich_long_in_parts():
    w = _exiting_rich_long()
    backstop = SMALL.num_accounts - 1
    w.state.write(backstop, w.state.accounts[2], True)
    res = process_batch(w.state, [ForcedClose(BTC, EXITING, backstop, 1)])
    assert prove_mode(res, SMALL).which_is_unsatisfied() is None
    assert res.state.accounts[EXITING].sizes[BTC] == SIZE - 1
