"""The running node: wires the store, sequencer, prover workers, L1 sender and watcher, and the API.

One asyncio loop runs the API and the sequencer (intake is single-threaded: requests are
grouped, checked in order and committed together); the L1 sender and watcher run their
blocking steps on threads, each with its own store connection and web3 client; provers
are separate processes (``rollup.node.jobs``), restarted if they die.  SIGTERM and SIGINT
stop it cleanly (workers terminated, connections closed); a SIGKILL at any moment loses
nothing that was acknowledged (the store is the truth, see ``Sequencer.recover``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import signal
import time
from collections.abc import Callable

from aiohttp import web
from eth_account import Account
from web3 import Web3
from web3.exceptions import Web3Exception

from rollup import keystore
from rollup.errors import InvalidTransaction, NodeConfigError, NodeUnavailable, RollupError, StoreError
from rollup.l1.client import L1Client
from rollup.ledger.types import Transaction
from rollup.node.api import make_app
from rollup.node.config import NodeConfig, deployment_of, load_deployment
from rollup.node.jobs import WorkerPool
from rollup.node.metrics import Metrics
from rollup.node.receipt import sign_receipt
from rollup.node.sender import Sender
from rollup.node.sequencer import Sequencer
from rollup.node.store import Store
from rollup.node.watcher import Watcher
from verifier import jsonsafe

log = logging.getLogger("zkdx.node")
TICK = 0.05  # seconds between seal / L1 queue checks
L1_LOOPS = ("watcher", "sender")
MAX_WAITING = 10_000  # submissions waiting for the sequencer; beyond it: 503, not unbounded memory


class Node:
    def __init__(self, cfg: NodeConfig, passphrase: bytes) -> None:
        self.cfg, self.params = cfg, cfg.params()
        self.info = load_deployment(cfg)
        self.deployment = deployment_of(self.info)
        secret = keystore.load(cfg.path(cfg.keys.operator), passphrase, "secp256k1")
        self.operator = Account.from_key(secret)
        self.store = Store(cfg.store_path)
        self.metrics = Metrics()
        seq = cfg.sequencer
        self.sequencer = Sequencer(self.store, self.params, self._sign, seq.seal_seconds, seq.batch_clock)
        self.sequencer.warm_up()
        self.sequencer.frozen = bool(self.store.events("Frozen", 1))
        self.intake: asyncio.Queue = asyncio.Queue(maxsize=MAX_WAITING)
        self.workers = WorkerPool(cfg.dir, cfg.prover.workers)
        self.l1_state: dict[str, dict] = {name: {"ok": None, "error": None, "last_ok": None} for name in L1_LOOPS}
        self.sender = Sender(
            Store(cfg.store_path), self._l1(), self.operator, cfg.l1.gas_limit, cfg.l1.retry_seconds, self._accepted
        )
        self.watcher = Watcher(
            Store(cfg.store_path), self._l1(), self.info["block"], cfg.l1.confirmations, self._l1_event
        )
        self.stopping = asyncio.Event()
        self.tasks: dict[str, asyncio.Task] = {}

    def _l1(self) -> L1Client:
        """A client of its own (threads do not share one); no connection is made until used."""
        w3 = Web3(Web3.HTTPProvider(self.cfg.l1.url, request_kwargs={"timeout": 30}))
        return L1Client(w3, self.deployment)

    def _sign(self, seq: int, tx_hash: str, batch: int) -> dict:
        return sign_receipt(self.operator, self.deployment.rollup, seq, tx_hash, batch)

    # ---- intake ------------------------------------------------------------------------------
    async def submit(self, tx: Transaction) -> dict:
        """The receipt once the transaction's row is committed; raises the refusal otherwise."""
        if self.stopping.is_set():
            raise NodeUnavailable("the node is shutting down")
        fut = asyncio.get_running_loop().create_future()
        try:
            self.intake.put_nowait((tx, fut, time.perf_counter()))
        except asyncio.QueueFull:
            raise NodeUnavailable(f"{MAX_WAITING} submissions are waiting: try again shortly") from None
        return await fut

    async def _intake_loop(self) -> None:
        while True:
            group = [await self.intake.get()]
            while len(group) < self.cfg.sequencer.max_group and not self.intake.empty():
                group.append(self.intake.get_nowait())
            try:
                self._process(group)
            except Exception:  # a bug must not stop intake: these callers get a refusal, later ones are served
                log.exception("intake: unexpected error")
                _fail_all(group, NodeUnavailable("internal error taking these transactions (logged)"))

    def _process(self, group: list) -> None:
        while group:
            if self.sequencer.room == 0 and not self._seal():
                _fail_all(group, NodeUnavailable("the open batch is full and cannot be sealed (store failing)"))
                return
            chunk, group = group[: self.sequencer.room], group[self.sequencer.room :]
            try:
                results = self.sequencer.submit([tx for tx, _, _ in chunk])
            except (StoreError, NodeUnavailable) as exc:
                log.error("intake: %s", exc)
                _fail_all(chunk, exc)
                continue
            for (_, fut, t0), res in zip(chunk, results):
                self._answer(fut, t0, res)
        if self.sequencer.room == 0:
            self._seal()

    def _answer(self, fut: asyncio.Future, t0: float, res: object) -> None:
        if fut.done():  # the client went away
            return
        if isinstance(res, InvalidTransaction):
            self.metrics.refused.labels(type(res).__name__).inc()
            fut.set_exception(res)
        else:
            self.metrics.acknowledged.labels("api").inc()
            self.metrics.ack_seconds.observe(time.perf_counter() - t0)
            fut.set_result(res.receipt)

    def _seal(self) -> bool:
        try:
            number = self.sequencer.seal()
        except StoreError as exc:
            log.error("seal: %s", exc)
            return False
        if number is not None:
            log.info("sealed batch %d (root %#x)", number, self.sequencer.sealed.root)
        return True

    async def _tick_loop(self) -> None:
        """Include L1 queue items, seal what is due, refresh gauges."""
        last_gauges = 0.0
        while True:
            try:
                while self.sequencer.include_queue():
                    self.metrics.acknowledged.labels("l1").inc()
                    if self.sequencer.room == 0:
                        self._seal()
            except StoreError as exc:
                log.error("L1 queue: %s", exc)
            if self.sequencer.due():
                self._seal()
            if time.monotonic() - last_gauges > 1.0:
                last_gauges = time.monotonic()
                self._gauges()
            await asyncio.sleep(TICK)

    async def _worker_loop(self) -> None:
        self.store.release_jobs()  # claims of the previous run's workers (they died with it)
        self.workers.start()
        while True:
            await asyncio.sleep(1.0)
            self.workers.restart_dead()

    def _gauges(self) -> None:
        seq = self.sequencer
        counts = self.store.counts(("batches",))["batches"]
        self.metrics.depths(len(seq.open), len(seq.soft.pending), counts)

    # ---- L1 ------------------------------------------------------------------------------------
    async def _l1_loop(self, name: str, step: Callable[[], object]) -> None:
        state = self.l1_state[name]
        while True:
            try:
                await asyncio.to_thread(step)
                state.update(ok=True, error=None, last_ok=time.time())
            except Exception as exc:  # L1 down or a store error: recorded, retried next poll
                if state["error"] is None:
                    log.warning("%s: %s", name, " ".join(str(exc).split())[:300])
                state.update(ok=False, error=f"{name}: {type(exc).__name__}: {exc}"[:300])
            await asyncio.sleep(self.cfg.l1.poll_seconds)

    def _l1_summary(self) -> dict:
        states = self.l1_state.values()
        oks = [s["ok"] for s in states]
        ok = None if None in oks else all(oks)
        return {"ok": ok, "errors": [s["error"] for s in states if s["error"]], **self.l1_state}

    def _accepted(self, batch: dict, gas: int | None) -> None:
        log.info("batch %d accepted on L1 (root %#x, gas %s)", batch["number"], int(batch["new_root"]), gas)
        self.metrics.batch_accepted(batch, gas)

    def _l1_event(self, ev: dict) -> None:
        log.info("L1 event %s at block %d", ev["kind"], ev["block"])
        if ev["kind"] == "Frozen":
            self.sequencer.frozen = True

    # ---- reading (the API's NodeView) -------------------------------------------------------------
    def account(self, index: int) -> object:
        return self.sequencer.account(index)

    def state_summary(self) -> dict:
        seq, accepted = self.sequencer, self.store.last_batch("accepted")
        soft = seq.soft
        return {
            "domain": soft.domain,
            "root": soft.root,
            "sealed_root": seq.sealed.root,
            "accepted_root": int(accepted["new_root"]) if accepted else int(self.store.meta("genesis_root")),
            "batch": seq.batch,
            "sealed_batch": seq.sealed_batch,
            "accepted_batch": accepted["number"] if accepted else -1,
            "time": soft.time,
            "markets": [dataclasses.asdict(m) for m in soft.markets],
            "queue": {"consumed": soft.queue_consumed, "pending": len(soft.pending)},
            "frozen": seq.frozen,
            "rollup": self.deployment.rollup,
            "operator": self.operator.address,
        }

    def tx_status(self, tx_hash: str) -> dict | None:
        row = self.store.tx(tx_hash)
        if row is None:
            return None
        batch = self.store.batch(row["batch"]) or {}
        receipt = jsonsafe.loads(row["receipt"], StoreError) if row["receipt"] else None
        keys = ("seq", "batch", "status", "reason", "source", "queue_index")
        return {"tx_hash": tx_hash, **{k: row[k] for k in keys}, "receipt": receipt, "l1_tx": batch.get("l1_tx")}

    def batches(self, start: int, limit: int) -> list[dict]:
        return self.store.batches(start, limit)

    def health(self) -> dict:
        seq = self.sequencer
        failed = self.store.batches(status="failed")
        l1 = self._l1_summary()
        problems = [p for p in (self.sender.problem, seq.queue_error, *l1["errors"]) if p]
        problems += [f"batch {r['number']} failed to prove: {r['error']}" for r in failed]
        problems += [f"the {name} loop stopped: {t.exception()!r}" for name, t in self.tasks.items() if _died(t)]
        return {
            "status": "frozen" if seq.frozen else ("degraded" if problems else "ok"),
            "problems": problems,
            "open_batch": {"number": seq.batch, "transactions": len(seq.open)},
            "counts": self.store.counts(),
            "l1": l1,
            "workers": self.workers.alive(),
        }

    def metrics_text(self) -> bytes:
        return self.metrics.text()

    # ---- lifecycle ------------------------------------------------------------------------------------
    def check_clock(self) -> None:
        """NodeConfigError if the contract checks batch times (maxBatchLag > 0) while batches keep the
        ledger time (batch_clock = "ledger"): from genesis that time is 0, and later the last tick's,
        so batches would revert; an unreachable L1 is only logged (the node waits for it anyway)."""
        try:
            lag = self._l1().rollup.functions.maxBatchLag().call()
        except (RollupError, Web3Exception, OSError, ValueError) as exc:
            log.warning("node: could not read maxBatchLag (%s); batch_clock not checked", exc)
            return
        if lag and self.cfg.sequencer.batch_clock == "ledger":
            raise NodeConfigError(
                f"the rollup checks batch times (maxBatchLag = {lag} s): set [sequencer] batch_clock = "
                '"wall" in zkdx.toml, or batches timed by the ledger clock alone will revert'
            )

    async def run(self) -> int:
        self.check_clock()
        loop = asyncio.get_running_loop()
        got: list[int] = []
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, lambda s=sig: (got.append(s), self.stopping.set()))
        runner = web.AppRunner(make_app(self), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, self.cfg.api.host, self.cfg.api.port).start()
        log.info(
            "node: API on %s, operator %s, rollup %s", self.cfg.api_url, self.operator.address, self.deployment.rollup
        )
        loops = {
            "intake": self._intake_loop(),
            "tick": self._tick_loop(),
            "worker": self._worker_loop(),
            "watcher": self._l1_loop("watcher", self.watcher.step),
            "sender": self._l1_loop("sender", self.sender.step),
        }
        self.tasks = {name: asyncio.create_task(c) for name, c in loops.items()}
        try:
            await self.stopping.wait()
        finally:
            for t in self.tasks.values():
                t.cancel()
            await runner.cleanup()
            self.workers.stop()
        log.info("node: stopped")
        return 130 if got and got[0] == signal.SIGINT else 0


def _died(task: asyncio.Task) -> bool:
    return task.done() and not task.cancelled() and task.exception() is not None


def _fail_all(entries: list, exc: Exception) -> None:
    for _, fut, _ in entries:
        if not fut.done():
            fut.set_exception(exc)
