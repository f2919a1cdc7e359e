"""The node's store: migrations, the prover-job lifecycle, acceptance, and typed failures
(disk full, locked) that leave nothing half-written."""

from __future__ import annotations

import sqlite3
import time

import pytest

from rollup.errors import StoreBusy, StoreError, StoreFull
from rollup.node import store as store_mod
from rollup.node.schema import MIGRATIONS
from rollup.node.store import Store


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "node.db")
    s.put_genesis(123, b"genesis")
    yield s
    s.close()


def _row(seq, batch=0, **kw):
    return {"seq": seq, "hash": f"0x{seq:064x}", "body": "{}", "source": "api", "queue_index": None,
            "batch": batch, "receipt": None, "acked_at": time.time(), **kw}  # fmt: skip


def _sealed(store, number):
    store.ack([_row(store.max_seq() + 1, number)])
    store.seal(number, 1, (10 + number, 11 + number), b"state")


def test_fresh_store_is_migrated_once(tmp_path):
    s = Store(tmp_path / "a.db")
    assert s.schema_version() == len(MIGRATIONS)
    s.set_meta("k", "v")
    s.close()
    again = Store(tmp_path / "a.db")  # reopening applies nothing and keeps the data
    assert again.schema_version() == len(MIGRATIONS) and again.meta("k") == "v"
    assert again.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert again.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_a_store_from_a_newer_zkdx_is_refused(tmp_path):
    sqlite3.connect(tmp_path / "b.db").execute(f"PRAGMA user_version={len(MIGRATIONS) + 1}")
    with pytest.raises(StoreError, match="newer"):
        Store(tmp_path / "b.db")


def test_a_migration_that_fails_leaves_the_old_version(tmp_path, monkeypatch):
    monkeypatch.setattr(store_mod, "MIGRATIONS", (*MIGRATIONS, "CREATE TABLE extra (x); CREATE TABLE meta (y)"))
    with pytest.raises(StoreError):
        Store(tmp_path / "c.db")
    conn = sqlite3.connect(tmp_path / "c.db")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert not conn.execute("SELECT name FROM sqlite_master WHERE name = 'extra'").fetchall()


def test_jobs_are_claimed_in_order_and_reclaimed_when_stuck(store):
    _sealed(store, 0)
    _sealed(store, 1)
    assert store.claim_job("w1", timeout=60, max_attempts=3) == 0
    assert store.claim_job("w2", timeout=60, max_attempts=3) == 1
    assert store.claim_job("w3", timeout=60, max_attempts=3) is None
    assert store.batch(0)["status"] == "proving"
    assert store.claim_job("w3", timeout=-1, max_attempts=3) == 0  # w1's claim is older than the timeout
    assert not store.finish_job(0, "w1", b"data", "{}", 1.0)  # w1's late result is dropped
    assert store.finish_job(0, "w3", b"data", "{}", 1.0)
    assert store.batch(0)["status"] == "proved" and store.batch(0)["data"] == b"data"
    assert {r["status"] for r in store.txs_of_batch(0)} == {"proven"}


def test_a_job_failing_too_often_is_marked_failed(store):
    _sealed(store, 0)
    for attempt in (1, 2):
        assert store.claim_job("w", 60, max_attempts=2) == 0
        store.fail_job(0, "w", f"boom {attempt}", max_attempts=2)
    assert store.claim_job("w", 60, max_attempts=2) is None
    assert store.batch(0)["status"] == "failed" and store.batch(0)["error"] == "boom 2"


def test_release_jobs_requeues_claims_of_a_previous_run(store):
    _sealed(store, 0)
    store.claim_job("dead worker", 3600, 3)
    store.release_jobs()
    assert store.claim_job("new worker", 3600, 3) == 0


def test_acceptance_is_idempotent_and_prunes_old_states(store):
    for n in range(3):
        _sealed(store, n)
    store.claim_job("w", 60, 3)
    store.finish_job(0, "w", b"d", "{}", 1.0)
    store.record_l1_tx(0, "0xaa", b"raw", 7)
    assert store.unconfirmed_l1_txs()[0]["raw"] == b"raw" and store.batch(0)["status"] == "submitted"
    store.accept_batch(0, "0xaa", 5, None)  # the watcher first: no gas known
    store.accept_batch(0, "0xaa", 5, 300_000)  # then the sender's receipt
    store.accept_batch(0, "0xaa", 5, None)
    b = store.batch(0)
    assert (b["status"], b["gas_used"], b["l1_tx"]) == ("accepted", 300_000, "0xaa")
    assert store.l1_txs(0)[0]["gas_used"] == 300_000 and not store.unconfirmed_l1_txs()
    assert store.state_after(-1) is None and store.state_after(0) is not None  # states from batch 0 on
    assert store.next_unaccepted()["number"] == 1


def test_a_reverted_submission_returns_the_batch_to_proved(store):
    _sealed(store, 0)
    store.claim_job("w", 60, 3)
    store.finish_job(0, "w", b"d", "{}", 1.0)
    store.record_l1_tx(0, "0xbb", b"raw", 1)
    store.l1_tx_failed("0xbb", "reverted", "reverted: IsPaused", 9)
    b = store.batch(0)
    assert (b["status"], b["error"]) == ("proved", "reverted: IsPaused")
    assert store.l1_txs(0)[0]["status"] == "reverted"


def test_disk_full_is_a_typed_error_and_stores_nothing(store):
    before = store.max_seq()
    pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
    store.conn.execute(f"PRAGMA max_page_count={pages}")
    big = [_row(before + 1 + k, body="x" * 5000) for k in range(20)]
    with pytest.raises(StoreFull):
        store.ack(big)
    assert store.max_seq() == before


def test_a_locked_database_is_a_typed_error(tmp_path):
    a = Store(tmp_path / "d.db")
    b = Store(tmp_path / "d.db", busy_timeout=0.2)
    with a.write():
        start = time.monotonic()
        with pytest.raises(StoreBusy):
            b.ack([_row(0)])
        assert time.monotonic() - start < 2
    b.ack([_row(0)])  # once the lock is gone
    assert a.max_seq() == 0
