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

import json
import warnings
from dataclasses import dataclass
from pathlib import Path

from eth_account import Account
from py_ecc.optimized_bn128 import G1, G2

from circuits.examples import synthesize
from circuits.field import R
from circuits.ledger.params import LedgerParams
from circuits.ledger.state import header, public_input
from circuits.r1cs import Mode
from prover.prove import create_proof
from prover.setup import InsecureSetupWarning, setup
from rollup import keystore
from rollup.l1.client import L1Client
from rollup.l1.contracts import CONTRACTS, load_artifact, verifier_artifact
from rollup.l1.solc import compile_sources
from rollup.ledger.batch import BatchResult, process_batch
from rollup.ledger.demo import FAR, ORACLE
from rollup.ledger.signing import Wallet, funding_tick, oracle_tick, trade
from rollup.ledger.state import LedgerState
from rollup.ledger.transition import process_tx
from rollup.ledger.types import Deposit, ForcedExit
from verifier.types import Proof

PARAMS = LedgerParams(depth=2, batch_size=4)
TIMING = (1000, 500, 100)  # forced-exit delay, max pause, pause cooldown (seconds)
VOTE_WINDOW = 300
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

    def __init__(self, w3, verifier_kind: str, key: AnyInputKey | None, directory: Path, params=PARAMS):
        self.w3, self.key, self.params, self.dir = w3, key, params, directory
        acc = w3.eth.accounts
        self.operator, self.users = acc[0], acc[1:4]
        self.guardians = [new_guardian(w3, self.operator, directory, f"guardian{i}") for i in range(3)]
        self.l1 = L1Client(w3)
        self.verifier_art = accept_any_artifact() if verifier_kind == "accept-any" else verifier_artifact(key.pk.vk)
        verifier = self.l1._deploy(self.verifier_art, self.operator)
        token = self.l1._deploy(load_artifact("TestToken"), self.operator)
        config = [params.batch_size, params.num_accounts, *TIMING, VOTE_WINDOW, 0]
        parts = (verifier, verifier, token, self.operator)
        self.l1.deploy_rollup(params, parts, config, [g for g, _ in self.guardians], 2)
        self.domain = self.l1.domain()
        self.state = LedgerState.genesis(params, self.domain)
        self.wallets = [Wallet(f"monitor trader {i}".encode()) for i in range(len(self.users))]
        self.bad_batches: list[int] = []

    # ---- L1 users -----------------------------------------------------------------------
    def register_and_deposit(self, amount: int = 1_000_000) -> None:
        for user, wallet in zip(self.users, self.wallets):
            self.l1.fund(user, 10 * amount)
            account = self.l1.register(user, wallet.pubkey)
            self.l1.deposit(user, account, amount)
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
            tx = make(scratch)
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
        return lambda st: ForcedExit(account)

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
        k = sum(1 for off in range(1, len(data), 20) if data[off] >> 4 in (1, 7, 8))
        heads = self.l1.rollup.functions.queueHeadAt
        return heads(consumed).call(), heads(consumed + k).call()


def write_config(path: Path, **cfg) -> Path:
    path.write_text(json.dumps(cfg, indent=1))
    return path
