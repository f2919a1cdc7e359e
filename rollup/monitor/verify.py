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
from rollup.monitor.chain import ChainReader, Event, PostedBatch, posted_batch
from rollup.monitor.proofs import invalid_proofs
from rollup.monitor.replay import BatchReport, Replayer
from rollup.monitor.vkcode import check_vk, is_demo_key, read_vk
from verifier.types import Proof, VerifyingKey

PROOF_CHUNK = 16  # proofs verified together (rollup.monitor.proofs)


@dataclass
class ChainResult:
    head: int
    verifier: dict  # status ("read back", "given", "mismatch", "unreadable", "skipped"), address, message
    checkpoint: dict  # status ("none", "resumed", "rejected"), batch, reason
    reports: list[BatchReport] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.verifier["status"] in ("read back", "given", "skipped") and all(r.ok for r in self.reports)

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
    try:
        cp = checkpoint.load(path, params, reader.info.domain, reader.chain_id, reader.address)
        checkpoint.confirm(cp, reader)
    except CheckpointError as exc:
        return replayer, {"status": "rejected", "reason": str(exc)}
    replayer.state, replayer.next_batch = cp.state, cp.batch + 1
    replayer.l1_consumed = cp.state.queue_consumed
    return replayer, {"status": "resumed", "batch": cp.batch, "block": cp.block}


def _read_proof(reader: ChainReader, batch: PostedBatch, report: BatchReport) -> Proof | None:
    try:
        return reader.proof_of(batch)
    except ChainReadError as exc:
        report.proof = "unreadable"
        report.fail("proof", "a submitBatch proof in the calldata", batch.tx_hash, str(exc))
        return None


def check_proofs(vk: VerifyingKey, pending: list[tuple[BatchReport, Proof]]) -> None:
    """Verify the proofs of these batches (one batch check), marking each report up to the first
    invalid proof (the pass ends there; later reports stay "unchecked" and are dropped)."""
    bad = invalid_proofs(vk, [([r.contract_input], proof) for r, proof in pending], first_only=True)
    checked = pending if not bad else pending[: bad[0] + 1]
    for i, (report, _) in enumerate(checked):
        report.proof = "invalid" if i in bad else "ok"
        if i in bad:
            report.fail("proof", "a valid proof", "invalid", "the proof does not verify for the contract's input")


class _Pass:
    """One verify-chain pass: replay batch by batch, proofs checked PROOF_CHUNK at a time."""

    def __init__(self, reader: ChainReader, replayer: Replayer, vk: VerifyingKey | None, result: ChainResult) -> None:
        self.reader, self.replayer, self.vk, self.result = reader, replayer, vk, result
        self.pending: list[tuple[BatchReport, Proof]] = []
        self.done = 0  # reports already flushed

    def batch(self, ev: Event) -> bool:
        """Replay one accepted batch; False once a disagreement ends the pass."""
        batch = posted_batch(ev)
        report = self.replayer.apply(batch)
        self.result.reports.append(report)
        proof = _read_proof(self.reader, batch, report) if self.vk is not None else None
        if proof is not None:  # also for a bad batch: a valid proof of it means the circuit is unsound
            self.pending.append((report, proof))
        if len(self.pending) >= PROOF_CHUNK or not report.ok:
            self.flush()
        return self.result.reports[-1] is report and report.ok  # an earlier proof may have failed

    def flush(self) -> None:
        if self.pending:
            check_proofs(self.vk, self.pending)
            self.pending = []
        reports = self.result.reports
        first_bad = next((i for i, r in enumerate(reports) if not r.ok), None)
        if first_bad is not None:
            del reports[first_bad + 1 :]


def verify_chain(
    reader: ChainReader,
    params: LedgerParams,
    vk: VerifyingKey | None = None,
    checkpoint_path: Path | None = None,
    from_block: int = 0,
    on_report: Callable[[BatchReport], None] | None = None,
    proofs: bool = True,
) -> ChainResult:
    """Replay and check every batch accepted up to the current head; stop at the first disagreement.
    With proofs=False the verifier and the proofs are not looked at (roots and public inputs only)."""
    start = time.perf_counter()
    if proofs:
        vk, vstatus = verifier_key(reader, vk)
    else:
        vk, vstatus = None, {"status": "skipped", "address": reader.info.verifier}
    replayer, cstatus = _resume(checkpoint_path, reader, params)
    result = ChainResult(reader.head(), vstatus, cstatus)
    run = _Pass(reader, replayer, vk, result)
    for ev in reader.events(from_block, result.head):
        replayer.observe(ev)
        if ev.name == "BatchAccepted" and ev.args["batch"] >= replayer.next_batch:
            going = run.batch(ev)
            _report_new(run, on_report)
            if not going:
                break
    run.flush()
    _report_new(run, on_report)
    ok = [r for r in result.reports if r.ok]
    if checkpoint_path is not None and ok and len(ok) == len(result.reports):
        cp = checkpoint.Checkpoint(ok[-1].batch, ok[-1].block, replayer.state)
        checkpoint.save(checkpoint_path, cp, reader.chain_id, reader.address)
    result.seconds = time.perf_counter() - start
    return result


def _report_new(run: _Pass, on_report: Callable[[BatchReport], None] | None) -> None:
    """Hand over the reports whose proofs are settled."""
    settled = len(run.result.reports) - len(run.pending)
    for report in run.result.reports[run.done : settled]:
        if on_report is not None:
            on_report(report)
    run.done = max(run.done, settled)
