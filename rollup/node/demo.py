"""``zkdx demo``: the rollup running, end to end, on a fresh hardhat node.

hardhat node -> ``zkdx init`` (dev setup, deployment) -> ``zkdx node`` (a subprocess); three
users register and deposit on L1; oracle ticks, RFQ trades with their soft confirmations, a
funding tick, a price move and a liquidation, a withdrawal claimed on L1 and a forced exit
served, all through the node's API or L1; every batch is proven and accepted on L1 as it
goes.  Then the node is killed (SIGKILL, all its processes) with transactions acknowledged
in an open batch, restarted, and shown to converge with nothing lost.  The demo keeps its
own replica of the ledger (the spec applied to what it sends) only to sign against the
right nonces; the node is the judge.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from circuits.ledger.params import TxType
from rollup.errors import OperatorNodeError
from rollup.l1.client import L1Client, connect
from rollup.l1.devnode import hardhat_node
from rollup.ledger.forced import queue_txs
from rollup.ledger.signing import Wallet, funding_tick, oracle_tick, trade
from rollup.ledger.state import LedgerState
from rollup.ledger.transition import process_tx
from rollup.ledger.types import Deposit, QueueItem, Transaction
from rollup.node import bootstrap
from rollup.node.client import NodeClient
from rollup.node.config import deployment_of, load, load_deployment
from rollup.node.demo_report import Timeline

PASSPHRASE = "zkdx demo passphrase (INSECURE)"
FAR = 1 << 40
DEPOSIT = 1_000_000
SEAL_SECONDS = 30.0  # batches here seal when full; the last one waits for the forced exit


class Demo:
    def __init__(self, directory: Path, url: str, timeline: Timeline) -> None:
        self.dir, self.url, self.t = directory, url, timeline
        self.cfg = load(directory)
        self.params = self.cfg.params()
        self.api = NodeClient(self.cfg.api_url)
        self.oracle = Wallet(bootstrap.oracle_secret(self.cfg, PASSPHRASE.encode()))
        self.clock = 1_700_000_000
        self.w3 = connect(url)
        self.l1 = L1Client(self.w3, deployment_of(load_deployment(self.cfg)))
        self.replica = LedgerState.genesis(self.params, self.l1.domain())
        self.users = self.w3.eth.accounts[4:7]  # accounts 1-3 are the guardians
        self.wallets = [Wallet(f"zkdx demo trader {i}".encode()) for i in range(len(self.users))]
        self.node: subprocess.Popen | None = None

    # ---- the node process -------------------------------------------------------------------
    def start_node(self) -> None:
        env = {**os.environ, "ZKDX_PASSPHRASE": PASSPHRASE}
        cmd = [sys.executable, "-m", "rollup.cli.main", "node", "--dir", str(self.dir)]
        with open(self.dir / "node.log", "ab") as log:  # the child keeps its own descriptor
            self.node = subprocess.Popen(cmd, env=env, stdout=log, stderr=log, start_new_session=True)
        self.api.wait_until_up(120)
        self.t.say(f"node up (pid {self.node.pid}), API {self.cfg.api_url}; log in {self.dir / 'node.log'}")

    def kill_node(self) -> None:
        """SIGKILL the node and every process it started (its process group)."""
        if self.node is not None and self.node.poll() is None:
            os.killpg(self.node.pid, signal.SIGKILL)
            self.node.wait()

    # ---- sending ----------------------------------------------------------------------------------
    def send(self, tx: Transaction, what: str) -> dict:
        process_tx(self.replica, tx)  # the replica refuses first if the demo got a rule wrong
        start = time.perf_counter()
        receipt = self.api.submit(tx)
        self.t.ack(time.perf_counter() - start)
        self.t.say(f"{what}: acknowledged, seq {receipt['seq']} -> batch {receipt['batch']} (signed receipt)")
        return receipt

    def tick(self, market: int, price: int, later: int = 10) -> dict:
        """An oracle tick `later` seconds after the previous one (oracle time, not wall time)."""
        self.clock += later
        tx = oracle_tick(self.replica.domain, self.oracle, market, price, self.clock)
        return self.send(tx, f"oracle: market {market} at {price:,}")

    def funding(self, market: int, delta: int) -> dict:
        tx = funding_tick(self.replica, self.oracle, market, delta)
        side = "longs pay shorts" if delta > 0 else "shorts pay longs"
        return self.send(tx, f"funding: market {market} index {delta:+,} ({side}; signed by the oracle)")

    def trade(self, market: int, buyer: int, seller: int, amount: int, price: int) -> dict:
        w = self.wallets
        tx = trade(self.replica, w[buyer], w[seller], (market, buyer, seller, amount, price), FAR)
        return self.send(tx, f"trade: {buyer} buys {amount} of market {market} from {seller} at {price:,}")

    # ---- L1 users -------------------------------------------------------------------------------------
    def onboard(self) -> None:
        for k, (user, wallet) in enumerate(zip(self.users, self.wallets)):
            self.l1.fund(user, DEPOSIT)
            account = self.l1.register(user, wallet.pubkey)
            receipt = self.l1.deposit(user, account, DEPOSIT)
            self.replica.enqueue(QueueItem(TxType.DEPOSIT, account, DEPOSIT, wallet.pubkey))
            process_tx(self.replica, Deposit(account, DEPOSIT, wallet.pubkey))
            if account != k:
                raise OperatorNodeError(f"the demo needs a fresh rollup: user {k} got account {account}")
            self.t.say(f"L1: user {user[:10]}… registered account {account}, deposited {DEPOSIT:,} "
                       f"(gas {receipt['gasUsed']:,})")  # fmt: skip
        self.wait_for(lambda: self.api.state()["queue"]["consumed"] >= len(self.users), "deposits included")

    def forced_exit(self, account: int) -> None:
        index = self.l1.request_forced_exit(self.users[account], account)
        item = QueueItem(TxType.FORCED_EXIT, account)
        self.replica.enqueue(item)
        for tx in queue_txs(self.replica, item):  # the node plans the same closes from the same state
            process_tx(self.replica, tx)
        self.t.say(f"L1: account {account} requests a forced exit (queue item {index}): the node must include it")
        self.wait_for(lambda: self.api.state()["queue"]["consumed"] > index, "forced exit included")

    def claim(self, account: int, what: str) -> None:
        user = self.users[account]
        before = self.l1.token_balance(user)
        self.l1.claim(user)
        self.t.say(f"L1: account {account}'s owner claimed {self.l1.token_balance(user) - before:,}: {what}")

    # ---- waiting ----------------------------------------------------------------------------------------
    def wait_for(self, predicate, what: str, timeout: float = 900) -> None:  # noqa: ANN001
        deadline = time.monotonic() + timeout
        while not predicate():
            self.t.poll_batches(self.api)
            if self.node is not None and self.node.poll() is not None:
                raise RuntimeError(f"the node exited ({self.node.returncode}) while waiting for: {what}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"demo: waited {timeout:.0f} s for: {what}")
            time.sleep(0.3)
        self.t.poll_batches(self.api)

    def all_accepted(self) -> bool:
        state = self.api.state()
        return (
            state["accepted_batch"] == state["sealed_batch"]
            and state["batch"] == state["sealed_batch"] + 1
            and (self.api.health()["open_batch"]["transactions"] == 0)
        )

    # ---- the story ------------------------------------------------------------------------------------
    def run(self) -> None:
        """Three batches of 4: deposits + a tick; ticks, trades, funding; then a price drop, the
        liquidation and a withdrawal, the node killed with them acknowledged in the open batch,
        restarted, and a forced exit from L1 completing that batch."""
        self.start_node()
        self.onboard()
        self.tick(0, 3_000_000)
        self.tick(1, 2_000_000, later=890)  # within max_price_age (900 s) of market 0's tick: both fresh
        self.trade(0, 0, 1, 600, 3_000_000)  # account 0: long 600 at 20x leverage
        self.trade(1, 2, 1, 50, 2_000_000)
        self.funding(0, 7)  # 7 a size unit of 30,000 after 890 s: 0.023% (the cap is 0.1% an hour)
        self.tick(0, 2_900_000)  # the price falls: account 0 is below maintenance margin
        liq = self.wallets[2].liquidate(self.replica, 0, 0, 2, 300, FAR)
        self.send(liq, "liquidation: account 2 takes 300 of account 0's long at the oracle price")
        withdraw = self.wallets[1].withdraw(self.replica, 1, 100_000, FAR)
        self.send(withdraw, "withdrawal: account 1 takes 100,000 out")
        self.t.say("killing the node (SIGKILL, all its processes) with 3 transactions acknowledged in an open batch")
        self.kill_node()
        self.start_node()
        self.forced_exit(1)
        self.wait_for(self.all_accepted, "every acknowledged transaction accepted on L1")
        self.claim(1, "the withdrawal and the forced exit's payout")
        self.t.converged(self.api, self.l1)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_demo(directory: Path, *, depth: int, batch_size: int, json_out: str | None = None) -> int:
    from rollup.cli.main import main as zkdx

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean up (node, hardhat) on SIGTERM too
    timeline = Timeline()
    if directory.exists():
        shutil.rmtree(directory)
    with hardhat_node() as url:
        timeline.say(f"hardhat node on {url}")
        os.environ["ZKDX_PASSPHRASE"] = PASSPHRASE  # this process only: the demo's keys are throwaway
        args = ["init", "--dir", str(directory), "--l1-url", url, "--depth", str(depth)]
        args += ["--batch-size", str(batch_size), "--seal-seconds", str(SEAL_SECONDS), "--port", str(_free_port())]
        timeline.say("$ zkdx " + " ".join(args))
        if zkdx(args) != 0:
            return 2
        demo = Demo(directory, url, timeline)
        try:
            demo.run()
        finally:
            demo.kill_node()
    timeline.summary(json_out)
    return 0
