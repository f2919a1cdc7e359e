"""Attack7 (3): make a forced exit unservable.  A counterparty parked at the collateral edge cannot
take the close (its collateral would leave the range), the planner stops short, the exit is refused
(``PositionsOpen`` / ``fe_closed#``) and the L1 queue waits until anyone may freeze the rollup.
FINDING (high, fixed): the operator's backstop account (the tree's last index, registered on L1 by the
operator alone) may take any position in a forced close, so an exit never waits on a counterparty's
room; without a registered backstop the stall remains (the operator registers one at deployment)."""

from __future__ import annotations

from rollup import errors as err
from rollup.ledger.batch import process_batch
from rollup.ledger.demo import World, funded_world
from rollup.ledger.forced import plan_closes, queue_txs
from rollup.ledger.types import Deposit, ForcedExit
from tests.attack.scenarios import BTC, C63, SMALL
from tests.batch_circuit_helpers import prove_mode, refused_by_both

BACKSTOP = SMALL.num_accounts - 1  # the operator's account
EXITING, EDGE = 0, 1  # both the attacker's: 0 short 100 BTC, 1 the only long, collateral at the top


def _parked(gap: int = 0, backstop: bool = False) -> World:
    """Account 1 tops its collateral up to 2^63 - 1 - 3,000,000 - gap, buys 100 BTC from account 0
    at 3,000,000 (pays 3,000,000), the oracle then ticks up 100: closing it would pay 1 more each unit."""
    w, _ = funded_world(SMALL)
    w.apply(w.enqueue_deposit(EDGE, C63 - 1 - 1_000_000 - gap))
    w.apply(w.trade(BTC, EDGE, EXITING, 100, 3_000_000))
    w.apply(w.tick(BTC, 3_000_100))
    if backstop:
        funding = Deposit(BACKSTOP, 1_000_000, w.wallets[2].pubkey)
        w.state.enqueue(funding.queue_item())
        w.apply(funding)
    w.enqueue_forced_exit(EXITING)
    return w


def test_the_parked_state_is_reachable_and_the_counterparty_healthy():
    w = _parked()
    assert w.state.accounts[EDGE].collateral == C63 - 1 - 3_000_000
    assert w.state.accounts[EXITING].sizes[BTC] == -100 and w.state.accounts[2].sizes[BTC] == 0


def test_without_a_backstop_the_exit_waits_and_is_refused_by_both():
    """The limit left when the operator registered no backstop: no whole close fits account 1."""
    w = _parked()
    assert plan_closes(w.state, EXITING) == []  # 99 of 100 would fit, and a close takes all it can
    assert refused_by_both(w.state.copy(), ForcedExit(EXITING), err.PositionsOpen, SMALL) == "slot0.fe_closed0"


def test_a_forced_exit_is_served_through_the_backstop_account():
    """What the queue needs: the planned transactions end in an exit the spec and circuit accept."""
    w = _parked(backstop=True)
    txs = queue_txs(w.state, w.state.pending[0])
    assert [type(t).__name__ for t in txs] == ["ForcedClose", "ForcedExit"] and txs[0].counterparty == BACKSTOP
    for tx in txs:
        res = process_batch(w.state, [tx])
        assert prove_mode(res, SMALL).which_is_unsatisfied() is None
        w.state = res.state
    assert (
        w.state.accounts[EXITING].sizes == (0, 0) and w.state.accounts[BACKSTOP].sizes[BTC] == -100
    )  # it took the short
