"""Attack8 (3): stall the queue although the operator registered and funded its backstop account.
Anyone may deposit to any registered account on L1, the backstop included.  The attacker holds the
exiting short (account 0) and the only long, parked at the top of the collateral range (attack7's
edge, account 1); it gifts the backstop enough to park it at the top edge too.  Closing the short
into either would push that account's collateral past 2^63 - 1, so the planner finds no whole close,
the exit is refused (``PositionsOpen`` / ``fe_closed0``) and the queue waits until anyone may freeze.
FINDING (low, fixed on L1): ``Rollup.deposit`` now takes deposits to the backstop from the operator
alone (``tests/attack8/test_l1_backstop_deadlines.py``), so the state below is one the operator
would have to build itself.  The backstop's range stays the operator's to manage: every short closed
into it raises its collateral, which then backs its short; the operator hedges it (trades) or
withdraws what is free (tested below), as it must keep any account it trades from solvent."""

from __future__ import annotations

from rollup import errors as err
from rollup.ledger.demo import FAR, World, funded_world
from rollup.ledger.forced import plan_closes, queue_txs
from rollup.ledger.signing import Wallet
from rollup.ledger.types import Deposit, ForcedExit
from tests.attack.scenarios import BTC, C63, SMALL
from tests.batch_circuit_helpers import refused_by_both

BACKSTOP = SMALL.num_accounts - 1
EXITING, EDGE = 0, 1
KEY = Wallet(b"operator backstop")


def _gifted(gift: int) -> World:
    """attack7's parked edge (0 short 100 BTC, 1 the only long at the top edge; the price then up 100),
    the backstop funded with 1,000,000 by the operator and `gift` more by the attacker (an L1 deposit
    to a registered account); then 0 asks to leave."""
    w, _ = funded_world(SMALL)
    w.apply(w.enqueue_deposit(EDGE, C63 - 1 - 1_000_000))
    w.apply(w.trade(BTC, EDGE, EXITING, 100, 3_000_000))
    w.apply(w.tick(BTC, 3_000_100))
    for amount in (1_000_000, gift):
        tx = Deposit(BACKSTOP, amount, KEY.pubkey)
        w.state.enqueue(tx.queue_item())
        w.apply(tx)
    w.enqueue_forced_exit(EXITING)
    return w


def test_a_gifted_backstop_at_its_edge_leaves_the_exit_unserved_by_spec_and_circuit():
    w = _gifted(C63 - 1 - 2_000_000)
    assert w.state.accounts[BACKSTOP].collateral == C63 - 1 - 1_000_000
    assert plan_closes(w.state, EXITING) == []
    assert refused_by_both(w.state.copy(), ForcedExit(EXITING), err.PositionsOpen, SMALL) == "slot0.fe_closed0"


def test_the_operator_recovers_by_hand_by_withdrawing_the_gift():
    w = _gifted(C63 - 1 - 2_000_000)
    w.apply(KEY.withdraw(w.state, BACKSTOP, C63 - 1 - 2_000_000, FAR))
    txs = queue_txs(w.state, w.state.pending[0])
    for tx in txs:
        w.apply(tx)
    assert w.state.accounts[EXITING].sizes == (0, 0)
