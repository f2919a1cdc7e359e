"""``verify-chain``: every accepted batch replayed from genesis (or a confirmed checkpoint) and checked.

Per batch: the replay's checks (``rollup.monitor.replay``) and the proof from the calldata,
verified with the Python verifier against the public input the contract computed.  The key
is the one given (then also checked against the deployed verifier's code) or the one read
back from that code (``rollup.monitor.vkcode``).  A verifier that matches no key is a
disagreement of its own; the replay still runs (it needs no key) with proofs unchecked, so
that a chain accepted by an unsound verifier is still judged batch by batch.  The pass stops
at the first batch that disagrees: what follows builds on a root the replay does not have.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from circuits.ledger.params import LedgerParams
from rollup.errors import ChainReadError, CheckpointError, VerifierCodeError
from rollup.monitor import checkpoint
from rollup.monitor.chain import ChainReader, PostedBatch, posted_batch
from rollup.monitor.replay import BatchReport, Replayer
from rollup.monitor.vkcode import check_vk, is_demo_key, read_vk
from verifier import verify_proof
from verifier.types import VerifyingKey


@dataclass
class ChainResult:
    head: int
    verifier: dict  # status ("read back", "given", "mismatch", "unreadable"), address, message
    checkpoint: dict  # status ("none", "resumed", "rejected"), batch, reason
    reports: list[BatchReport] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.verifier["status"] in ("read back", "given") and all(r.ok for r in self.reports)

    @property
    def first_disagreement(self) -> BatchReport | None:
        return next((r for r in self.reports if not r.ok), None)


def verifier_key(reader: ChainReader, vk: VerifyingKey | None) -> tuple[VerifyingKey | None, dict]:
    """The key proofs are checked with, and what is known of the deployed verifier."""
    address = reader.info.verifier
    code = reader.code(address)
    status = {"address": address, "demo_key": False}
    try:
        if vk is not None:
            check_vk(vk, code)
            status["status"] = "given"
        else:
            vk = read_vk(code)
            status["status"] = "read back"
        status["demo_key"] = is_demo_key(vk)
        status["message"] = "the deployed verifier is the verifier of this key"
    except VerifierCodeError as exc:
        status.update(status="mismatch" if vk is not None else "unreadable", message=str(exc))
    return vk, status


def _resume(path: Path | None, reader: ChainReader, params: LedgerParams) -> tuple[Replayer, dict]:
    replayer = Replayer(params, reader.info.domain)
    if path is None or not path.exists():
        return replayer, {"status": "none"}
    chain_id = reader.w3.eth.chain_id
    try:
        cp = checkpoint.load(path, params, reader.info.domain, chain_id, reader.address)
        checkpoint.confirm(cp, reader)
    except CheckpointError as exc:
        return replayer, {"status": "rejected", "reason": str(exc)}
    replayer.state, replayer.next_batch = cp.state, cp.batch + 1
    replayer.l1_consumed = cp.state.queue_consumed
    return replayer, {"status": "resumed", "batch": cp.batch, "block": cp.block}


def check_proof(reader: ChainReader, vk: VerifyingKey, batch: PostedBatch, report: BatchReport) -> None:
    try:
        proof = reader.proof_of(batch)
    except ChainReadError as exc:
        report.proof = "unreadable"
        report.fail("proof", "a submitBatch proof in the calldata", batch.tx_hash, str(exc))
        return
    if verify_proof(vk, [report.contract_input], proof):
        report.proof = "ok"
    else:
        report.proof = "invalid"
        report.fail("proof", "a valid proof", "invalid", "the proof does not verify for the contract's public input")


def verify_chain(
    reader: ChainReader,
    params: LedgerParams,
    vk: VerifyingKey | None = None,
    checkpoint_path: Path | None = None,
    from_block: int = 0,
    on_report: Callable[[BatchReport], None] | None = None,
) -> ChainResult:
    """Replay and check every batch accepted up to the current head; stop at the first disagreement."""
    start = time.perf_counter()
    vk, vstatus = verifier_key(reader, vk)
    replayer, cstatus = _resume(checkpoint_path, reader, params)
    result = ChainResult(reader.head(), vstatus, cstatus)
    last_ok: tuple[int, int] | None = None
    for ev in reader.events(from_block, result.head):
        replayer.observe(ev)
        if ev.name != "BatchAccepted" or ev.args["batch"] < replayer.next_batch:
            continue
        batch = posted_batch(ev)
        report = replayer.apply(batch)
        if vk is not None:  # also for a bad batch: a valid proof of it means the circuit is unsound
            check_proof(reader, vk, batch, report)
        result.reports.append(report)
        if on_report is not None:
            on_report(report)
        if not report.ok:
            break
        last_ok = (batch.index, batch.block)
    if checkpoint_path is not None and last_ok is not None:
        cp = checkpoint.Checkpoint(*last_ok, replayer.state)
        checkpoint.save(checkpoint_path, cp, reader.w3.eth.chain_id, reader.address)
    result.seconds = time.perf_counter() - start
    return result
