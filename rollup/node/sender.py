"""The L1 sender: submits proved batches strictly in order, recording each transaction before it is sent.

One ``step``:
  1. settle every stored but unconfirmed submission: ask L1 for its receipt first; if there is
     none, compare the contract's batch count (and root) with the store: L1 already holds the
     batch -> accepted; L1 has neither -> resend the same signed bytes;
  2. only when nothing is unconfirmed: take the lowest batch L1 has not accepted; if it is proved,
     and L1's batch count and root are exactly where that batch starts, build and sign the
     submission, store raw bytes and hash, then broadcast and wait for the receipt.
So a batch L1 already holds is never submitted again, and none is skipped.  A revert is
recorded with its decoded reason (the batch goes back to 'proved', retried after a back-off
that doubles up to 10 minutes); any L1 failure leaves the rows as they are for the next step.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from eth_account.signers.local import LocalAccount
from web3.contract.contract import ContractFunction
from web3.exceptions import TimeExhausted, TransactionNotFound

from rollup.l1.client import L1Client
from rollup.node.crash import crash_point
from rollup.node.store import Store
from verifier.formats import proof_from_json, proof_to_calldata

WAIT_SECONDS = 60.0
MAX_BACKOFF = 600.0


class Sender:
    def __init__(
        self,
        store: Store,
        l1: L1Client,
        operator: LocalAccount,
        gas_limit: int,
        retry_seconds: float,
        on_accept: Callable[[dict, int | None], None] | None = None,
    ) -> None:
        self.store, self.l1, self.operator = store, l1, operator
        self.w3 = l1.w3
        self.gas_limit, self.retry_seconds = gas_limit, retry_seconds
        self.on_accept = on_accept  # (batch row, gas used) -> None, e.g. metrics
        self.backoff_until, self.failures = 0.0, 0
        self.problem: str | None = None  # why nothing is moving (shown in status), None when fine

    def step(self) -> None:
        """Settle, then submit the next batch if it is due."""
        for row in self.store.unconfirmed_l1_txs():
            self._settle(row)
        if self.store.unconfirmed_l1_txs() or time.time() < self.backoff_until:
            return
        batch = self.store.next_unaccepted()
        if batch is not None and batch["status"] == "proved":
            self._submit(batch)

    # ---- settling stored submissions -----------------------------------------------------------
    def _receipt(self, tx_hash: str) -> dict | None:
        try:
            return self.w3.eth.get_transaction_receipt(tx_hash)
        except TransactionNotFound:
            return None

    def _settle(self, row: dict) -> None:
        receipt = self._receipt(row["hash"])
        if receipt is None and self._held_by_l1(self.store.batch(row["batch"])):
            return
        if receipt is None:
            self._broadcast(row["raw"], row["hash"])
            receipt = self._wait(row["hash"])
        if receipt is not None:
            self._record(self.store.batch(row["batch"]), row["hash"], receipt)

    def _held_by_l1(self, batch: dict) -> bool:
        """True (and the batch marked accepted) if L1's batch count is past it."""
        count = self.l1.batch_count()
        if count <= batch["number"]:
            return False
        if count == batch["number"] + 1 and self.l1.state_root() != int(batch["new_root"]):
            self.problem = f"L1 holds batch {batch['number']} with another root than the store: stopped"
            return True
        self.store.accept_batch(batch["number"], None, None, None)
        self._accepted(batch, None)
        return True

    def _broadcast(self, raw: bytes, tx_hash: str) -> None:
        try:
            self.w3.eth.send_raw_transaction(raw)
        except Exception as exc:  # already known, reverted in the node, or L1 down: the receipt decides
            if self._receipt(tx_hash) is None and "known" not in str(exc).lower():
                self.problem = f"broadcast of {tx_hash}: {self.l1.error_reason(exc)}"[:300]
                if "nonce too low" in str(exc).lower():  # the nonce went to another transaction
                    self.store.l1_tx_failed(tx_hash, "superseded", "nonce taken by another transaction")

    def _wait(self, tx_hash: str) -> dict | None:
        try:
            return self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=WAIT_SECONDS, poll_latency=0.2)
        except TimeExhausted:
            return None

    def _record(self, batch: dict, tx_hash: str, receipt: dict) -> None:
        if receipt["status"] == 1:
            self.store.accept_batch(batch["number"], tx_hash, receipt["blockNumber"], receipt["gasUsed"])
            self._accepted(batch, receipt["gasUsed"])
        else:
            reason = self.l1.revert_reason(self._call(batch), {"from": self.operator.address}, receipt)
            self.store.l1_tx_failed(tx_hash, "reverted", reason, receipt["blockNumber"])
            self._back_off(f"batch {batch['number']} reverted on L1: {reason}")
        crash_point("after_receipt")

    def _accepted(self, batch: dict, gas: int | None) -> None:
        self.failures, self.backoff_until, self.problem = 0, 0.0, None
        if self.on_accept is not None:
            self.on_accept(batch, gas)

    def _back_off(self, problem: str) -> None:
        self.problem = problem[:300]
        self.backoff_until = time.time() + min(MAX_BACKOFF, self.retry_seconds * 2**self.failures)
        self.failures += 1

    # ---- new submissions ----------------------------------------------------------------------
    def _call(self, batch: dict) -> ContractFunction:
        proof = proof_to_calldata(proof_from_json(batch["proof"]))
        return self.l1.rollup.functions.submitBatch(int(batch["new_root"]), bytes(batch["data"]), proof)

    def _submit(self, batch: dict) -> None:
        if self._held_by_l1(batch):
            return
        if self.l1.batch_count() < batch["number"] or self.l1.state_root() != int(batch["old_root"]):
            self.problem = f"L1 is not at the state batch {batch['number']} starts from: stopped"
            return
        address = self.operator.address
        nonce = self.w3.eth.get_transaction_count(address, "pending")
        tx = self._call(batch).build_transaction({"from": address, "nonce": nonce, "gas": self.gas_limit})
        signed = self.operator.sign_transaction(tx)
        tx_hash = "0x" + signed.hash.hex().removeprefix("0x")
        self.store.record_l1_tx(batch["number"], tx_hash, bytes(signed.raw_transaction), nonce)
        self._broadcast(bytes(signed.raw_transaction), tx_hash)
        crash_point("after_broadcast")
        receipt = self._wait(tx_hash)
        if receipt is not None:
            self._record(batch, tx_hash, receipt)
