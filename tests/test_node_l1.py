"""The L1 sender and watcher against a hardhat node this module starts, with real proofs (tiny
parameters; one proof of the same first batch serves every fresh deployment).

A "crash" is an exception raised from inside a step at the named moment; a new ``Sender``
on the same store then plays the restarted node.  Checked: the signed bytes are stored before
the broadcast; a stored but never broadcast submission is resent as the same bytes; a
broadcast whose receipt was lost is settled from L1 without a resend; a batch L1 already
holds is not submitted again; a revert is recorded with its reason and retried; the watcher
takes deposits (with registered keys), forced exits (with deadlines) and BatchAccepted.
"""

from __future__ import annotations

import pytest

from circuits.ledger.params import TxType
from rollup.l1.client import L1Client, advance_time, connect
from rollup.l1.devnode import hardhat_node
from rollup.node import bootstrap
from rollup.node.config import deployment_of, load_deployment
from rollup.node.jobs import prove_job
from rollup.node.sender import Sender
from rollup.node.sequencer import Sequencer
from rollup.node.store import Store
from rollup.node.watcher import Watcher
from tests.node_helpers import PARAMS, PASSPHRASE, TEST_TIMING, deploy, node_dir, proving_key, tick

PROOFS: dict[int, tuple] = {}  # sealed root -> (data, proof JSON): the same batch on every deployment


class Crash(BaseException):
    """Stands for a SIGKILL at that moment."""


@pytest.fixture(scope="module")
def url():
    with hardhat_node() as u:
        yield u


class Rig:
    """A deployed rollup and a store holding batch 0 (one oracle tick), proved."""

    def __init__(self, tmp_path, url):
        self.cfg = node_dir(tmp_path / "node", url, store=False)
        deploy(self.cfg)
        self.store = Store(self.cfg.store_path)
        seq = Sequencer(self.store, PARAMS, lambda *a: {}, 0.1)
        seq.submit([tick(self.cfg, 100)])
        seq.seal()
        self.root = seq.sealed.root
        assert self.store.claim_job("w", 60, 3) == 0
        if self.root not in PROOFS:
            PROOFS[self.root] = prove_job(self.store, PARAMS, proving_key(), 0, None)[:2]
        self.store.finish_job(0, "w", *PROOFS[self.root], 1.0)
        self.operator = bootstrap.operator_account(self.cfg, PASSPHRASE)
        self.l1 = L1Client(connect(url), deployment_of(load_deployment(self.cfg)))
        self.w3 = self.l1.w3

    def sender(self):
        return Sender(Store(self.cfg.store_path), self.l1, self.operator, 2_000_000, retry_seconds=0.2)

    def nonce(self):
        return self.w3.eth.get_transaction_count(self.operator.address)


@pytest.fixture
def rig(tmp_path, url):
    return Rig(tmp_path, url)


def test_a_submission_is_stored_before_it_is_broadcast(rig, monkeypatch):
    seen = []
    real = rig.w3.eth.send_raw_transaction

    def spy(raw):
        seen.append([r["raw"] for r in rig.store.unconfirmed_l1_txs()])
        return real(raw)

    monkeypatch.setattr(rig.w3.eth, "send_raw_transaction", spy)
    rig.sender().step()
    assert len(seen) == 1 and len(seen[0]) == 1  # the row existed when the bytes went out
    b = rig.store.batch(0)
    assert b["status"] == "accepted" and b["gas_used"] > 200_000 and rig.l1.state_root() == rig.root
    assert {r["status"] for r in rig.store.txs_of_batch(0)} == {"accepted"}


def test_a_stored_submission_never_broadcast_is_resent_as_the_same_bytes(rig, monkeypatch):
    nonce = rig.nonce()
    with monkeypatch.context() as m:
        m.setattr(rig.w3.eth, "send_raw_transaction", lambda raw: (_ for _ in ()).throw(Crash()))
        with pytest.raises(Crash):
            rig.sender().step()
    (stored,) = rig.store.unconfirmed_l1_txs()
    rig.sender().step()  # the restarted node
    assert rig.store.batch(0)["status"] == "accepted" and rig.store.batch(0)["l1_tx"] == stored["hash"]
    assert rig.nonce() == nonce + 1 and len(rig.store.l1_txs(0)) == 1


