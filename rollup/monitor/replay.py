"""Rebuild the ledger from genesis with the native spec, from L1 data alone, and check each batch.

For every accepted batch, in order, ``Replayer.apply`` checks (the names are the report's):

  sequence      the batch number follows the previous one (no event missed)
  old_root      the root the contract replaced is the replayed root
  decode        the posted data decodes strictly (``decode_batch``)
  rules         every record applies under the ledger rules (``replay_batch``), deposits
                and forced exits matching the L1 queue items they consume
  queue         the replay consumed as many L1 queue items as the contract, up to the same head
  new_root      the replayed new root is the root the contract stored
  public_input  what the contract computed (from its roots, its queue heads and the data)
                equals what the replay computes

The replay moves on with its own state when the rules hold, so after a bad root every
later batch disagrees too (its old root is not the replayed one): the chain stays wrong
until the operator's roots come back to the replayed ones, which they cannot.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from circuits.ledger.params import LedgerParams, TxType
from circuits.ledger.records import Record
from circuits.ledger.state import header, public_input
from rollup.errors import BatchDataError, InvalidTransaction
from rollup.ledger.batch import replay_batch
from rollup.ledger.batch_data import decode_batch
from rollup.ledger.state import LedgerState
from rollup.monitor.chain import Event, PostedBatch, QueueEntry, queue_entry, queue_item


@dataclass(frozen=True)
class Finding:
    """One disagreement: what the replay (or the verifier) expects and what L1 holds."""

    check: str
    expected: str
    actual: str
    message: str


@dataclass
class BatchReport:
    batch: int
    block: int
    tx_hash: str
    new_root: int
    contract_input: int  # the public input the contract verified the proof against
    records: list[Record] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    proof: str = "unchecked"  # "ok", "invalid", "unchecked" or "unreadable"

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def txs(self) -> int:
        return sum(1 for r in self.records if r.tx_type != TxType.NOOP)

    def fail(self, check: str, expected: object, actual: object, message: str) -> None:
        self.findings.append(Finding(check, _text(expected), _text(actual), message))


def _text(v: object) -> str:
    return hex(v) if isinstance(v, int) else str(v)


class Replayer:
    """The ledger replayed from L1 events: registered keys, the queue, and the state."""

    def __init__(self, params: LedgerParams, domain: int, state: LedgerState | None = None) -> None:
        self.params = params
        self.state = state or LedgerState.genesis(params, domain)
        self.keys: dict[int, tuple[int, int]] = {}
        self.queue: dict[int, QueueEntry] = {}
        self.next_batch = 0
        self.last_block = 0  # block of the last batch applied
        self.l1_consumed = self.state.queue_consumed  # queue items consumed per L1, after the last batch

    def observe(self, ev: Event) -> None:
        """Take note of a registration or an L1 queue item (batches go through ``apply``)."""
        if ev.name == "AccountRegistered":
            self.keys[ev.args["account"]] = (ev.args["pkX"], ev.args["pkY"])
        elif ev.name == "QueueItem":
            entry = queue_entry(ev)
            self.queue[entry.index] = entry

    def head_at(self, n: int) -> int | None:
        """The queue head after n items (None if that item was not seen)."""
        if n == 0:
            return 0
        entry = self.queue.get(n - 1)
        return None if entry is None else entry.head

    def _enqueue_known(self) -> None:
        st = self.state
        known = st.queue_consumed + len(st.pending)
        while known in self.queue:
            st.enqueue(queue_item(self.queue[known], self.keys))
            known += 1

    def contract_input(self, batch: PostedBatch) -> int:
        """The public input the contract computed for this batch, from L1 values alone."""
        before, after = self.head_at(self.l1_consumed), self.head_at(batch.queue_consumed)
        h = header(batch.old_root, batch.new_root, before or 0, after or 0)
        return public_input(h, batch.data)

    def apply(self, batch: PostedBatch) -> BatchReport:
        """Check one accepted batch against the replay and move the replay past it."""
        report = BatchReport(batch.index, batch.block, batch.tx_hash, batch.new_root, self.contract_input(batch))
        if batch.index != self.next_batch:
            report.fail("sequence", self.next_batch, batch.index, "batch events are missing or out of order")
        if batch.old_root != self.state.root:
            report.fail("old_root", self.state.root, batch.old_root, "the contract replaced another root")
        self._enqueue_known()
        after = self._replay(batch, report)
        if after is not None:
            self._compare(batch, after, report)
            self.state = after
        self.next_batch, self.last_block = batch.index + 1, batch.block
        self.l1_consumed = batch.queue_consumed
        return report

    def _replay(self, batch: PostedBatch, report: BatchReport) -> LedgerState | None:
        try:
            report.records = decode_batch(batch.data, self.params)
        except BatchDataError as exc:
            report.fail("decode", "canonical batch data", batch.data.hex()[:80], str(exc))
            return None
        try:
            return replay_batch(self.state, batch.data)
        except InvalidTransaction as exc:
            report.fail("rules", "records the ledger accepts", type(exc).__name__, str(exc))
            return None
        except Exception as exc:  # a spec bug on data L1 accepted: unverifiable, so critical, and we go on
            msg = f"the spec failed on this batch with {type(exc).__name__}: {exc}"
            report.fail("rules", "records the ledger accepts", "UncheckableTransaction", msg)
            return None

    def _compare(self, batch: PostedBatch, after: LedgerState, report: BatchReport) -> None:
        l1_head = self.head_at(batch.queue_consumed)
        if after.queue_consumed != batch.queue_consumed or after.queue_head != l1_head:
            report.fail(
                "queue",
                f"{after.queue_consumed} items, head {after.queue_head:#x}",
                f"{batch.queue_consumed} items, head {_text(l1_head)}",
                "the batch consumed other L1 queue items than the contract counts",
            )
        if after.root != batch.new_root:
            report.fail("new_root", after.root, batch.new_root, "the contract accepted a root the rules do not give")
        h = header(self.state.root, after.root, self.state.queue_head, after.queue_head)
        replayed = public_input(h, batch.data)
        if replayed != report.contract_input:
            report.fail("public_input", replayed, report.contract_input, "the contract verified another public input")
