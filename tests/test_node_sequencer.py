"""The sequencer against a real store, no L1 and no proofs: acknowledgement only after the
commit, typed refusals that change nothing, sealing, L1 queue order, recovery from the store
after any sequence of steps, and the prover job's rebuild of a sealed batch."""

from __future__ import annotations

import json
import time
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from circuits.ledger.params import TxType
from rollup.errors import InvalidTransaction, StaleOraclePrice, StoreBusy
from rollup.ledger import codec, state_codec
from rollup.ledger.demo import DEMO_DOMAIN
from rollup.ledger.signing import Wallet, trade
from rollup.ledger.state import LedgerState
from rollup.node.jobs import rebuild_batch
from rollup.node.sequencer import CLOCK_SKEW, Ack, Sequencer
from rollup.node.store import Store
from tests.node_helpers import PARAMS, tick

P2 = replace(PARAMS, batch_size=2)
WALLETS = [Wallet(f"node test trader {i}".encode()) for i in range(3)]
FAR = 1 << 40


def _sign(seq, tx_hash, batch):
    return {"seq": seq, "tx_hash": tx_hash, "batch": batch}


def _new_store(path, params=P2):
    store = Store(path)
    genesis = LedgerState.genesis(params, DEMO_DOMAIN)
    store.put_genesis(genesis.root, state_codec.encode(genesis))
    return store


@pytest.fixture
def seq(tmp_path):
    store = _new_store(tmp_path / "node.db")
    yield Sequencer(store, P2, _sign, seal_seconds=0.2)
    store.close()


def _deposit_event(store, idx, account, amount=1_000_000, kind=TxType.DEPOSIT):
    pk = WALLETS[account].pubkey if kind == TxType.DEPOSIT else (0, 0)
    row = {"idx": idx, "kind": kind, "account": account, "amount": str(amount if kind == TxType.DEPOSIT else 0),
           "pk_x": str(pk[0]), "pk_y": str(pk[1]), "block": 1, "deadline": None}  # fmt: skip
    store.add_l1_events([row], [], 1)


def _recovered(seq):
    return Sequencer(Store(seq.store.path), seq.params, _sign, seq.seal_seconds)


def _fund_two(seq):
    _deposit_event(seq.store, 0, 0)
    _deposit_event(seq.store, 1, 1)
    assert seq.include_queue() == 2
    seq.seal()
    seq.submit([tick(P2, 100)])


def test_acknowledged_rows_hold_the_canonical_transaction(seq):
    tx = tick(P2, 100)
    (ack,) = seq.submit([tx])
    assert isinstance(ack, Ack) and ack.receipt == {"seq": 0, "tx_hash": codec.tx_hash(tx), "batch": 0}
    (row,) = seq.store.txs_of_batch(0)
    assert codec.loads(row["body"]) == tx and row["status"] == "acknowledged"
    assert json.loads(row["receipt"]) == ack.receipt


def test_a_refusal_is_typed_and_changes_nothing(seq):
    seq.submit([tick(P2, 100)])
    seq.seal()
    root = seq.soft.root
    (refused,) = seq.submit([tick(P2, 100)])
    assert isinstance(refused, StaleOraclePrice) and "does not advance" in str(refused)
    assert seq.soft.root == root and seq.store.txs_of_batch(1) == [] and seq.open == []
    stale, good = seq.submit([tick(P2, 90), tick(P2, 110)])
    assert isinstance(stale, StaleOraclePrice) and isinstance(good, Ack)
    assert [r["seq"] for r in seq.store.txs_of_batch(1)] == [good.seq] == seq.open
    assert _recovered(seq).soft.root == seq.soft.root != root


def test_a_batch_seals_when_full_or_after_seal_seconds(seq):
    seq.submit([tick(P2, 100)])
    assert seq.room == 1 and not seq.due()
    assert seq.due(time.time() + 0.3)
    seq.submit([tick(P2, 101)])
    assert seq.room == 0 and seq.due()
    assert seq.seal() == 0 and seq.batch == 1 and seq.seal() is None
    b = seq.store.batch(0)
    assert (b["status"], b["tx_count"], int(b["new_root"])) == ("sealed", 2, seq.sealed.root)
    with pytest.raises(ValueError):
        seq.submit([tick(P2, 102), tick(P2, 103), tick(P2, 104)])


def test_l1_queue_items_enter_in_order_as_room_allows(seq):
    _deposit_event(seq.store, 0, 0)
    _deposit_event(seq.store, 1, 1)
    _deposit_event(seq.store, 2, 0, kind=TxType.FORCED_EXIT)
    assert seq.include_queue() == 2 and seq.include_queue() == 0  # the batch is full
    seq.seal()
    assert seq.include_queue() == 1
    rows = seq.store.txs_of_batch(0) + seq.store.txs_of_batch(1)
    assert [r["queue_index"] for r in rows] == [0, 1, 2] and {r["source"] for r in rows} == {"l1"}
    assert seq.account(0).collateral == 0 and seq.account(1).collateral == 1_000_000  # 0 exited
    assert _recovered(seq).soft.root == seq.soft.root


