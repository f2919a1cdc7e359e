"""The sequencer: checks each transaction with the spec against the soft state and acknowledges it.

State it keeps (all rebuilt from the store on start-up, see ``recover``):
  sealed  the ledger state after the last sealed batch (the store's latest ``states`` row)
  soft    sealed + the open batch's acknowledged transactions, applied in sequence order
  open    the open batch's transactions (number ``batch`` = last sealed + 1)

Guarantees:
  * a transaction is acknowledged (receipt returned) only after its row is committed; if the
    commit fails, the soft state is rebuilt from the store and the whole group is refused;
  * the spec (``rollup.ledger.transition.process_tx``) is the only judge: a refusal carries
    its ``InvalidTransaction`` subclass and changes nothing;
  * L1 queue items (deposits, forced exits) are included in L1 order as soon as the store
    has them; a batch seals when full or ``seal_seconds`` after its first transaction, so a
    forced exit is included and sealed long before its deadline (days on L1).
The witness is not built here: the prover job rebuilds the batch from the sealed state
before it and the stored transactions (``rollup.node.jobs``), keeping intake free of it.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from circuits.ledger.params import LedgerParams
from circuits.ledger.state import AccountLeaf
from circuits.ledger.witness import dummy_signature
from circuits.native import eddsa
from rollup.errors import InvalidTransaction, NodeUnavailable, StoreError, UncheckableTransaction, UnknownAccount
from rollup.ledger import codec, state_codec
from rollup.ledger.forced import queue_txs
from rollup.ledger.state import LedgerState
from rollup.ledger.transition import process_tx, start_batch
from rollup.ledger.types import QueueItem, Transaction
from rollup.node.crash import crash_point
from rollup.node.store import Store

log = logging.getLogger("zkdx.node")
Signer = Callable[[int, str, int], dict]  # (seq, tx_hash, batch) -> receipt


@dataclass(frozen=True)
class Ack:
    seq: int
    tx_hash: str
    batch: int
    receipt: dict | None


def queue_item(row: dict) -> QueueItem:
    """A stored L1 queue row as the ledger's QueueItem."""
    return QueueItem(row["kind"], row["account"], int(row["amount"]), (int(row["pk_x"]), int(row["pk_y"])))


CLOCK_SKEW = 30  # s: a wall-clock batch starts this far back, so ticks signed just before still apply


def wall_batch_time(acked_at: float, ledger_time: int) -> int:
    """The batch time of a wall-clock batch whose first transaction was acknowledged at acked_at."""
    return max(ledger_time, int(acked_at) - CLOCK_SKEW)


