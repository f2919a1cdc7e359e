"""Chains for the watchers' tests, deployed on a hardhat node without proving the batch circuit.

The rollup is deployed (``L1Client.deploy_rollup``) around one of two verifiers:
  * "any-input": the Groth16 verifier of a circuit that constrains nothing but its one public
    input, so any public input has a valid proof (set up and proved in milliseconds).  Honest
    batches carry real proofs that the Python verifier accepts; it is the extreme case of
    "a circuit built with constraints removed";
  * "accept-any": ``contracts/test/AcceptAnyVerifier.sol``, which returns true for anything.
Both stand for a soundness bug: the operator can post a root the ledger rules do not give.
``OperatorChain`` runs honest batches through the spec (``process_batch``) and can post a bad root.
"""

from __future__ import annotations

import functools
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
import warnings
from dataclasses import dataclass
from pathlib import Path

from eth_account import Account
from py_ecc.optimized_bn128 import G1, G2

from circuits.examples import synthesize
from circuits.field import R
from circuits.ledger.params import RECORD_BYTES, LedgerParams, TxType
from circuits.ledger.state import header, public_input
from circuits.r1cs import Mode
from prover.prove import create_proof
from prover.setup import InsecureSetupWarning, setup
from rollup import keystore
from rollup.l1.client import L1Client, connect, exit_slots
from rollup.l1.contracts import CONTRACTS, load_artifact, verifier_artifact
from rollup.l1.solc import compile_sources
from rollup.ledger.batch import BatchResult, process_batch
from rollup.ledger.batch_data import HEAD_BYTES
from rollup.ledger.demo import FAR, ORACLE
from rollup.ledger.forced import queue_txs
from rollup.ledger.signing import Wallet, funding_tick, oracle_tick, trade
from rollup.ledger.state import LedgerState
from rollup.ledger.transition import process_tx
from rollup.ledger.types import Deposit, ForcedExit
from verifier.types import Proof

PARAMS = LedgerParams(depth=2, batch_size=4)
TIMING = (1000, 500, 100)  # forced-exit delay, max pause, pause cooldown (seconds)
VOTE_WINDOW = 300
ITEM_DELAY = 60  # the forced-exit deadline grows by this for each queue item ahead
PASSPHRASE = b"monitor test passphrase"
JUNK_PROOF = Proof(G1, G2, G1)  # generators: well-formed points  # well-formed points, valid for nothing


@dataclass(frozen=True)
class AnyInputCircuit:
    """One public input and one constraint that holds for every value: proves anything."""

    value: int | None = None

    def generate_constraints(self, cs) -> None:
        x = cs.new_input("input", lambda: self.value)
        cs.enforce(x, cs.one(), x, "input=input")


class AnyInputKey:
    def __init__(self):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", InsecureSetupWarning)
            self.pk = setup(synthesize(AnyInputCircuit(), Mode.SETUP).to_matrices(), quiet=True, workers=1)

    def prove(self, value: int) -> Proof:
        cs = synthesize(AnyInputCircuit(value))
        return create_proof(self.pk, cs.to_matrices(), cs.assignment(), workers=1)


@functools.cache
def accept_any_artifact() -> dict:
    source = (CONTRACTS / "test" / "AcceptAnyVerifier.sol").read_text()
    return compile_sources({"AcceptAnyVerifier.sol": source})["AcceptAnyVerifier"]


def new_guardian(w3, funder: str, directory: Path, name: str) -> tuple[str, Path]:
    """A fresh secp256k1 key in an encrypted keystore, its address funded with 10 ETH."""
    acct = Account.create()
    path = directory / f"{name}.key.json"
    keystore.save(path, bytes(acct.key), PASSPHRASE, "secp256k1", name)
    w3.eth.wait_for_transaction_receipt(w3.eth.send_transaction({"from": funder, "to": acct.address, "value": 10**19}))
    return acct.address, path


