"""process_batch: run a batch through the spec and collect the circuit's witness.

The batch is applied to a copy; the input state is never modified, and a
rejected transaction raises its ``InvalidTransaction`` with nothing changed.
``replay_batch`` rebuilds the next state from posted data alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from circuits.ledger.state import NO_KEY, header, public_input
from circuits.ledger.witness import BatchWitness, LaneWitness, SlotWitness, dummy_signature, empty_lane
from rollup.errors import BatchFull
from rollup.ledger.batch_data import decode_posting, encode_batch
from rollup.ledger.state import LedgerState
from rollup.ledger.transition import Effect, apply_effect, effect_of, effect_of_record, funding_expiry, start_batch
from rollup.ledger.types import Deposit, FundingTick, Liquidation, Noop, OracleTick, Trade, Transaction, Withdraw


@dataclass(frozen=True)
class BatchResult:
    state: LedgerState  # after the batch
    old_root: int
    new_root: int
    queue_before: int
    queue_after: int
    data: bytes  # what is posted to L1
    effects: tuple[Effect, ...]
    witness: BatchWitness

    @property
    def header(self) -> int:
        return header(self.old_root, self.new_root, self.queue_before, self.queue_after)

    @property
    def public_input(self) -> int:
        return public_input(self.header, self.data)


def _signatures(tx: Transaction) -> tuple:
    _, _, dummy = dummy_signature()
    if isinstance(tx, Withdraw | OracleTick | FundingTick):
        return tx.signature, dummy
    if isinstance(tx, Trade):
        return tx.buyer_signature, tx.seller_signature
    if isinstance(tx, Liquidation):
        return dummy, tx.signature
    return dummy, dummy


def _write_lanes(state: LedgerState, eff: Effect) -> list[LaneWitness]:
    """Write each lane, capturing its leaf and path just before (lane b sees lane a's write);
    a lane opened only to prove a refusal is captured and not written."""
    out = []
    for lane in eff.lanes:
        acct, exists = state.account_or_empty(lane.index)
        out.append(LaneWitness(exists, acct, state.path(lane.index).siblings))
        if lane.written:
            state.write(lane.index, lane.account, lane.exists)
    empty = empty_lane(state.params.depth, len(state.params.markets))
    return out + [empty] * (2 - len(out))


def _expiry(state: LedgerState, tx: Transaction) -> int:
    """The expiry slot of the signed message (a funding tick binds the market's funding time)."""
    if isinstance(tx, FundingTick):
        return funding_expiry(state, tx.market)
    return getattr(tx, "expiry", 0)


def _slot(state: LedgerState, tx: Transaction) -> tuple[Effect, SlotWitness]:
    eff = effect_of(state, tx)
    expiry = _expiry(state, tx)
    lane_a, lane_b = _write_lanes(state, eff)
    apply_effect(state, replace(eff, lanes=()))
    sig_a, sig_b = _signatures(tx)
    key = tx.pubkey if isinstance(tx, Deposit) else NO_KEY
    return eff, SlotWitness(eff.record, expiry, lane_a, lane_b, sig_a, sig_b, key)


def process_batch(state: LedgerState, txs: Sequence[Transaction], batch_time: int | None = None) -> BatchResult:
    """Apply txs (padded with no-ops to the batch size) to a copy of state, the ledger clock first
    set to batch_time (default: the ledger time, no change; ``StaleBatchTime`` if it goes back)."""
    p = state.params
    if len(txs) > p.batch_size:
        raise BatchFull(f"{len(txs)} transactions for {p.batch_size} slots")
    work = state.copy()
    start_batch(work, state.time if batch_time is None else batch_time)
    start = BatchWitness(work.tree.root, state.time, work.markets, work.queue_head, work.domain, (), work.time)
    effects, slots = [], []
    for tx in [*txs, *[Noop()] * (p.batch_size - len(txs))]:
        eff, slot = _slot(work, tx)
        effects.append(eff)
        slots.append(slot)
    data = encode_batch(start.batch_time, [e.record for e in effects])
    witness = replace(start, slots=tuple(slots))
    return BatchResult(work, state.root, work.root, state.queue_head, work.queue_head, data, tuple(effects), witness)


def replay_batch(state: LedgerState, data: bytes) -> LedgerState:
    """The state after posted batch data, from the data and the L1 queue alone."""
    work = state.copy()
    posting = decode_posting(data, state.params)
    start_batch(work, posting.time)
    for rec in posting.records:
        apply_effect(work, effect_of_record(work, rec))
    return work