def test_a_failed_commit_acknowledges_nothing_and_rebuilds_the_soft_state(tmp_path):
    seq = Sequencer(_new_store(tmp_path / "node.db"), P2, _sign, 0.2)
    _fund_two(seq)
    seq.store = Store(seq.store.path, busy_timeout=0.1)
    root, seqno = seq.soft.root, seq.next_seq
    big = trade(seq.soft, WALLETS[0], WALLETS[1], (0, 0, 1, 10, 3_000_000), FAR)
    other = Store(seq.store.path)
    with other.write():  # another writer holds the database
        with pytest.raises(StoreBusy):
            seq.submit([big])
    assert seq.soft.root == root and seq.next_seq == seqno and seq.store.max_seq() == seqno - 1
    assert isinstance(seq.submit([big])[0], Ack)


def test_the_prover_job_rebuilds_the_sealed_batch(seq):
    _fund_two(seq)
    seq.submit([trade(seq.soft, WALLETS[0], WALLETS[1], (0, 0, 1, 10, 3_000_000), FAR)])
    number = seq.seal()
    res = rebuild_batch(seq.store, P2, number)
    assert res.new_root == seq.sealed.root and res.old_root == int(seq.store.batch(number)["old_root"])
    assert len(res.data) == 6 + 20 * P2.batch_size


def test_a_wall_clock_batch_starts_its_clock_at_the_first_acknowledgement(tmp_path):
    """clock "wall": the first transaction of a batch moves the ledger clock to its acknowledgement
    time less CLOCK_SKEW (a tick signed before that is stale); the batch row keeps that time, the
    prover job rebuilds the same root from it, and recovery mid-batch rebuilds the same soft state."""
    store = _new_store(tmp_path / "node.db")
    seq = Sequencer(store, P2, _sign, seal_seconds=60, clock="wall")
    _deposit_event(store, 0, 0)
    before = time.time()
    assert seq.include_queue() == 1
    assert int(before) - CLOCK_SKEW <= seq.soft.time <= time.time() - CLOCK_SKEW
    (stale,) = seq.submit([tick(P2, seq.soft.time)])
    assert isinstance(stale, StaleOraclePrice)
    assert isinstance(seq.submit([tick(P2, seq.soft.time + 1)])[0], Ack)
    back = Sequencer(Store(store.path), P2, _sign, 60, clock="wall")
    assert back.soft.root == seq.soft.root and back.batch_time == seq.batch_time
    number = seq.seal()
    assert int(store.batch(number)["batch_time"]) == seq.sealed.time - 1  # the tick came 1 s later
    res = rebuild_batch(store, P2, number)
    assert res.new_root == seq.sealed.root and int.from_bytes(res.data[1:6], "big") == seq.sealed.time - 1
    store.close()


OPS = st.lists(st.sampled_from(["tick", "trade", "deposit", "seal", "recover", "refused"]), max_size=7)


@settings(max_examples=8)
@given(ops=OPS)
def test_recovery_from_the_store_matches_the_running_sequencer(tmp_path_factory, ops):
    store = _new_store(tmp_path_factory.mktemp("prop") / "node.db")
    seq = Sequencer(store, P2, _sign, 0.2)
    _fund_two(seq)
    clock, queued = 200, 2
    for op in ops:
        if seq.room == 0:
            seq.seal()
        if op == "tick":
            clock += 10
            seq.submit([tick(P2, clock)])
        elif op == "trade":
            seq.submit([trade(seq.soft, WALLETS[0], WALLETS[1], (0, 0, 1, 1, 3_000_000), FAR)])
        elif op == "deposit":
            _deposit_event(store, queued, 2, 500)
            queued += 1
            seq.include_queue()
        elif op == "refused":
            assert isinstance(seq.submit([tick(P2, 1)])[0], InvalidTransaction)
        elif op == "seal":
            seq.seal()
        else:
            seq = _recovered(seq)
        again = _recovered(seq)
        assert (again.soft.root, again.sealed.root, again.open, again.batch) == (
            seq.soft.root,
            seq.sealed.root,
            seq.open,
            seq.batch,
        )


def test_a_node_with_the_ledger_clock_refuses_a_rollup_that_checks_batch_times():
    """check_clock: maxBatchLag > 0 with batch_clock = "ledger" is a NodeConfigError (batches would
    post the ledger time, 0 from genesis, and revert); "wall", or an unchecked lag, starts."""
    from types import SimpleNamespace

    from rollup.errors import NodeConfigError
    from rollup.node.service import Node

    def node(lag, clock):
        call = SimpleNamespace(call=lambda: lag)
        l1 = SimpleNamespace(rollup=SimpleNamespace(functions=SimpleNamespace(maxBatchLag=lambda: call)))
        return SimpleNamespace(_l1=lambda: l1, cfg=SimpleNamespace(sequencer=SimpleNamespace(batch_clock=clock)))

    with pytest.raises(NodeConfigError, match='batch_clock = "wall"'):
        Node.check_clock(node(3600, "ledger"))
    Node.check_clock(node(3600, "wall"))
    Node.check_clock(node(0, "ledger"))