def test_a_lost_receipt_is_settled_from_l1_without_a_resend(rig, monkeypatch):
    nonce = rig.nonce()
    first = rig.sender()
    monkeypatch.setattr(first, "_wait", lambda h: (_ for _ in ()).throw(Crash()))
    with pytest.raises(Crash):
        first.step()
    assert rig.l1.batch_count() == 1 and rig.store.batch(0)["status"] == "submitted"
    sends = []
    monkeypatch.setattr(rig.w3.eth, "send_raw_transaction", lambda raw: sends.append(raw))
    rig.sender().step()
    assert rig.store.batch(0)["status"] == "accepted" and rig.store.batch(0)["gas_used"] > 0
    assert sends == [] and rig.nonce() == nonce + 1


def test_a_batch_l1_already_holds_is_not_submitted_again(rig, monkeypatch):
    rig.sender().step()
    nonce = rig.nonce()
    # the store forgets the acceptance and holds a signed submission L1 never saw (a dropped one)
    rig.store.conn.execute("UPDATE batches SET status = 'submitted' WHERE number = 0")
    rig.store.record_l1_tx(0, "0x" + "99" * 32, b"\x01never sent", nonce)
    sends = []
    monkeypatch.setattr(rig.w3.eth, "send_raw_transaction", lambda raw: sends.append(raw))
    rig.sender().step()
    assert sends == [] and rig.store.batch(0)["status"] == "accepted" and rig.nonce() == nonce
    assert {r["status"] for r in rig.store.l1_txs(0)} == {"mined", "superseded"}


def test_a_revert_is_recorded_with_its_reason_and_retried(rig):
    guardian = rig.w3.eth.accounts[1]
    rig.l1.vote_pause(guardian)
    sender = rig.sender()
    sender.step()
    (reverted,) = rig.store.l1_txs(0)
    assert reverted["status"] == "reverted" and "IsPaused" in reverted["reason"]
    assert rig.store.batch(0)["status"] == "proved" and "IsPaused" in rig.store.batch(0)["error"]
    assert "IsPaused" in sender.problem
    advance_time(rig.w3, TEST_TIMING[1] + 1)
    sender.backoff_until = 0  # (the back-off itself is timed in seconds of wall clock)
    sender.step()
    assert rig.store.batch(0)["status"] == "accepted" and sender.problem is None
    assert [r["status"] for r in rig.store.l1_txs(0)] == ["reverted", "mined"]


@pytest.mark.slow
def test_the_watcher_takes_deposits_forced_exits_and_accepted_batches(rig):
    user = rig.w3.eth.accounts[5]
    pubkey = tick(PARAMS, 1).signature.r8  # any curve point serves as a key here
    rig.l1.fund(user, 10_000)
    account = rig.l1.register(user, pubkey)
    rig.l1.deposit(user, account, 700)
    rig.l1.request_forced_exit(user, account)
    rig.sender().step()
    watcher = Watcher(Store(rig.cfg.store_path), rig.l1, load_deployment(rig.cfg)["block"])
    assert watcher.step() == 3 and watcher.step() == 0  # 2 queue items, 1 BatchAccepted; then nothing new
    dep, fx = rig.store.queue_items()
    assert (dep["kind"], dep["account"], dep["amount"], (int(dep["pk_x"]), int(dep["pk_y"]))) == (
        TxType.DEPOSIT,
        account,
        "700",
        tuple(pubkey),
    )
    assert fx["kind"] == TxType.FORCED_EXIT and fx["deadline"] > 0
    (accepted,) = rig.store.events("BatchAccepted")
    assert rig.store.cursor() == rig.w3.eth.block_number and str(rig.root) in accepted["body"]