class OperatorChain:
    """A rollup on a dev chain with an operator that posts batches made by the spec."""

    def __init__(self, url: str, verifier_kind: str, key: AnyInputKey | None, directory: Path, params=PARAMS):
        self.url, self.w3 = url, connect(url)
        w3, self.key, self.params, self.dir = self.w3, key, params, directory
        acc = w3.eth.accounts
        self.operator, self.users = acc[0], acc[1:4]
        self.guardians = [new_guardian(w3, self.operator, directory, f"guardian{i}") for i in range(3)]
        self.l1 = L1Client(w3)
        self.verifier_art = accept_any_artifact() if verifier_kind == "accept-any" else verifier_artifact(key.pk.vk)
        verifier = self.l1._deploy(self.verifier_art, self.operator)
        token = self.l1._deploy(load_artifact("TestToken"), self.operator)
        config = [params.batch_size, params.num_accounts, *TIMING, VOTE_WINDOW, 0, ITEM_DELAY, 0, exit_slots(params)]
        parts = (verifier, verifier, token, self.operator)
        self.l1.deploy_rollup(params, parts, config, [g for g, _ in self.guardians], 2)
        self.domain = self.l1.domain()
        self.state = LedgerState.genesis(params, self.domain)
        self.wallets = [Wallet(f"monitor trader {i}".encode()) for i in range(len(self.users))]
        self.bad_batches: list[int] = []

    # ---- L1 users -----------------------------------------------------------------------
    def register_and_deposit(self, amount: int = 1_000_000, backstop: bool = False) -> None:
        """The users' accounts, each funded; with backstop, then the operator's backstop account too
        (the tree's last index: forced exits close into it)."""
        for user, wallet in zip(self.users, self.wallets):
            self.l1.fund(user, 10 * amount)
            account = self.l1.register(user, wallet.pubkey)
            self.l1.deposit(user, account, amount)
        if backstop:
            self.l1.fund(self.operator, amount)
            index = self.l1.register_backstop(self.operator, Wallet(b"monitor backstop").pubkey)
            self.l1.deposit(self.operator, index, amount)
        self.sync()

    def sync(self) -> None:
        known = self.state.queue_consumed + len(self.state.pending)
        for item in self.l1.new_queue_items(known):
            self.state.enqueue(item)

    def now(self) -> int:
        return self.w3.eth.get_block("latest")["timestamp"]

    # ---- transactions, signed against the state they will meet ----------------------------
    def build(self, *makers) -> list:
        """Transactions from makers (each: scratch state -> tx), applied in order to a scratch copy."""
        scratch, txs = self.state.copy(), []
        for make in makers:
            made = make(scratch)
            for tx in made if isinstance(made, list) else [made]:
                process_tx(scratch, tx)
                txs.append(tx)
        return txs

    def tick(self, market: int, price: int, timestamp: int | None = None):
        return lambda st: oracle_tick(self.domain, ORACLE, market, price, timestamp or max(st.time + 1, self.now()))

    def trade(self, market: int, buyer: int, seller: int, amount: int, price: int):
        w = self.wallets
        return lambda st: trade(st, w[buyer], w[seller], (market, buyer, seller, amount, price), FAR)

    def funding(self, market: int, delta: int):
        return lambda st: funding_tick(st, ORACLE, market, delta)

    def withdraw(self, account: int, amount: int):
        return lambda st: self.wallets[account].withdraw(st, account, amount, FAR)

    def liquidate(self, market: int, target: int, liquidator: int, amount: int):
        return lambda st: self.wallets[liquidator].liquidate(st, market, target, liquidator, amount, FAR)

    def forced_exit(self, account: int):
        """The exit at the queue head with the forced closes it needs first (a list of transactions)."""
        return lambda st: queue_txs(st, st.pending[0]) if st.pending[0].account == account else [ForcedExit(account)]

    def next_deposit(self):
        return lambda st: Deposit(st.pending[0].account, st.pending[0].amount, st.pending[0].pubkey)

    # ---- batches ---------------------------------------------------------------------------
    def proof_for(self, value: int) -> Proof:
        return self.key.prove(value) if self.key is not None else JUNK_PROOF

    def post(self, *makers) -> BatchResult:
        """An honest batch of these transactions, proved (any-input key) and accepted."""
        self.sync()
        res = process_batch(self.state, self.build(*makers))
        self.l1.submit_batch(self.operator, res.new_root, res.data, self.proof_for(res.public_input))
        self.state = res.state
        return res

    def post_bad_root(self, *makers) -> int:
        """A batch whose posted root is not the one the rules give; returns its block."""
        self.sync()
        res = process_batch(self.state, self.build(*makers))
        bad = (res.new_root + 1) % R
        value = public_input(header(res.old_root, bad, res.queue_before, res.queue_after), res.data)
        receipt = self.l1.submit_batch(self.operator, bad, res.data, self.proof_for(value))
        self.bad_batches.append(self.l1.batch_count() - 1)
        return receipt["blockNumber"]

    def post_raw(self, new_root: int, data: bytes) -> int:
        """Any root and data the verifier lets through (for decode and queue scenarios)."""
        value = public_input(header(self.l1.state_root(), new_root, *self._heads(data)), data)
        return self.l1.submit_batch(self.operator, new_root, data, self.proof_for(value))["blockNumber"]

    def _heads(self, data: bytes) -> tuple[int, int]:
        consumed = self.l1.rollup.functions.queueConsumed().call()
        k = sum(1 for off in range(HEAD_BYTES, len(data), RECORD_BYTES) if data[off] >> 4 in TxType.QUEUED)
        heads = self.l1.rollup.functions.queueHeadAt
        return heads(consumed).call(), heads(consumed + k).call()