class Sequencer:
    def __init__(
        self, store: Store, params: LedgerParams, sign: Signer, seal_seconds: float, clock: str = "ledger"
    ) -> None:
        """clock "wall": each batch starts the ledger clock at its first acknowledgement (less
        CLOCK_SKEW), so batches keep within the contract's maxBatchLag while the oracle is silent;
        "ledger": the clock moves with oracle ticks only."""
        self.store, self.params, self.sign, self.seal_seconds = store, params, sign, seal_seconds
        self.clock = clock
        self.frozen = False
        self.queue_error: str | None = None
        self.recover()

    # ---- recovery ------------------------------------------------------------------------
    def recover(self) -> None:
        """Rebuild sealed, soft and open from the store (start-up, or after a failed commit)."""
        row = self.store.latest_state()
        if row is None:
            raise StoreError("the store has no genesis state: was the node directory initialised?")
        self.sealed_batch = row["batch"]
        self.sealed = state_codec.decode(row["blob"], self.params, int(row["root"]))
        self.batch = self.sealed_batch + 1
        self._enqueue_new(self.sealed)
        self.soft = self.sealed.copy()
        rows = self.store.txs_of_batch(self.batch)
        self.batch_time = None
        if rows and self.clock == "wall":
            self.batch_time = wall_batch_time(rows[0]["acked_at"], self.soft.time)
            start_batch(self.soft, self.batch_time)
        for r in rows:
            process_tx(self.soft, codec.loads(r["body"]))  # acknowledged once: the spec is deterministic
        self.open = [r["seq"] for r in rows]
        self.opened_at = min((r["acked_at"] for r in rows), default=None)
        self.next_seq = self.store.max_seq() + 1

    def _enqueue_new(self, *states: LedgerState) -> int:
        """Add queue items the store has beyond what the states know; returns how many."""
        known = self.sealed.queue_consumed + len(self.sealed.pending)
        rows = self.store.queue_items(known)
        for r in rows:
            for st in states:
                st.enqueue(queue_item(r))
        return len(rows)

    # ---- intake ----------------------------------------------------------------------------
    @property
    def room(self) -> int:
        return self.params.batch_size - len(self.open)

    def submit(self, txs: Sequence[Transaction]) -> list[Ack | InvalidTransaction]:
        """Check each (in order, each seeing the ones before) and acknowledge the valid ones together.

        At most ``room`` transactions; StoreError (nothing acknowledged) if the commit fails.
        """
        return self._take([(tx, "api", None) for tx in txs])

    def include_queue(self) -> int:
        """Include new L1 queue items in L1 order, as many as the open batch has room for; a forced
        exit comes with the forced closes it needs (``rollup.ledger.forced``), which may fill this
        batch and continue in the next.  Returns how many transactions were taken."""
        self._enqueue_new(self.sealed, self.soft)
        taken = 0
        while not self.frozen and self.soft.pending and self.room:
            start = self.soft.queue_consumed
            txs = queue_txs(self.soft, self.soft.pending[0])
            consumes = len(txs) <= self.room
            txs = txs[: self.room]
            entries = [(tx, "l1", start if consumes and k == len(txs) - 1 else None) for k, tx in enumerate(txs)]
            results = self._take(entries)
            refused = [r for r in results if isinstance(r, InvalidTransaction)]
            self.queue_error = f"L1 queue item {start}: {refused[0]}" if refused else None
            taken += len(results) - len(refused)
            if refused or not consumes:
                break
        return taken

    def _take(self, entries: list[tuple[Transaction, str, int | None]]) -> list[Ack | InvalidTransaction]:
        if self.frozen:
            raise NodeUnavailable("the rollup is frozen on L1: no transactions are taken")
        if len(entries) > self.room:
            raise ValueError(f"{len(entries)} transactions for {self.room} free slots")
        results: list[Ack | InvalidTransaction] = []
        rows = []
        for tx, source, queue_index in entries:
            if source == "l1" and any(isinstance(r, InvalidTransaction) for r in results):
                break  # queue items (and a forced exit's closes) go in order: nothing after a refused one
            try:
                now = self._apply(tx, opening=not self.open and not rows)
            except InvalidTransaction as exc:
                results.append(exc)
                continue
            except Exception as exc:  # a spec bug must not stop intake: refuse this one, keep serving
                log.exception("the spec failed on a %s", type(tx).__name__)
                reason = f"the spec could not check this transaction ({type(exc).__name__})"
                results.append(UncheckableTransaction(reason))
                continue
            ack, row = self._row(tx, source, queue_index, now)
            results.append(ack)
            rows.append(row)
        self._commit(rows)
        return results

    def _apply(self, tx: Transaction, opening: bool) -> float:
        """Apply tx to the soft state (a wall-clock batch's first one on a copy whose clock has moved
        to the batch time); returns its acknowledgement time."""
        now = time.time()
        if not (opening and self.clock == "wall"):
            process_tx(self.soft, tx)
            return now
        trial, batch_time = self.soft.copy(), wall_batch_time(now, self.soft.time)
        start_batch(trial, batch_time)
        process_tx(trial, tx)
        self.soft, self.batch_time = trial, batch_time
        return now

    def _row(self, tx: Transaction, source: str, queue_index: int | None, now: float) -> tuple[Ack, dict]:
        seq, h = self.next_seq, codec.tx_hash(tx)
        self.next_seq += 1
        receipt = self.sign(seq, h, self.batch) if source == "api" else None
        row = {
            "seq": seq,
            "hash": h,
            "body": codec.dumps(tx),
            "source": source,
            "queue_index": queue_index,
            "batch": self.batch,
            "receipt": json.dumps(receipt) if receipt else None,
            "acked_at": now,
        }
        return Ack(seq, h, self.batch, receipt), row

    def _commit(self, rows: list[dict]) -> None:
        if not rows:
            return
        try:
            self.store.ack(rows)
        except StoreError:
            self.recover()  # the soft state has the group applied: back to what the store holds
            raise
        self.open += [r["seq"] for r in rows]
        self.opened_at = self.opened_at or rows[0]["acked_at"]
        crash_point("after_ack")

    # ---- sealing -----------------------------------------------------------------------------
    def due(self, now: float | None = None) -> bool:
        if not self.open:
            return False
        now = time.time() if now is None else now
        return self.room == 0 or now - self.opened_at >= self.seal_seconds

    def seal(self) -> int | None:
        """Seal the open batch (its state after stored with it); the number sealed, or None if empty."""
        if not self.open:
            return None
        number = self.batch
        roots = (self.sealed.root, self.soft.root)
        self.store.seal(number, len(self.open), roots, state_codec.encode(self.soft), self.batch_time)
        self.sealed, self.sealed_batch, self.batch_time = self.soft, number, None
        self.soft, self.batch, self.open, self.opened_at = self.soft.copy(), number + 1, [], None
        crash_point("after_seal")
        return number

    def warm_up(self) -> None:
        """Build the hash constants the first transaction would otherwise pay for (~2 s)."""
        key, msg, sig = dummy_signature()
        eddsa.verify(msg, sig, key)
        scratch = self.soft.copy()
        scratch.write(0, AccountLeaf.empty(len(self.params.markets)), True)
        _ = scratch.root

    # ---- reading -------------------------------------------------------------------------------
    def account(self, index: int) -> AccountLeaf:
        """An account at the soft state; UnknownAccount if it does not exist."""
        if not isinstance(index, int) or not 0 <= index < self.params.num_accounts:
            raise UnknownAccount(f"account {index} is outside the tree")
        return self.soft.account(index)
