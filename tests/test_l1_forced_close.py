"""Forced closes on L1: only for the account whose forced exit is the next queue item.

The circuit proves a close moves size at the oracle price toward zero on both sides; it cannot see
the queue, so ``Rollup._settle`` reverts ``NotExiting`` for a close of anyone else (the rollup runs
with ``AcceptAnyVerifier`` here, so the contract's own check is what is tested).  The honest path,
closes and then the exit, credits the owner with the account's value.
"""

from __future__ import annotations

import pytest

from circuits.ledger.params import TxType
from circuits.ledger.records import Record
from rollup.l1.client import L1Error, exit_slots
from rollup.l1.devnode import hardhat_node
from rollup.ledger.batch import process_batch
from rollup.ledger.batch_data import encode_batch
from rollup.ledger.forced import queue_txs
from tests.monitor_helpers import ITEM_DELAY, PARAMS, TIMING, OperatorChain

CLOSE, EXIT = TxType.FORCED_CLOSE, TxType.FORCED_EXIT


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    with hardhat_node() as url:
        ch = OperatorChain(url, "accept-any", None, tmp_path_factory.mktemp("close"))
        ch.register_and_deposit()
        ch.post(ch.next_deposit(), ch.next_deposit(), ch.next_deposit(), ch.tick(0, 3_000_000))
        ch.post(ch.trade(0, 0, 1, 100, 3_000_000))  # 0 long 100 on credit, 1 short
        ch.l1.request_forced_exit(ch.users[0], 0)
        ch.sync()
        yield ch


def _raw(chain, *records: Record) -> bytes:
    padded = [*records, *[Record()] * (PARAMS.batch_size - len(records))]
    return encode_batch(max(chain.state.time, chain.now() - 10), padded)


@pytest.mark.parametrize(
    "records",
    [
        [Record(CLOSE, 0, 1, 0, 100)],  # 1 holds the short, but 0 is the one leaving
        [Record(CLOSE, 0, 0, 1, 100), Record(EXIT, 0, 0, 0, 0), Record(CLOSE, 0, 0, 1, 1)],  # after the exit
        [Record(CLOSE, 0, 2, 1, 100)],  # an account with no exit at all
    ],
    ids=["someone-else", "after-its-exit", "never-requested"],
)
def test_a_close_of_an_account_that_is_not_exiting_reverts(chain, records):
    with pytest.raises(L1Error, match="NotExiting"):
        chain.post_raw(chain.l1.state_root(), _raw(chain, *records))


def test_the_honest_closes_and_exit_credit_the_value(chain):
    chain.sync()
    txs = queue_txs(chain.state, chain.state.pending[0])
    assert [type(t).__name__ for t in txs] == ["ForcedClose", "ForcedExit"]
    res = process_batch(chain.state, txs)
    before = chain.l1.claimable(chain.users[0])
    chain.post(*[lambda st, tx=tx: tx for tx in txs])
    assert [e.record.tx_type for e in res.effects[:2]] == [CLOSE, EXIT]
    assert chain.l1.claimable(chain.users[0]) - before == res.effects[1].record.amount == 1_000_000
    assert chain.l1.rollup.functions.pendingForcedExit(0).call() == 0


def test_only_the_operator_registers_the_backstop_and_users_stop_before_it(chain):
    """The tree's last index is the operator's: users cannot register it, in order or directly."""
    last = PARAMS.num_accounts - 1
    key = chain.wallets[0].pubkey
    with pytest.raises(L1Error, match="NotOperator"):
        chain.l1.send(chain.l1.rollup.functions.registerBackstop(*key), chain.users[0])
    assert chain.l1.register_backstop(chain.operator, key) == last
    with pytest.raises(L1Error, match="BadKey"):
        chain.l1.register_backstop(chain.operator, key)
    registered = [chain.l1.register(chain.users[1], key) for _ in range(last - 3)]
    assert registered[-1] == last - 1
    with pytest.raises(L1Error, match="tree full"):
        chain.l1.register(chain.users[1], key)


def test_a_forced_exit_ahead_counts_every_slot_it_may_take(chain):
    """The deadline budgets queueItemDelay a slot: a deposit ahead one, a forced exit ahead exitSlots
    (a close a market and itself), so queued exits cannot use up a later one's time."""
    rollup = chain.l1.rollup.functions
    assert rollup.exitSlots().call() == exit_slots(PARAMS) == len(PARAMS.markets) + 1
    assert rollup.queuedExits().call() == 0  # account 0's exit was served above
    first = chain.l1.request_forced_exit(chain.users[1], 1)
    chain.l1.deposit(chain.users[0], 0, 5)
    second = chain.l1.request_forced_exit(chain.users[2], 2)
    deadline = rollup.forcedExitDeadline
    requested = chain.w3.eth.get_block("latest")["timestamp"]
    slots = 1 + 1 + exit_slots(PARAMS) - 1  # two items ahead, one of them an exit
    assert deadline(second).call() == requested + TIMING[0] + slots * ITEM_DELAY
    assert deadline(first).call() < deadline(second).call() and rollup.queuedExits().call() == 2
