"""L1 gas on a hardhat node (pinned, started here on loopback), written to benchmarks/results/gas.json.

    python benchmarks/gas.py [--depth 8] [--sizes 1,4,16]

For each batch size: a dev setup, a batch of trades proved by our prover, and
submitBatch's gas split into intrinsic, calldata, proof verification (the verifier
called on its own), the Poseidon header and the rest (SHA-256, record parsing,
storage).  Also: deploy gas per contract, register, deposit, forced-exit request,
claim, freeze and escape.  Nothing is asserted; figures are from one run.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from circuits.ledger.params import LedgerParams  # noqa: E402
from prover.setup import InsecureSetupWarning  # noqa: E402
from rollup.l1.client import L1Client, advance_time, connect  # noqa: E402
from rollup.l1.contracts import load_artifact  # noqa: E402
from rollup.l1.devnode import hardhat_node  # noqa: E402
from rollup.ledger.batch import process_batch  # noqa: E402
from rollup.ledger.demo import World, trades  # noqa: E402
from rollup.ledger.escape import exit_for  # noqa: E402
from rollup.ledger.state import LedgerState  # noqa: E402
from rollup.ledger.types import Deposit  # noqa: E402
from rollup.pipeline import prove_batch, prove_exit, setup_batch, setup_exit  # noqa: E402  # noqa: E402
from verifier.formats import proof_to_calldata  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "gas.json"
INTRINSIC = 21_000


def calldata_gas(data: bytes) -> int:
    return sum(4 if b == 0 else 16 for b in data)


def _tx(w3, to: str, data: bytes, gas: int = 3_000_000) -> int:
    tx = w3.eth.send_transaction({"from": w3.eth.accounts[0], "to": to, "data": data, "gas": gas})
    return w3.eth.wait_for_transaction_receipt(tx)["gasUsed"]


def _data(fn) -> bytes:
    return bytes.fromhex(fn._encode_transaction_data().removeprefix("0x"))


def execution_gas(w3, to: str, fn) -> int:
    """A call's gas without intrinsic and calldata costs."""
    data = _data(fn)
    return _tx(w3, to, data) - INTRINSIC - calldata_gas(data)


def poseidon_gas(l1: L1Client) -> int:
    """One PoseidonT5 hash (the header of a batch, the chain step of a queue item)."""
    address = l1.rollup.functions.poseidon().call()
    contract = l1.w3.eth.contract(address=address, abi=load_artifact("PoseidonT5")["abi"])
    return execution_gas(l1.w3, address, contract.functions.hash([1, 2, 3, 4]))


def _proof_args(proof, public: int) -> tuple:
    w = proof_to_calldata(proof)
    return [w[0], w[1]], [[w[2], w[3]], [w[4], w[5]]], [w[6], w[7]], [public]


class Bench:
    def __init__(self, w3, params: LedgerParams) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", InsecureSetupWarning)
            self.pk = setup_batch(params, quiet=True)
            self.exit_pk = setup_exit(params, quiet=True)
        self.w3, self.params = w3, params
        acc = w3.eth.accounts
        self.operator, self.users = acc[0], acc[1:4]
        self.l1 = L1Client(w3)
        timing = (100, 50, 10)
        self.l1.deploy(params, self.pk.vk, self.operator, acc[4:7], 2, timing, self.exit_pk.vk)
        self.world = World(params, domain=self.l1.domain())
        self.state = LedgerState.genesis(params, self.l1.domain())

    def onboard(self) -> dict:
        out = {}
        for k, user in enumerate(self.users):
            self.l1.fund(user, 10**9)
            receipt = self.l1.send(self.l1.rollup.functions.register(*self.world.wallets[k].pubkey), user)
            out["register"] = receipt["gasUsed"]
            out["deposit"] = self.l1.deposit(user, k, 10**7)["gasUsed"]
        for item in self.l1.new_queue_items(0):
            self.state.enqueue(item)
        return out

    def run(self, txs: list) -> dict:
        """Prove and submit one batch; its gas and the parts of it."""
        res = process_batch(self.state, txs)
        proof = prove_batch(self.pk, self.params, res)
        receipt = self.l1.submit_batch(self.operator, res.new_root, res.data, proof)
        self.state = res.state
        tx_input = bytes(self.w3.eth.get_transaction(receipt["transactionHash"])["input"])
        verifier = self.l1.verifier()
        return {
            "total": receipt["gasUsed"],
            "intrinsic": INTRINSIC,
            "calldata": calldata_gas(tx_input),
            "verification": execution_gas(
                self.w3, verifier.address, verifier.functions.verifyProof(*_proof_args(proof, res.public_input))
            ),
        }

    def prepare(self) -> None:
        """Deposits, prices and a withdrawal, in as many batches as the size needs."""
        w = self.world
        w.state = self.state.copy()  # the L1 deposits are already pending (onboard)
        txs = [Deposit(k, 10**7, w.wallets[k].pubkey) for k in range(3)]
        for tx in txs:
            w.apply(tx)
        txs += [w.tick(0, 3_000_000), w.tick(1, 2_000_000)]
        for tx in txs[3:]:
            w.apply(tx)
        txs.append(w.wallets[2].withdraw(w.state, 2, 1_000, 1 << 40))
        w.apply(txs[-1])
        n = self.params.batch_size
        for i in range(0, len(txs), n):
            self.run(txs[i : i + n])

    def trades(self) -> dict:
        self.world.state = self.state.copy()
        return self.run(trades(self.world, self.params.batch_size))

    def exits(self) -> dict:
        out = {"claim": self.l1.claim(self.users[2])["gasUsed"]}
        receipt = self.l1.send(self.l1.rollup.functions.requestForcedExit(1), self.users[1])
        out["forced_exit_request"] = receipt["gasUsed"]
        index = self.l1.queue_items()[-1]["index"]
        advance_time(self.w3, 101)
        out["freeze"] = self.l1.freeze(self.users[0], index)["gasUsed"]
        ex = exit_for(self.state, 0)
        out["escape"] = self.l1.escape(self.users[0], 0, ex.amount, prove_exit(self.exit_pk, self.params, ex))[
            "gasUsed"
        ]
        return out


def measure(depth: int, n: int) -> dict:
    with hardhat_node() as url:
        bench = Bench(connect(url), LedgerParams(depth=depth, batch_size=n))
        header = poseidon_gas(bench.l1)
        names = ("TestToken", "Groth16Verifier (batch)", "Groth16Verifier (exit)", "PoseidonT5", "Rollup")
        out: dict = {"deploy": dict(zip(names, bench.l1.deploy_gas))}
        out |= bench.onboard()
        bench.prepare()
        sub = bench.trades()
        sub["poseidon_header"] = header
        out["poseidon_t5_hash"] = header
        sub["rest (sha256, records, storage)"] = sub["total"] - sum(v for k, v in sub.items() if k != "total")
        out["submit_batch_of_trades"] = sub
        out["gas_per_trade"] = sub["total"] // n
        out |= bench.exits()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--depth", type=int, default=8)
    ap.add_argument("--sizes", default="1,4,16")
    args = ap.parse_args()
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    for n in (int(x) for x in args.sizes.split(",")):
        results[f"depth{args.depth}_batch{n}"] = measure(args.depth, n)
        RESULTS.write_text(json.dumps(results, indent=1) + "\n")
        print(json.dumps(results[f"depth{args.depth}_batch{n}"], indent=1), flush=True)


if __name__ == "__main__":
    main()
