"""The L1 watcher: follows the rollup contract's events into the store, with the block of each.

  QueueItem      -> queue rows (deposits with the account's registered key; forced exits with
                    their deadline), which the sequencer includes in L1 order
  BatchAccepted  -> the batch is accepted (also when the sender's own receipt was lost)
  Frozen, Paused -> events rows (status shows them; frozen stops intake)
Each step reads from the block after the stored cursor up to the head less ``confirmations``
(at most ``SPAN`` blocks) and stores items, events and the new cursor in one transaction, so
a crash between steps re-reads at most one span and stores nothing twice.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from circuits.ledger.params import TxType
from rollup.errors import StoreError
from rollup.l1.client import L1Client
from rollup.node.store import Store
from verifier import jsonsafe

SPAN = 2_000
EVENTS = ("BatchAccepted", "Frozen", "Paused")


class Watcher:
    def __init__(
        self,
        store: Store,
        l1: L1Client,
        start_block: int,
        confirmations: int = 0,
        on_event: Callable[[dict], None] | None = None,
    ) -> None:
        self.store, self.l1, self.confirmations = store, l1, confirmations
        self.start_block = start_block
        self.on_event = on_event

    def step(self) -> int:
        """Read one span of new blocks; the number of queue items and events stored."""
        cursor = self.store.cursor()
        first = self.start_block if cursor is None else cursor + 1
        last = min(self.l1.w3.eth.block_number - self.confirmations, first + SPAN - 1)
        if last < first:
            return 0
        items = [self._queue_row(ev) for ev in self._logs("QueueItem", first, last)]
        events = [self._event_row(ev) for name in EVENTS for ev in self._logs(name, first, last)]
        self.store.add_l1_events(items, events, last)
        for ev in events:
            self._apply(ev)
        return len(items) + len(events)

    def _logs(self, name: str, first: int, last: int) -> list:
        logs = getattr(self.l1.rollup.events, name)().get_logs(from_block=first, to_block=last)
        return sorted(logs, key=lambda e: (e["blockNumber"], e["logIndex"]))

    def _queue_row(self, ev: dict) -> dict:
        a, block = ev["args"], ev["blockNumber"]
        pk, deadline = (0, 0), None
        if a["kind"] == TxType.DEPOSIT:
            pk = self.l1.rollup.functions.keyOfAccount(a["account"]).call(block_identifier=block)
        else:
            deadline = self.l1.rollup.functions.forcedExitDeadline(a["index"]).call(block_identifier=block)
        return {
            "idx": a["index"],
            "kind": a["kind"],
            "account": a["account"],
            "amount": str(a["amount"]),
            "pk_x": str(pk[0]),
            "pk_y": str(pk[1]),
            "block": block,
            "deadline": deadline,
        }

    def _event_row(self, ev: dict) -> dict:
        args = {k: (v.hex() if isinstance(v, bytes) else v) for k, v in ev["args"].items()}
        body = {**args, "tx": ev["transactionHash"].hex()}
        return {"block": ev["blockNumber"], "kind": ev["event"], "body": json.dumps(body, default=str)}

    def _apply(self, ev: dict) -> None:
        body = jsonsafe.loads(ev["body"], StoreError)
        if ev["kind"] == "BatchAccepted":
            batch = self.store.batch(body["batch"])
            if batch is not None and batch["status"] != "accepted" and int(batch["new_root"]) == body["newRoot"]:
                self.store.accept_batch(body["batch"], "0x" + body["tx"].removeprefix("0x"), ev["block"], None)
        if self.on_event is not None:
            self.on_event(ev)
