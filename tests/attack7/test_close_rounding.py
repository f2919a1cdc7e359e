"""Attack7 (4): value moved by forced closes.  Each close rounds its quote down (floor(amount·price /
scale)) and nobody signs, so the operator chooses how to split a position into closes: one unit at a
time, each loses up to one collateral unit from the exiting long to the counterparty (the operator's
account, say).  One close rounds once; a split close rounded |size| times.  FINDING (low, fixed): a
close now takes all it can (``close_takes_all``: the exiting or the counterparty's position ends at 0,
or the exiting account's rest may stay), so a split is refused by both."""

from __future__ import annotations

import pytest

from rollup import errors as err
from rollup.ledger import margin
from rollup.ledger.batch import process_batch
from rollup.ledger.demo import World, funded_world
from rollup.ledger.forced import queue_txs
from rollup.ledger.types import ForcedClose, ForcedExit
from tests.attack.scenarios import BTC, SMALL
from tests.batch_circuit_helpers import prove_mode, refused_by_both

SIZE = 300


def _exiting_long(price: int) -> World:
    """Account 0 buys 300 BTC from account 1 at the oracle's `price`; 0 asks to leave."""
    w, _ = funded_world(SMALL)
    w.apply(w.tick(BTC, price))
    w.apply(w.trade(BTC, 0, 1, SIZE, price))
    w.enqueue_forced_exit(0)
    return w


def _paid(w: World, closes: list[ForcedClose], prove: int = 0) -> int:
    """Apply the closes (the first `prove` of them through the circuit) and the exit; the amount paid."""
    for k, tx in enumerate(closes):
        res = process_batch(w.state, [tx])
        if k < prove:
            assert prove_mode(res, SMALL).is_satisfied()
        w.state = res.state
    return w.apply(ForcedExit(0)).record.amount


def _value(w: World) -> int:
    return margin.value_scaled(SMALL, w.state.accounts[0], w.state.markets) // SMALL.scale_lcm


@pytest.mark.parametrize("price", [3_000_099, 99])
def test_unit_closes_are_refused_by_spec_and_circuit(price: int):
    w = _exiting_long(price)
    value = _value(w)
    honest = _paid(_exiting_long(price), queue_txs(w.state, w.state.pending[0])[:-1])
    assert value - 1 <= honest <= value
    failing = refused_by_both(w.state.copy(), ForcedClose(BTC, 0, 1, 1), err.BadForcedClose, SMALL)
    assert failing == "slot0.close_takes_all"


def test_an_exit_loses_at_most_one_unit_however_the_operator_splits_the_closes():
    """Only whole closes are accepted, so the honest plan is the only split there is."""
    w = _exiting_long(3_000_099)
    value = _value(w)
    with pytest.raises(err.BadForcedClose):
        process_batch(w.state.copy(), [ForcedClose(BTC, 0, 1, SIZE - 1)])
    paid = _paid(w, [ForcedClose(BTC, 0, 1, SIZE)], prove=1)
    assert value - 1 <= paid <= value
