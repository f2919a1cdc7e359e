"""``zkdx monitor``: follow new blocks, replay every batch, run the checks, vote on a critical alert.

One ``step`` reads L1 up to its current head: new events (batches are replayed as they come,
in chain order), then every check at that head block.  A check's alert is emitted when it
starts firing and an info "resolved" when it stops; findings of a replayed batch are emitted
per batch.  When a critical alert named in ``vote_on`` fires and every read of this step
succeeded at a head that is not older than ``max_head_age``, the guardian votes to pause (if
its vote would count).  A step that cannot read L1 emits ``l1_unreachable`` (error) and does
nothing else: no check result and no vote rests on data older than the step.  An unexpected
error in a step (a bug) is ``monitor_error`` (error, traceback logged), never a vote, and the next
poll tries again: the watcher keeps watching.  Every step is safe to repeat: events are recorded
by index and batches replayed once each.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from rollup.errors import ChainReadError, CheckpointError
from rollup.l1.client import L1Error, connect
from rollup.monitor import checkpoint
from rollup.monitor.alerts import Alert, AlertSink
from rollup.monitor.chain import ChainReader, posted_batch
from rollup.monitor.checks import (
    Condition,
    Observed,
    code_condition,
    conservation_condition,
    forced_exit_condition,
    liveness_condition,
    oracle_band_condition,
    oracle_stale_condition,
    pin_contracts,
    spike_condition,
)
from rollup.monitor.config import MonitorConfig, ledger_params
from rollup.monitor.guardian import GuardianVoter
from rollup.monitor.metrics import Metrics
from rollup.monitor.replay import BatchReport, Replayer

FINDING_ALERTS = {
    "sequence": "root_mismatch",
    "old_root": "root_mismatch",
    "queue": "root_mismatch",
    "new_root": "root_mismatch",
    "decode": "batch_data",
    "rules": "batch_data",
    "public_input": "public_input",
}
REPEAT_SECONDS = 60  # l1_unreachable is repeated this often while it lasts
log = logging.getLogger(__name__)


class Monitor:
    def __init__(
        self, cfg: MonitorConfig, sink: AlertSink, metrics: Metrics, guardian_key: bytes | None = None
    ) -> None:
        self.cfg, self.sink, self.metrics, self.guardian_key = cfg, sink, metrics, guardian_key
        self.reader: ChainReader | None = None
        self.voter: GuardianVoter | None = None
        self.firing: dict[str, bool] = {}
        self.sticky: set[str] = set()  # batch findings: the chain stays wrong once they happen
        self.cursor = cfg.from_block - 1
        self.votes: list[dict] = []  # receipts of this guardian's votes
        self.last_loud = 0.0  # when l1_unreachable was last said
        self.saved_batch = -1  # the last batch written to the checkpoint

    # ---- start ------------------------------------------------------------------------------
    def _connect(self) -> None:
        reader = ChainReader(connect(self.cfg.rpc), self.cfg.rollup)
        self.params = ledger_params(reader.info, self.cfg.ledger)
        self.replayer = Replayer(self.params, reader.info.domain)
        self.observed = Observed()
        self.pinned, self.wrong = pin_contracts(reader, self.cfg.expect)
        if self.guardian_key is not None:
            self.voter = GuardianVoter(reader, self.guardian_key)
        self.reader = reader
        self._resume()
        who = self.voter.address if self.voter else None
        self._emit("monitor_started", "info", f"watching {reader.address}", None, {"guardian": who})

    def _resume(self) -> None:
        path = self.cfg.checkpoint
        if path is None or not Path(path).exists():
            return
        try:
            cp = checkpoint.load(path, self.params, self.reader.info.domain, self.reader.chain_id, self.reader.address)
            checkpoint.confirm(cp, self.reader)
        except CheckpointError as exc:
            self._emit("checkpoint_rejected", "warning", f"{exc}; replaying from genesis", None)
            return
        self.replayer.state, self.replayer.next_batch = cp.state, cp.batch + 1
        self.replayer.l1_consumed, self.replayer.last_block = cp.state.queue_consumed, cp.block
        self.saved_batch = cp.batch
        self._emit("checkpoint_resumed", "info", f"resumed after batch {cp.batch}", cp.block)

    # ---- one step ------------------------------------------------------------------------------
    def step(self) -> None:
        """Everything up to the current head, or one l1_unreachable alert."""
        try:
            if self.reader is None:
                self._connect()
            self._guarded_step()
        except (ChainReadError, L1Error) as exc:
            self.metrics.l1_up.set(0)
            self._set(Condition("l1_unreachable", "error", True, str(exc)), None)
            return
        self.metrics.l1_up.set(1)
        self._set(Condition("l1_unreachable", "error", False), None)

    def _guarded_step(self) -> None:
        try:
            self._step()
        except (ChainReadError, L1Error):
            raise
        except Exception as exc:  # a bug in a step must not stop the watcher: said once, retried
            log.exception("monitor step failed")
            self._set(Condition("monitor_error", "error", True, f"{type(exc).__name__}: {exc}"), None)
            return
        self._set(Condition("monitor_error", "error", False), None)

    def _step(self) -> None:
        latest = self.reader.head()
        self.metrics.head.set(latest)
        head = max(self.cursor, latest - self.cfg.confirmations, 0)
        if head > self.cursor:
            self._events(self.cursor + 1, head)
        conditions = self._conditions(head)
        fresh = self._fresh(head)
        for cond in conditions:
            self._set(cond, head)
        self.cursor = head
        self._checked(head, latest)
        if fresh and any(self.firing.get(name) for name in self.cfg.vote_on):
            self._vote(head)

    def _events(self, first: int, last: int) -> None:
        self.head = last
        for ev in self.reader.events(first, last):
            t = self.reader.block_time(ev.block)
            self.replayer.observe(ev)
            self.observed.event(ev, t)
            if ev.name == "BatchAccepted" and ev.args["batch"] >= self.replayer.next_batch:
                report = self.replayer.apply(posted_batch(ev))
                self.observed.batch(report.records, t, self.cfg.thresholds.oracle_interval)
                self._report(report)
        self.metrics.batches.set(self.replayer.next_batch)

    def _report(self, report: BatchReport) -> None:
        names = dict.fromkeys(FINDING_ALERTS[f.check] for f in report.findings)
        for name in names:
            found = [f for f in report.findings if FINDING_ALERTS[f.check] == name]
            details = {"batch": report.batch, "tx": report.tx_hash, "seen_at_head": self.head}
            details["findings"] = [f.__dict__ for f in found]
            msg = f"batch {report.batch}: " + "; ".join(f"{f.check}: {f.message}" for f in found)
            self._emit(name, "critical", msg, report.block, details)
            self.sticky.add(name)
            self.firing[name] = True
            self.metrics.firing.labels(name).set(1)

    def _conditions(self, head: int) -> list[Condition]:
        th, obs, r = self.cfg.thresholds, self.observed, self.reader
        now = r.block_time(head)
        return [
            code_condition(r, self.pinned, self.wrong, head),
            conservation_condition(r, self.replayer.state, obs, head),
            forced_exit_condition(r, obs, th.forced_exit_margin, head),
            liveness_condition(r, obs, th.liveness, head),
            oracle_band_condition(obs, th),
            oracle_stale_condition(obs, th.oracle_stale, now),
            spike_condition("withdrawal_spike", obs.payouts, th.withdrawal_limit, th.window, now),
            spike_condition("liquidation_spike", obs.liquidations, th.liquidation_limit, th.window, now),
        ]

    def _fresh(self, head: int) -> bool:
        """The head is recent enough to act on (max_head_age seconds of wall clock; 0: always)."""
        age = time.time() - self.reader.block_time(head)
        stale = bool(self.cfg.max_head_age) and age > self.cfg.max_head_age
        msg = f"newest block {head} is {age:.0f} s old: no vote on stale data" if stale else ""
        self._set(Condition("l1_stale", "error", stale, msg, {"age_seconds": round(age)}), head)
        return not stale

    def _checked(self, head: int, latest: int) -> None:
        self.metrics.checked.set(head)
        self.metrics.lag_blocks.set(latest - head)
        self.metrics.lag_seconds.set(max(0.0, time.time() - self.reader.block_time(head)))
        last = self.replayer.next_batch - 1
        if not self.cfg.checkpoint or last <= self.saved_batch:
            return
        if self.replayer.state.root == self.reader.view("stateRoot", block=head):  # only a state L1 agrees with
            cp = checkpoint.Checkpoint(last, self.replayer.last_block, self.replayer.state)
            checkpoint.save(self.cfg.checkpoint, cp, self.reader.chain_id, self.reader.address)
            self.saved_batch = last

    # ---- alerts and votes ------------------------------------------------------------------------
    def _emit(self, name: str, severity: str, msg: str, block: int | None, details: dict | None = None) -> None:
        self.sink.emit(Alert(name, severity, msg, block, details or {}))
        self.metrics.alerts.labels(name, severity).inc()

    def _set(self, cond: Condition, block: int | None) -> None:
        """Emit on a change: the alert when a check starts firing, "resolved" when it stops."""
        if cond.name in self.sticky:
            return
        was = self.firing.get(cond.name, False)
        self.firing[cond.name] = cond.firing
        self.metrics.firing.labels(cond.name).set(int(cond.firing))
        loud = cond.name == "l1_unreachable"
        again = loud and was and time.monotonic() - self.last_loud > REPEAT_SECONDS
        if cond.firing and (not was or again):
            self.last_loud = time.monotonic() if loud else self.last_loud
            self._emit(cond.name, cond.severity, cond.message, block, cond.details)
        elif was and not cond.firing:
            self._emit(cond.name, "info", "resolved", block, {"resolved": True})

    def _vote(self, head: int) -> None:
        if self.voter is None:
            return
        ok, why = self.voter.may_vote(head)
        if not ok:
            return
        reasons = [n for n in self.cfg.vote_on if self.firing.get(n)]
        try:
            receipt = self.voter.vote()
        except L1Error as exc:
            self._emit("vote_failed", "error", str(exc), head, {"reasons": reasons})
            return
        self.votes.append(dict(receipt))
        self.metrics.votes.inc()
        details = {"reasons": reasons, "tx": receipt["transactionHash"].hex(), "vote_block": receipt["blockNumber"]}
        self._emit("pause_vote", "info", f"voted to pause: {', '.join(reasons)}", head, details)

    # ---- the loop ----------------------------------------------------------------------------------
    def run(self, stop: threading.Event) -> None:
        """Step every poll_seconds until stop is set."""
        while not stop.is_set():
            started = time.monotonic()
            self.step()
            stop.wait(max(0.0, self.cfg.poll_seconds - (time.monotonic() - started)))
