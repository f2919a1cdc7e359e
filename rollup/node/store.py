"""The node's store: SQLite (stdlib) in WAL mode, ``synchronous=FULL``, writes under ``BEGIN IMMEDIATE``.

The row is the truth: every component reads and writes through these methods, each of
which is one atomic step of a lifecycle (acknowledge, seal, claim a job, store a proof,
record an L1 transaction before its broadcast, accept a batch, take L1 events).
Components never write SQL; a PostgreSQL store would implement the same methods.

A failed write rolls back and raises ``StoreBusy`` (locked past the busy timeout),
``StoreFull`` (disk or page limit full) or ``StoreError``; the caller then acknowledges
nothing.  One ``Store`` object is one connection: open one per thread or process.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from rollup.errors import StoreBusy, StoreError, StoreFull
from rollup.node.schema import MIGRATIONS

BUSY_TIMEOUT = 5.0
TX_STATUS = {  # a batch's status as its transactions show it
    "sealed": "sealed",
    "proving": "sealed",
    "proved": "proven",
    "submitted": "submitted",
    "accepted": "accepted",
    "failed": "sealed",
}


def _typed(exc: sqlite3.Error) -> StoreError:
    code = getattr(exc, "sqlite_errorcode", None)
    text = f"store: {exc}"
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) or "locked" in str(exc):
        return StoreBusy(text)
    if code == sqlite3.SQLITE_FULL or "full" in str(exc):
        return StoreFull(text)
    return StoreError(text)


class StoreBase:
    """Connection, transactions and migrations."""

    def __init__(self, path: str | Path, busy_timeout: float | None = None) -> None:
        self.path = Path(path)
        busy_timeout = BUSY_TIMEOUT if busy_timeout is None else busy_timeout
        try:
            self.conn = sqlite3.connect(self.path, timeout=busy_timeout, isolation_level=None, check_same_thread=False)
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=FULL")
            self.conn.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
            self._migrate()
        except sqlite3.Error as exc:
            raise _typed(exc) from exc

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE ... COMMIT); rolled back and typed on any error."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise _typed(exc) from exc
        try:
            yield self.conn
            self.conn.execute("COMMIT")
        except BaseException as exc:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise _typed(exc) from exc
            raise

    def rows(self, sql: str, args: Sequence = ()) -> list[dict]:
        try:
            return [dict(r) for r in self.conn.execute(sql, args)]
        except sqlite3.Error as exc:
            raise _typed(exc) from exc

    def one(self, sql: str, args: Sequence = ()) -> dict | None:
        out = self.rows(sql, args)
        return out[0] if out else None

    def schema_version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    def _migrate(self) -> None:
        """Apply the forward migrations this file does not have yet, each in its own transaction."""
        version = self.schema_version()
        if version > len(MIGRATIONS):
            raise StoreError(f"{self.path}: schema version {version} is newer than this zkdx ({len(MIGRATIONS)})")
        for k in range(version, len(MIGRATIONS)):
            with self.write() as c:
                for statement in MIGRATIONS[k].split(";"):
                    if statement.strip():
                        c.execute(statement)
                c.execute(f"PRAGMA user_version={k + 1}")

    # ---- meta, states, L1 queue and events --------------------------------------------
    def meta(self, key: str) -> str | None:
        row = self.one("SELECT value FROM meta WHERE key = ?", (key,))
        return None if row is None else row["value"]

    def set_meta(self, key: str, value: str) -> None:
        with self.write() as c:
            c.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def put_genesis(self, root: int, blob: bytes) -> None:
        with self.write() as c:
            c.execute("INSERT OR IGNORE INTO states (batch, root, blob) VALUES (-1, ?, ?)", (str(root), blob))

    def latest_state(self) -> dict | None:
        """{"batch", "root", "blob"}: the state after the last sealed batch (batch -1: genesis)."""
        return self.one("SELECT * FROM states ORDER BY batch DESC LIMIT 1")

    def state_after(self, batch: int) -> dict | None:
        return self.one("SELECT * FROM states WHERE batch = ?", (batch,))

    def add_l1_events(self, items: Sequence[dict], events: Sequence[dict], cursor: int) -> None:
        """Queue items and events seen up to block ``cursor``, with the cursor, in one transaction."""
        with self.write() as c:
            for it in items:
                c.execute(
                    "INSERT OR IGNORE INTO queue (idx, kind, account, amount, pk_x, pk_y, block, deadline) "
                    "VALUES (:idx, :kind, :account, :amount, :pk_x, :pk_y, :block, :deadline)",
                    it,
                )
            for ev in events:
                c.execute("INSERT INTO events (block, kind, body) VALUES (:block, :kind, :body)", ev)
            c.execute("INSERT OR REPLACE INTO cursor (name, block) VALUES ('l1', ?)", (cursor,))

    def cursor(self) -> int | None:
        row = self.one("SELECT block FROM cursor WHERE name = 'l1'")
        return None if row is None else row["block"]

    def queue_items(self, from_index: int = 0) -> list[dict]:
        return self.rows("SELECT * FROM queue WHERE idx >= ? ORDER BY idx", (from_index,))

    def events(self, kind: str | None = None, limit: int = 100) -> list[dict]:
        where, args = ("WHERE kind = ?", (kind, limit)) if kind else ("", (limit,))
        return self.rows(f"SELECT * FROM events {where} ORDER BY id DESC LIMIT ?", args)


class Store(StoreBase):
    """The lifecycle steps: transactions, batches, prover jobs, L1 transactions."""

    # ---- transactions ---------------------------------------------------------------------
    def ack(self, rows: Sequence[dict]) -> None:
        """Insert acknowledged transactions (one commit for the group)."""
        with self.write() as c:
            c.executemany(
                "INSERT INTO txs (seq, hash, body, source, queue_index, batch, status, receipt, acked_at) VALUES "
                "(:seq, :hash, :body, :source, :queue_index, :batch, 'acknowledged', :receipt, :acked_at)",
                rows,
            )

    def max_seq(self) -> int:
        return self.one("SELECT COALESCE(MAX(seq), -1) AS m FROM txs")["m"]

    def txs_of_batch(self, batch: int) -> list[dict]:
        return self.rows("SELECT * FROM txs WHERE batch = ? ORDER BY seq", (batch,))

    def tx(self, tx_hash: str) -> dict | None:
        return self.one("SELECT * FROM txs WHERE hash = ? ORDER BY seq DESC LIMIT 1", (tx_hash,))

    # ---- batches ------------------------------------------------------------------------
    def seal(
        self, number: int, tx_count: int, roots: tuple[int, int], state_blob: bytes, batch_time: int | None = None
    ) -> None:
        """Seal a batch: its row (with the batch time its clock started from, None: the ledger time),
        its transactions' status, its prover job and the state after it."""
        old_root, new_root = roots
        bt = None if batch_time is None else str(batch_time)
        with self.write() as c:
            c.execute(
                "INSERT INTO batches (number, status, tx_count, old_root, new_root, sealed_at, batch_time) "
                "VALUES (?, 'sealed', ?, ?, ?, ?, ?)",
                (number, tx_count, str(old_root), str(new_root), time.time(), bt),
            )
            c.execute("UPDATE txs SET status = 'sealed' WHERE batch = ?", (number,))
            c.execute("INSERT INTO jobs (batch, status) VALUES (?, 'queued')", (number,))
            c.execute("INSERT INTO states (batch, root, blob) VALUES (?, ?, ?)", (number, str(new_root), state_blob))

    def batch(self, number: int) -> dict | None:
        return self.one("SELECT * FROM batches WHERE number = ?", (number,))

    def batches(self, start: int = 0, limit: int = 100, status: str | None = None) -> list[dict]:
        if status is None:
            return self.rows("SELECT * FROM batches WHERE number >= ? ORDER BY number LIMIT ?", (start, limit))
        sql = "SELECT * FROM batches WHERE number >= ? AND status = ? ORDER BY number LIMIT ?"
        return self.rows(sql, (start, status, limit))

    def last_batch(self, status: str | None = None) -> dict | None:
        where, args = ("WHERE status = ?", (status,)) if status else ("", ())
        return self.one(f"SELECT * FROM batches {where} ORDER BY number DESC LIMIT 1", args)

    def next_unaccepted(self) -> dict | None:
        """The lowest batch L1 has not accepted: the only one the sender may submit."""
        return self.one("SELECT * FROM batches WHERE status != 'accepted' ORDER BY number LIMIT 1")

    def counts(self, tables: Sequence[str] = ("txs", "batches", "jobs", "l1_txs")) -> dict[str, dict[str, int]]:
        """Rows by status, per table (the transaction log grows: ask for it only on demand)."""
        out = {}
        for table in tables:
            if table not in ("txs", "batches", "jobs", "l1_txs"):
                raise ValueError(f"no status counts for {table!r}")
            rows = self.rows(f"SELECT status, COUNT(*) AS n FROM {table} GROUP BY status")
            out[table] = {r["status"]: r["n"] for r in rows}
        return out

    def _batch_status(self, c: sqlite3.Connection, number: int, status: str, **fields: object) -> None:
        sets = ", ".join([f"{k} = :{k}" for k in fields] + ["status = :status"])
        c.execute(f"UPDATE batches SET {sets} WHERE number = :number", {**fields, "status": status, "number": number})
        c.execute("UPDATE txs SET status = ? WHERE batch = ?", (TX_STATUS[status], number))

    # ---- prover jobs ----------------------------------------------------------------------
    def release_jobs(self) -> None:
        """At start-up: jobs claimed by workers of a previous run go back to the queue."""
        with self.write() as c:
            c.execute("UPDATE jobs SET status = 'queued', claimed_by = NULL WHERE status = 'running'")

    def claim_job(self, worker: str, timeout: float, max_attempts: int) -> int | None:
        """The lowest queued batch (or one stuck longer than timeout), now claimed by worker."""
        now = time.time()
        with self.write() as c:
            row = c.execute(
                "SELECT batch FROM jobs WHERE attempts < ? AND (status = 'queued' OR "
                "(status = 'running' AND started_at < ?)) ORDER BY batch LIMIT 1",
                (max_attempts, now - timeout),
            ).fetchone()
            if row is None:
                return None
            c.execute(
                "UPDATE jobs SET status = 'running', claimed_by = ?, started_at = ?, attempts = attempts + 1 "
                "WHERE batch = ?",
                (worker, now, row["batch"]),
            )
            self._batch_status(c, row["batch"], "proving")
            return row["batch"]

    def finish_job(self, batch: int, worker: str, data: bytes, proof: str, seconds: float) -> bool:
        """Store a proof if worker still holds the job (a reclaimed job's late result is dropped)."""
        with self.write() as c:
            cur = c.execute(
                "UPDATE jobs SET status = 'done', error = NULL "
                "WHERE batch = ? AND claimed_by = ? AND status = 'running'",
                (batch, worker),
            )
            if cur.rowcount != 1:
                return False
            fields = {"data": data, "proof": proof, "prove_seconds": seconds, "proved_at": time.time(), "error": None}
            self._batch_status(c, batch, "proved", **fields)
            return True

    def fail_job(self, batch: int, worker: str, error: str, max_attempts: int) -> None:
        with self.write() as c:
            row = c.execute("SELECT attempts FROM jobs WHERE batch = ? AND claimed_by = ?", (batch, worker)).fetchone()
            if row is None:
                return
            final = row["attempts"] >= max_attempts
            c.execute(
                "UPDATE jobs SET status = ?, claimed_by = NULL, error = ? WHERE batch = ?",
                ("failed" if final else "queued", error, batch),
            )
            self._batch_status(c, batch, "failed" if final else "sealed", error=error)

    # ---- L1 transactions ------------------------------------------------------------------
    def record_l1_tx(self, batch: int, tx_hash: str, raw: bytes, nonce: int) -> None:
        """The signed submission, stored before it is broadcast."""
        with self.write() as c:
            c.execute(
                "INSERT INTO l1_txs (hash, batch, nonce, raw, status, created_at) VALUES (?, ?, ?, ?, 'signed', ?)",
                (tx_hash, batch, nonce, raw, time.time()),
            )
            self._batch_status(c, batch, "submitted", l1_tx=tx_hash, submitted_at=time.time(), error=None)

    def unconfirmed_l1_txs(self) -> list[dict]:
        return self.rows("SELECT * FROM l1_txs WHERE status = 'signed' ORDER BY created_at")

    def l1_txs(self, batch: int) -> list[dict]:
        return self.rows("SELECT * FROM l1_txs WHERE batch = ? ORDER BY created_at", (batch,))

    def accept_batch(self, number: int, tx_hash: str | None, block: int | None, gas: int | None) -> None:
        """L1 holds the batch (through tx_hash, if known): mark it and its transactions accepted and
        keep only the states from it on.  Idempotent; a later call may add the hash and gas."""
        with self.write() as c:
            fields: dict[str, object] = {"error": None}
            if tx_hash is not None:
                c.execute(
                    "UPDATE l1_txs SET status = 'mined', block = ?, gas_used = COALESCE(?, gas_used) WHERE hash = ?",
                    (block, gas, tx_hash),
                )
                fields["l1_tx"] = tx_hash
            if gas is not None:
                fields["gas_used"] = gas
            c.execute("UPDATE l1_txs SET status = 'superseded' WHERE batch = ? AND status = 'signed'", (number,))
            c.execute(
                "UPDATE batches SET accepted_at = ? WHERE number = ? AND accepted_at IS NULL", (time.time(), number)
            )
            self._batch_status(c, number, "accepted", **fields)
            c.execute("DELETE FROM states WHERE batch < ?", (number,))

    def l1_tx_failed(self, tx_hash: str, status: str, reason: str, block: int | None = None) -> None:
        """A submission that L1 reverted (or that was dropped): its batch goes back to 'proved'."""
        with self.write() as c:
            c.execute(
                "UPDATE l1_txs SET status = ?, reason = ?, block = ? WHERE hash = ?", (status, reason, block, tx_hash)
            )
            row = c.execute("SELECT batch FROM l1_txs WHERE hash = ?", (tx_hash,)).fetchone()
            if row is not None:
                self._batch_status(c, row["batch"], "proved", error=reason)