class MonitorProcess:
    """``zkdx monitor --config`` as a subprocess (its own process group), alerts read from its stdout."""

    def __init__(self, directory: Path, name: str, cfg: dict) -> None:
        self.config, self.out = directory / f"{name}.json", directory / f"{name}.out"
        self.config.write_text(json.dumps(cfg, indent=1))
        env = {**os.environ, "ZKDX_GUARDIAN_PASSPHRASE": PASSPHRASE.decode()}
        cmd = [sys.executable, "-m", "rollup.cli.main", "monitor", "--config", str(self.config)]
        with open(self.out, "wb") as out, open(directory / f"{name}.err", "wb") as err:
            self.proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err, start_new_session=True)

    def alerts(self) -> list[dict]:
        lines = self.out.read_text().splitlines() if self.out.exists() else []
        return [json.loads(line) for line in lines if line.startswith("{")]

    def checked_block(self) -> int:
        """The monitor's last checked block, from its /metrics (-1 before it serves them)."""
        urls = [a["url"] for a in self.alerts() if a.get("alert") == "metrics"]
        if not urls:
            return -1
        with urllib.request.urlopen(urls[0] + "metrics", timeout=5) as resp:
            text = resp.read().decode()
        line = next(x for x in text.splitlines() if x.startswith("zkdx_monitor_last_checked_block "))
        return int(float(line.split()[1]))

    def stop(self) -> int:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        return self.proc.returncode


def wait_for(condition, timeout: float, what: str, poll: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout} s")
        time.sleep(poll)


class MonitorThreads:
    """The same monitors in this process: one thread, connection and guardian key each."""

    def __init__(self, chain: OperatorChain) -> None:
        from rollup.monitor.alerts import AlertSink
        from rollup.monitor.config import MonitorConfig
        from rollup.monitor.metrics import Metrics
        from rollup.monitor.watch import Monitor

        cfg = MonitorConfig(rpc=chain.url, rollup=chain.l1.deployment.rollup, poll_seconds=0.1)
        keys = [keystore.load(path, PASSPHRASE, "secp256k1") for _, path in chain.guardians]
        self.monitors = [Monitor(cfg, AlertSink(stream=io.StringIO()), Metrics(), key) for key in keys]
        self.stop_event = threading.Event()
        self.threads = [threading.Thread(target=m.run, args=(self.stop_event,), daemon=True) for m in self.monitors]
        for t in self.threads:
            t.start()

    def alerts(self, i: int) -> list[dict]:
        return [a.to_json() for a in self.monitors[i].sink.sent]

    def stop(self) -> None:
        self.stop_event.set()
        for t in self.threads:
            t.join(30)


def guardian_monitors(chain: OperatorChain, directory: Path, **extra) -> list[MonitorProcess]:
    """One monitor process per guardian key of the chain, polling every 0.1 s."""
    procs = []
    for i, (_, key) in enumerate(chain.guardians):
        cfg = {"rpc": chain.url, "rollup": chain.l1.deployment.rollup, "poll_seconds": 0.1}
        cfg |= {"guardian": {"keystore": str(key)}, **extra}
        procs.append(MonitorProcess(directory, f"monitor{i}", cfg))
    return procs
