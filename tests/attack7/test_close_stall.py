"""Attack7 (3): make a forced exit unservable.  A counterparty parked at the collateral edge cannot
take the close (its collateral would leave the range), the planner stops short, the exit is refused
(``PositionsOpen`` / ``fe_closed#``) and the L1 queue waits until anyone may freeze the rollup."""

from __future__ import annotations

import pytest

from rollup import errors as err
from rollup.ledger.batch import process_batch
from rollup.ledger.demo import World, funded_world
from rollup.ledger.forced import plan_closes, queue_txs
from rollup.ledger.types import ForcedExit
from tests.attack.scenarios import BTC, C63, SMALL
from tests.batch_circuit_helpers import forced, prove_mode

EXITING, EDGE = 0, 1  # both the attacker's: 0 short 100 BTC, 1 the only long, collateral at the top


def _parked(gap: int = 0) -> World:
    """Account 1 tops its collateral up to 2^63 - 1 - 3,000,000 - gap, buys 100 BTC from account 0
    at 3,000,000 (pays 3,000,000), the oracle then ticks up 100: closing it would pay 1 more each unit."""
    w, _ = funded_world(SMALL)
    w.apply(w.enqueue_deposit(EDGE, C63 - 1 - 1_000_000 - gap))
    w.apply(w.trade(BTC, EDGE, EXITING, 100, 3_000_000))
    w.apply(w.tick(BTC, 3_000_100))
    w.enqueue_forced_exit(EXITING)
    return w


def test_the_parked_state_is_reachable_and_the_counterparty_healthy():
    w = _parked()
    assert w.state.accounts[EDGE].collateral == C63 - 1 - 3_000_000
    assert w.state.accounts[EXITING].sizes[BTC] == -100 and w.state.accounts[2].sizes[BTC] == 0


def test_the_planner_stops_short_and_the_exit_is_refused_by_both():
    w = _parked()
    plan = plan_closes(w.state, EXITING)
    assert sum(tx.amount for tx in plan) == 99  # the 100th unit would push account 1 past 2^63 - 1
    for tx in plan:
        w.apply(tx)
    with pytest.raises(err.PositionsOpen):
        process_batch(w.state.copy(), [ForcedExit(EXITING)])
    assert plan_closes(w.state, EXITING) == []  # no progress on a second try either
    with forced(err.PositionsOpen):
        res = process_batch(w.state.copy(), [ForcedExit(EXITING)])
    assert prove_mode(res, SMALL).which_is_unsatisfied() == "slot0.fe_closed0"


@pytest.mark.xfail(
    strict=True,
    raises=err.PositionsOpen,
    reason="finding: a counterparty at the collateral edge makes a forced exit unservable",
)
def test_a_forced_exit_can_always_be_served():
    """What the queue needs: the planned transactions end in an exit the spec accepts."""
    w = _parked()
    txs = queue_txs(w.state, w.state.pending[0])
    for tx in txs:
        w.apply(tx)
    assert not w.state.pending
