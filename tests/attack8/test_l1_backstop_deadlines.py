"""Attack8 (4), on L1 (hardhat node, accept-any verifier): the deadline accounting and the backstop.
Each request's deadline counts one slot for every item ahead plus exitSlots − 1 more for every forced
exit ahead; the backstop (owned by the operator) could be gifted by anyone (the reachability of
``test_backstop_stall``; fixed: only the operator deposits to it now) and may ask to leave like any
account; consuming exits lowers ``queuedExits`` again, so later deadlines do not keep growing."""

from __future__ import annotations

import pytest

from rollup.l1.client import L1Error, exit_slots
from rollup.l1.devnode import hardhat_node
from rollup.ledger.forced import queue_txs
from tests.monitor_helpers import ITEM_DELAY, PARAMS, TIMING, OperatorChain

SLOTS = exit_slots(PARAMS)
BACKSTOP = PARAMS.num_accounts - 1


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    with hardhat_node() as url:
        ch = OperatorChain(url, "accept-any", None, tmp_path_factory.mktemp("attack8"))
        ch.register_and_deposit()  # three deposits queued, none consumed
        yield ch


def _request(chain, user: str, account: int) -> tuple[int, int]:
    """(queue index, deadline − request time)."""
    index = chain.l1.request_forced_exit(user, account)
    now = chain.now()
    return index, chain.l1.rollup.functions.forcedExitDeadline(index).call() - now


def _queued_exits(chain) -> int:
    return chain.l1.rollup.functions.queuedExits().call()


def test_deadlines_count_exit_slots_and_only_the_operator_funds_the_backstop(chain):
    rollup = chain.l1.rollup.functions
    assert _request(chain, chain.users[0], 0) == (3, TIMING[0] + 3 * ITEM_DELAY)
    assert _request(chain, chain.users[1], 1) == (4, TIMING[0] + (4 + SLOTS - 1) * ITEM_DELAY)
    assert chain.l1.register_backstop(chain.operator, chain.wallets[2].pubkey) == BACKSTOP
    with pytest.raises(L1Error, match="NotOperator"):
        chain.l1.deposit(chain.users[2], BACKSTOP, 5)  # a user's gift to the operator's account
    chain.l1.fund(chain.operator, 5)
    chain.l1.deposit(chain.operator, BACKSTOP, 5)
    assert rollup.ownerOf(BACKSTOP).call() == chain.operator
    index, delay = _request(chain, chain.operator, BACKSTOP)
    assert (index, delay) == (6, TIMING[0] + (6 + 2 * (SLOTS - 1)) * ITEM_DELAY)
    assert _queued_exits(chain) == 3


def test_serving_the_queue_brings_queued_exits_back_to_zero(chain):
    """Three deposits, two exits, the operator's deposit, the backstop's exit: all served in order."""
    chain.sync()
    while chain.state.pending:
        txs = queue_txs(chain.state, chain.state.pending[0])
        chain.post(*[lambda st, tx=tx: tx for tx in txs])
    assert _queued_exits(chain) == 0 and chain.l1.rollup.functions.pendingForcedExit(BACKSTOP).call() == 0
    _, delay = _request(chain, chain.users[0], 0)
    assert delay == TIMING[0]  # nothing ahead any more
