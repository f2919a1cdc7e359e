"""The store's schema as forward migrations: migration k takes the schema from version k to k + 1.

Append a migration to change the schema; never edit one that has shipped.  Amounts, roots
and keys are decimal TEXT (they exceed SQLite's 64-bit integers).

Status values:
  txs.status      acknowledged | sealed | proven | submitted | accepted | rejected
  batches.status  sealed | proving | proved | submitted | accepted | failed
  jobs.status     queued | running | done | failed
  l1_txs.status   signed (stored, maybe broadcast) | mined | reverted | superseded
"""

from __future__ import annotations

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE txs (
        seq INTEGER PRIMARY KEY,              -- sequence number, as in the receipt
        hash TEXT NOT NULL,                   -- rollup.ledger.codec.tx_hash
        body TEXT NOT NULL,                   -- canonical codec JSON
        source TEXT NOT NULL,                 -- 'api' or 'l1'
        queue_index INTEGER UNIQUE,           -- L1 queue index (deposits and forced exits)
        batch INTEGER NOT NULL,
        status TEXT NOT NULL,
        reason TEXT,
        receipt TEXT,                         -- the soft confirmation (JSON)
        acked_at REAL NOT NULL
    );
    CREATE INDEX txs_hash ON txs (hash);
    CREATE INDEX txs_batch ON txs (batch);
    CREATE TABLE batches (
        number INTEGER PRIMARY KEY,
        status TEXT NOT NULL,
        tx_count INTEGER NOT NULL,
        old_root TEXT NOT NULL,
        new_root TEXT NOT NULL,
        data BLOB,                            -- posted batch data (set by the prover job)
        proof TEXT,                           -- snarkjs JSON
        l1_tx TEXT,
        gas_used INTEGER,
        prove_seconds REAL,
        sealed_at REAL NOT NULL,
        proved_at REAL,
        submitted_at REAL,
        accepted_at REAL,
        error TEXT
    );
    CREATE TABLE jobs (
        batch INTEGER PRIMARY KEY,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        claimed_by TEXT,
        started_at REAL,
        error TEXT
    );
    CREATE TABLE l1_txs (
        hash TEXT PRIMARY KEY,
        batch INTEGER NOT NULL,
        nonce INTEGER NOT NULL,
        raw BLOB NOT NULL,                    -- signed bytes, stored before the broadcast
        status TEXT NOT NULL,
        reason TEXT,
        block INTEGER,
        gas_used INTEGER,
        created_at REAL NOT NULL
    );
    CREATE TABLE queue (
        idx INTEGER PRIMARY KEY,              -- L1 queue index
        kind INTEGER NOT NULL,
        account INTEGER NOT NULL,
        amount TEXT NOT NULL,
        pk_x TEXT NOT NULL,
        pk_y TEXT NOT NULL,
        block INTEGER NOT NULL,
        deadline INTEGER                      -- forced exits: L1 timestamp
    );
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        block INTEGER NOT NULL,
        kind TEXT NOT NULL,                   -- BatchAccepted | Frozen | Paused
        body TEXT NOT NULL
    );
    CREATE TABLE cursor (name TEXT PRIMARY KEY, block INTEGER NOT NULL);
    CREATE TABLE states (
        batch INTEGER PRIMARY KEY,            -- ledger state after this batch (-1: genesis)
        root TEXT NOT NULL,
        blob BLOB NOT NULL
    );
    """,
    """
    -- the clock a batch starts from (decimal seconds), NULL for the ledger time unchanged
    ALTER TABLE batches ADD COLUMN batch_time TEXT;
    """,
)
