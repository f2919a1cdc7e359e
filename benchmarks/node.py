"""Operator node figures -> benchmarks/results/node.json.

  ack:      acknowledgement latency (p50/p99, sequential client) and trades/s acknowledged
            (concurrent clients) through the real HTTP API, store (WAL, synchronous=FULL) and
            sequencer, default parameters (4^8 accounts, batches of 16 so sealing is rare), no
            prover; plus the parts of one acknowledgement measured alone (spec check of a trade,
            receipt signature, one group commit).
  batches:  a node subprocess against a hardhat node: batches of N trades (default 4 and 16):
            seal -> proved -> accepted on L1 from the store's timestamps, and end to end from the
            first trade's submission to the root accepted on L1.

    python benchmarks/node.py [--ack-only] [--sizes 4 16] [--trades 300]

The machine is shared with other work: figures are medians of what one run saw.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from eth_account import Account  # noqa: E402

from circuits.ledger.params import LedgerParams, TxType  # noqa: E402
from rollup.l1.client import Deployment  # noqa: E402
from rollup.ledger.demo import DEMO_DOMAIN  # noqa: E402
from rollup.ledger.signing import Wallet, oracle_tick, trade  # noqa: E402
from rollup.ledger.state import LedgerState  # noqa: E402
from rollup.ledger.transition import process_tx  # noqa: E402
from rollup.ledger.types import Deposit, QueueItem  # noqa: E402
from rollup.node.client import NodeClient  # noqa: E402
from rollup.node.config import save_deployment  # noqa: E402
from rollup.node.demo_report import percentile  # noqa: E402
from rollup.node.receipt import sign_receipt  # noqa: E402
from rollup.node.store import Store  # noqa: E402
from tests.node_helpers import ORACLE, ServedNode, node_dir  # noqa: E402

OUT = ROOT / "benchmarks" / "results" / "node.json"
FAR = 1 << 40
PAIRS = 16


def _world(params: LedgerParams, n_trades: int) -> tuple[list[dict], list, list[list]]:
    """Queue rows for 2·PAIRS funded accounts, an oracle tick, and per pair a list of signed trades."""
    state, wallets = LedgerState.genesis(params, DEMO_DOMAIN), [Wallet(f"bench {i}".encode()) for i in range(2 * PAIRS)]
    rows = []
    for i, w in enumerate(wallets):
        rows.append({"idx": i, "kind": TxType.DEPOSIT, "account": i, "amount": str(10**12), "pk_x": str(w.pubkey[0]),
                     "pk_y": str(w.pubkey[1]), "block": 1, "deadline": None})  # fmt: skip
        state.enqueue(QueueItem(TxType.DEPOSIT, i, 10**12, w.pubkey))
        process_tx(state, Deposit(i, 10**12, w.pubkey))
    ticks = [oracle_tick(DEMO_DOMAIN, ORACLE, 0, 3_000_000, 1000)]
    process_tx(state, ticks[0])
    per_pair: list[list] = [[] for _ in range(PAIRS)]
    for k in range(n_trades):
        p = k % PAIRS
        buyer, seller = (2 * p, 2 * p + 1) if (k // PAIRS) % 2 == 0 else (2 * p + 1, 2 * p)
        tx = trade(state, wallets[buyer], wallets[seller], (0, buyer, seller, 1, 3_000_000), FAR)
        process_tx(state, tx)
        per_pair[p].append(tx)
    return rows, ticks, per_pair


def _parts(params: LedgerParams, per_pair: list[list], rows: list[dict], ticks: list) -> dict:
    """The pieces of one acknowledgement, each timed alone (median of 30)."""
    state = LedgerState.genesis(params, DEMO_DOMAIN)
    for r in rows:
        state.enqueue(QueueItem(r["kind"], r["account"], int(r["amount"]), (int(r["pk_x"]), int(r["pk_y"]))))
        process_tx(state, Deposit(r["account"], int(r["amount"]), (int(r["pk_x"]), int(r["pk_y"]))))
    process_tx(state, ticks[0])
    spec = []
    for tx in [pair[0] for pair in per_pair] + [pair[1] for pair in per_pair[:14]]:
        t = time.perf_counter()
        process_tx(state, tx)
        spec.append(time.perf_counter() - t)
    acct, sign = Account.create(), []
    for k in range(30):
        t = time.perf_counter()
        sign_receipt(acct, "0x" + "11" * 20, k, "0x" + "22" * 32, 0)
        sign.append(time.perf_counter() - t)
    with tempfile.TemporaryDirectory() as d:
        store, commit = Store(Path(d) / "c.db"), []
        for k in range(30):
            row = {"seq": k, "hash": "0x" + "33" * 32, "body": "x" * 900, "source": "api", "queue_index": None,
                   "batch": 0, "receipt": "y" * 300, "acked_at": 0.0}  # fmt: skip
            t = time.perf_counter()
            store.ack([row])
            commit.append(time.perf_counter() - t)
    return {f"{k}_ms_median": round(1000 * statistics.median(v), 2) for k, v in
            (("spec_check_trade", spec), ("receipt_sign", sign), ("commit_fsync", commit))}  # fmt: skip


def _timed(client: NodeClient, tx) -> float:
    start = time.perf_counter()
    client.submit(tx)
    return time.perf_counter() - start


def _ms(values: list[float], q: float) -> float:
    return round(1000 * percentile(values, q), 1)


def bench_ack(n_trades: int) -> dict:
    """n_trades sequential, then n_trades from PAIRS concurrent clients (one account pair each)."""
    params = replace(LedgerParams(batch_size=16), oracle_key=ORACLE.pubkey)
    per = -(-n_trades // PAIRS)
    rows, ticks, per_pair = _world(params, 2 * per * PAIRS)
    parts = _parts(params, per_pair, rows, ticks)
    first = [pair[k] for k in range(per) for pair in per_pair]  # round-robin keeps each pair's nonce order
    second = [pair[per:] for pair in per_pair]
    with tempfile.TemporaryDirectory() as d:
        cfg = node_dir(Path(d) / "node", params=params, key=False)
        save_deployment(cfg, Deployment("0x" + "12" * 20, "0x" + "34" * 20, "0x" + "56" * 20), 1, 0, "0x" + "78" * 20)
        with ServedNode(cfg) as node:
            node.store.add_l1_events(rows, [], 1)
            client = NodeClient(cfg.api_url)
            while client.state()["queue"]["consumed"] < len(rows):
                time.sleep(0.1)
            client.submit(ticks[0])
            sequential = [_timed(client, tx) for tx in first]
            start = time.perf_counter()
            with ThreadPoolExecutor(PAIRS) as pool:
                lats = [x for chunk in pool.map(lambda txs: [_timed(client, tx) for tx in txs], second) for x in chunk]
            wall = time.perf_counter() - start
    return {
        "params": params.key(),
        "sequential": {
            "n": len(sequential),
            "p50_ms": _ms(sequential, 50),
            "p99_ms": _ms(sequential, 99),
            "trades_per_s": round(len(sequential) / sum(sequential), 1),
        },  # fmt: skip
        "concurrent": {
            "clients": PAIRS,
            "n": len(lats),
            "trades_per_s": round(len(lats) / wall, 1),
            "p50_ms": _ms(lats, 50),
            "p99_ms": _ms(lats, 99),
        },  # fmt: skip
        "parts": parts,
    }


def _batch_timings(client: NodeClient, number: int, first_submit: float) -> dict:
    (b,) = client.batches(number, 1)
    return {
        "tx_count": b["tx_count"],
        "seal_to_proved_s": round(b["proved_at"] - b["sealed_at"], 1),
        "prove_s": round(b["prove_seconds"], 1),
        "proved_to_accepted_s": round(b["accepted_at"] - b["proved_at"], 1),
        "seal_to_accepted_s": round(b["accepted_at"] - b["sealed_at"], 1),
        "first_trade_to_accepted_s": round(b["accepted_at"] - first_submit, 1),
        "gas_used": b["gas_used"],
    }


def _wait(predicate, timeout: float = 3600) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("benchmark: no progress")
        time.sleep(0.2)


def bench_batch(size: int) -> dict:
    """One batch of `size` trades at 4^8 accounts on a node subprocess and a hardhat node."""
    from rollup.l1.client import L1Client, connect
    from rollup.l1.devnode import hardhat_node
    from rollup.node import bootstrap
    from rollup.node.config import deployment_of, load_deployment
    from tests.node_helpers import NodeProcess, deploy

    params = replace(LedgerParams(batch_size=size), oracle_key=ORACLE.pubkey)
    wallets = [Wallet(f"bench {i}".encode()) for i in range(2)]
    with tempfile.TemporaryDirectory() as d, hardhat_node() as url:
        cfg = node_dir(Path(d) / "node", url, params=params, key=False, store=False, seal_seconds=10.0)
        start = time.perf_counter()
        bootstrap.dev_setup(cfg, quiet=True)
        setup_s = time.perf_counter() - start
        deploy(cfg)
        l1 = L1Client(connect(url), deployment_of(load_deployment(cfg)))
        users = l1.w3.eth.accounts[4:6]
        state = LedgerState.genesis(params, l1.domain())
        for user, w in zip(users, wallets):
            l1.fund(user, 10**12)
            account = l1.register(user, w.pubkey)
            l1.deposit(user, account, 10**12)
            state.enqueue(QueueItem(TxType.DEPOSIT, account, 10**12, w.pubkey))
            process_tx(state, Deposit(account, 10**12, w.pubkey))
        node, client = NodeProcess(cfg), NodeClient(cfg.api_url)
        try:
            client.wait_until_up(120)
            tick = oracle_tick(state.domain, ORACLE, 0, 3_000_000, 1000)
            process_tx(state, tick)
            client.submit(tick)
            _wait(lambda: client.state()["accepted_batch"] == 0)  # deposits and tick: batch 0, sealed by time
            trades = []
            for k in range(size):
                buyer, seller = (0, 1) if k % 2 == 0 else (1, 0)
                trades.append(trade(state, wallets[buyer], wallets[seller], (0, buyer, seller, 1, 3_000_000), FAR))
                process_tx(state, trades[-1])
            first = time.time()
            for tx in trades:
                client.submit(tx)
            _wait(lambda: client.state()["accepted_batch"] == 1)
            return {"params": params.key(), "setup_s": round(setup_s, 1), **_batch_timings(client, 1, first)}
        finally:
            node.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ack-only", action="store_true", help="only the acknowledgement figures")
    ap.add_argument("--sizes", type=int, nargs="*", default=[4, 16], help="batch sizes to time end to end")
    ap.add_argument("--trades", type=int, default=320, help="trades per acknowledgement phase")
    args = ap.parse_args()
    out = json.loads(OUT.read_text()) if OUT.exists() else {}
    out["machine"] = f"{os.cpu_count()} cores, shared with other work while measured; load {os.getloadavg()[0]:.1f}"
    out["ack"] = bench_ack(args.trades)
    print(json.dumps(out["ack"], indent=1), flush=True)
    if not args.ack_only:
        out.setdefault("batches", {})
        for size in args.sizes:
            out["batches"][str(size)] = bench_batch(size)
            print(json.dumps(out["batches"][str(size)], indent=1), flush=True)
    OUT.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
