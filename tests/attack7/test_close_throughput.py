"""Attack7 (3): stall the queue by throughput.  ``Rollup.requestForcedExit`` gives an exit
forcedExitDelay plus queueItemDelay (one slot's proving time) per queue item ahead of it: the
budget assumes a queue item costs one slot.  A forced exit now costs one slot per close first, and a
close takes at most one counterparty's position: an account whose opposite side is held 1 unit each
by n accounts (the attacker's own, say) needs n closes.  Queued exits of such accounts ahead of an
honest one use up its deadline (7 days at 15 s a slot: about 40,000 closes) and anyone may freeze.
FINDING (medium, bounded): with the operator's backstop account an exit takes at most one close a
market and its own slot, so each forced exit ahead costs at most (markets + 1) slots against the one
slot of queueItemDelay the contract budgets: a constant factor, each such exit needing a registered
(fee-paying) account with open positions.  A per-kind weight in the deadline is left open."""

from __future__ import annotations

from dataclasses import replace

from circuits.ledger.params import LedgerParams
from rollup.ledger.demo import World, funded_world
from rollup.ledger.forced import queue_txs
from rollup.ledger.types import ForcedClose, QueueItem

PARAMS = LedgerParams(depth=4, batch_size=1)  # 256 accounts
N = 64


def _split_short_side() -> World:
    """Account 0 long 64 BTC; accounts 1..64 short 1 each; account 0 asks to leave."""
    w, _ = funded_world(PARAMS)
    st = w.state
    st.write(0, replace(st.accounts[0], sizes=(N, 0)), True)
    for i in range(1, N + 1):
        st.write(i, replace(st.accounts[1], sizes=(-1, 0)), True)
    w.enqueue_forced_exit(0)
    return w


def test_an_exit_needs_one_close_per_counterparty():
    w = _split_short_side()
    txs = queue_txs(w.state, w.state.pending[0])
    assert len(txs) == N + 1 and all(isinstance(t, ForcedClose) and t.amount == 1 for t in txs[:-1])
    for tx in txs:
        w.apply(tx)
    assert not w.state.pending


def test_with_a_backstop_a_queue_item_costs_at_most_one_slot_a_market_and_one():
    w = _split_short_side()
    backstop = PARAMS.num_accounts - 1
    w.state.write(backstop, replace(w.state.accounts[1], sizes=(0, 0)), True)
    assert w.state.pending[0] == QueueItem(7, 0)
    txs = queue_txs(w.state, w.state.pending[0])
    assert len(txs) <= len(PARAMS.markets) + 1 and txs[0].counterparty == backstop
    for tx in txs:
        w.apply(tx)
    assert not w.state.pending
