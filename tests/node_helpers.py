"""Shared set-up for the node tests: tiny ledger parameters, one proving key per test process
(a seeded setup, cached under a temporary directory), node directories, and a node subprocess.

Tiny parameters (4^2 accounts, 1 slot) keep a proof at ~15 s on 2 cores; the oracle key is
fixed so every directory shares the one proving key.
"""

from __future__ import annotations

import asyncio
import atexit
import functools
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import warnings
from pathlib import Path

from circuits.ledger.params import LedgerParams
from circuits.native import eddsa
from prover.keys import load_proving_key, save_proving_key
from prover.setup import InsecureSetupWarning, Trapdoor
from rollup.ledger.demo import DEMO_DOMAIN
from rollup.ledger.signing import Wallet, oracle_tick
from rollup.node import bootstrap
from rollup.node.config import ApiConfig, L1Config, NodeConfig, SequencerConfig
from rollup.pipeline import setup_batch

ORACLE_SECRET = b"zkdx node tests: oracle"
PASSPHRASE = b"node tests passphrase"
ORACLE = Wallet(ORACLE_SECRET)
PARAMS = LedgerParams(depth=2, batch_size=1, oracle_key=eddsa.public_key(ORACLE_SECRET))
TEST_TIMING = (1000, 500, 100)  # forced-exit delay, max pause, pause cooldown (s)


@functools.cache
def _cache_dir() -> Path:
    d = Path(tempfile.mkdtemp(prefix="zkdx-node-tests-"))
    atexit.register(shutil.rmtree, d, True)
    return d


@functools.cache
def proving_key_file(params: LedgerParams = PARAMS) -> Path:
    """A seeded dev setup for params, once per test process."""
    path = _cache_dir() / f"{params.key()}.pk"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsecureSetupWarning)
        pk = setup_batch(params, Trapdoor.from_seed(b"zkdx node tests"), quiet=True)
    save_proving_key(pk, path)
    return path


@functools.cache
def proving_key(params: LedgerParams = PARAMS):
    return load_proving_key(proving_key_file(params))


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def node_dir(
    path: Path,
    url: str = "http://127.0.0.1:9",
    *,
    params: LedgerParams = PARAMS,
    key: bool = True,
    store: bool = True,
    seal_seconds: float = 0.5,
    **l1: object,
) -> NodeConfig:
    """A node directory with tiny parameters and fast polling (not deployed: see ``deploy``);
    ``key=False`` skips the proving key (tests that run no prover); ``store=False`` leaves the store to
    ``deploy`` (its genesis takes the contract's signature domain), else it is built under DEMO_DOMAIN."""
    sections = {
        "l1": L1Config(url=url, poll_seconds=0.2, retry_seconds=1.0, **l1),
        "api": ApiConfig(port=free_port()),
        "sequencer": SequencerConfig(seal_seconds=seal_seconds),
    }
    cfg = bootstrap.write_directory(path, params, PASSPHRASE, sections, oracle=ORACLE_SECRET)
    if key:
        shutil.copy(proving_key_file(params), cfg.path(cfg.prover.proving_key))
    if store:
        bootstrap.create_store(cfg, DEMO_DOMAIN)
    return cfg


def deploy(cfg: NodeConfig) -> dict:
    """Deploy for cfg with one guardian (the dev chain's account 1) and short test timings."""
    operator = bootstrap.operator_account(cfg, PASSPHRASE)
    return bootstrap.deploy(cfg, operator, None, 1, TEST_TIMING)


def tick(cfg_or_params: NodeConfig | LedgerParams, timestamp: int, price: int = 3_000_000, market: int = 0):
    """A demo-oracle tick under the domain of cfg's store, or DEMO_DOMAIN for bare params."""
    domain = bootstrap.domain_of(cfg_or_params) if isinstance(cfg_or_params, NodeConfig) else DEMO_DOMAIN
    return oracle_tick(domain, ORACLE, market, price, timestamp)


class NodeProcess:
    """``zkdx node`` as a subprocess (own process group, killed with its workers on stop)."""

    def __init__(self, cfg: NodeConfig, crash_at: str | None = None) -> None:
        env = {**os.environ, "ZKDX_PASSPHRASE": PASSPHRASE.decode(), "ZKDX_WORKERS": "2"}
        env.pop("ZKDX_CRASH_AT", None)
        if crash_at:
            env["ZKDX_CRASH_AT"] = crash_at
        self.log = open(cfg.path("node.log"), "ab")  # closed in stop()
        cmd = [sys.executable, "-m", "rollup.cli.main", "node", "--dir", str(cfg.dir)]
        self.proc = subprocess.Popen(cmd, env=env, stdout=self.log, stderr=self.log, start_new_session=True)

    def wait(self, timeout: float) -> int:
        return self.proc.wait(timeout=timeout)

    def stop(self) -> None:
        """SIGTERM the node, then SIGKILL whatever is left of its process group."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        self.log.close()


class ServedNode:
    """A node object serving its API from a background thread (intake and sealing; no L1 loops, no
    provers): for CLI tests and the acknowledgement benchmark.  ``with ServedNode(cfg) as node:``"""

    def __init__(self, cfg: NodeConfig) -> None:
        from rollup.node.service import Node

        self.cfg, self.loop = cfg, asyncio.new_event_loop()
        self.node = Node(cfg, PASSPHRASE)

    async def _start(self) -> None:
        from aiohttp import web

        from rollup.node.api import make_app

        self.tasks = [asyncio.create_task(c) for c in (self.node._intake_loop(), self.node._tick_loop())]
        self.runner = web.AppRunner(make_app(self.node), access_log=None)
        await self.runner.setup()
        await web.TCPSite(self.runner, self.cfg.api.host, self.cfg.api.port).start()

    async def _stop(self) -> None:
        for t in self.tasks:
            t.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await self.runner.cleanup()

    def __enter__(self):
        self.loop.run_until_complete(self._start())
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        return self.node

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self.loop).result(timeout=30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=30)
        self.loop.close()
        self.node.store.close()
