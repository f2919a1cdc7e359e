"""The HTTP API v1 on a real node object (store, sequencer, intake, sealing) without L1 or provers:
answers and error shapes, receipts, accounts, state, health and metrics, a locked store
(503, nothing acknowledged), and concurrent submissions."""

from __future__ import annotations

import asyncio
import json

import pytest
from aiohttp.test_utils import TestClient, TestServer

from circuits.ledger.params import TxType
from rollup.l1.client import Deployment
from rollup.ledger import codec
from rollup.ledger.demo import DEMO_DOMAIN
from rollup.ledger.types import Deposit
from rollup.node.api import make_app
from rollup.node.config import save_deployment
from rollup.node.receipt import verify_receipt
from rollup.node.service import Node
from rollup.node.store import Store
from tests.node_helpers import PASSPHRASE, node_dir, tick

ROLLUP = "0x" + "12" * 20
PK = (
    5299619240641551281634865583518297030282874472190772894086521144482721001553,
    16950150798460657717958625567821834550301663161624707787222815936182638968203,
)


@pytest.fixture
def cfg(tmp_path):
    cfg = node_dir(tmp_path / "node", key=False)
    save_deployment(cfg, Deployment(ROLLUP, "0x" + "34" * 20, "0x" + "56" * 20), 31337, 0, "0x" + "78" * 20)
    return cfg


def run(cfg, scenario):
    async def main():
        node = Node(cfg, PASSPHRASE)
        tasks = [asyncio.create_task(node._intake_loop()), asyncio.create_task(node._tick_loop())]
        try:
            async with TestClient(TestServer(make_app(node))) as client:
                await scenario(client, node)
        finally:
            for t in tasks:
                t.cancel()

    asyncio.run(main())


async def _post(client, body):
    resp = await client.post("/v1/transactions", data=body if isinstance(body, bytes | str) else codec.dumps(body))
    return resp.status, await resp.json()


async def _get(client, path):
    resp = await client.get(path)
    return resp.status, await resp.json()


async def _until(predicate, timeout=5.0):
    for _ in range(int(timeout / 0.05)):
        if await predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not reached")


def test_a_transaction_is_acknowledged_with_a_verifiable_receipt(cfg):
    async def scenario(client, node):
        status, body = await _post(client, tick(cfg, 100))
        assert status == 200 and body["status"] == "acknowledged"
        receipt = body["receipt"]
        assert verify_receipt(receipt, node.operator.address, ROLLUP) and receipt["batch"] == 0
        status, tx = await _get(client, f"/v1/transactions/{receipt['tx_hash']}")
        assert status == 200 and tx["seq"] == receipt["seq"] and tx["receipt"] == receipt

        async def sealed():
            return (await _get(client, f"/v1/transactions/{receipt['tx_hash']}"))[1]["status"] == "sealed"

        await _until(sealed)  # batch size 1: sealed at once
        status, batches = await _get(client, "/v1/batches")
        assert [b["status"] for b in batches] == ["sealed"]
        assert batches[0]["new_root"] == str(node.sequencer.sealed.root)

    run(cfg, scenario)


def test_refused_and_malformed_transactions_get_typed_errors(cfg):
    async def scenario(client, node):
        await _post(client, tick(cfg, 100))
        cases = [
            (tick(cfg, 50), 422, "StaleOraclePrice"),
            (b"{not json", 400, "TransactionFormatError"),
            (json.dumps({"type": "teleport"}), 400, "TransactionFormatError"),
            (Deposit(0, 5, PK), 400, "NotAccepted"),
            (b"[" * 100_000, 413, "HTTPRequestEntityTooLarge"),
        ]
        for body, status, kind in cases:
            got, reply = await _post(client, body)
            assert (got, reply["error"]["type"]) == (status, kind), body if not isinstance(body, bytes) else kind
            assert len(reply["error"]["message"]) <= 500
        for path, status in [
            ("/v1/transactions/0x12", 400),
            ("/v1/transactions/0x" + "00" * 32, 404),
            ("/v1/accounts/abc", 400),
            ("/v1/accounts/99999999", 404),
            ("/v1/accounts/3", 404),
            ("/v1/batches?limit=-1", 400),
            ("/v1/nothing", 404),
        ]:
            got, reply = await _get(client, path)
            assert got == status and "error" in reply, path
        assert node.store.max_seq() == 0  # only the first tick was stored

    run(cfg, scenario)


def test_accounts_and_state_follow_l1_deposits(cfg):
    async def scenario(client, node):
        item = {"idx": 0, "kind": TxType.DEPOSIT, "account": 2, "amount": "750", "pk_x": str(PK[0]),
                "pk_y": str(PK[1]), "block": 1, "deadline": None}  # fmt: skip
        node.store.add_l1_events([item], [], 1)

        async def funded():
            return (await _get(client, "/v1/accounts/2"))[0] == 200

        await _until(funded)
        _, acct = await _get(client, "/v1/accounts/2")
        assert acct["exists"] and acct["collateral"] == 750 and acct["pubkey"] == [str(PK[0]), str(PK[1])]
        assert acct["nonce"] == 0 and acct["sizes"] == [0, 0] and acct["caches"] == [0, 0]
        _, state = await _get(client, "/v1/state")
        assert state["domain"] == DEMO_DOMAIN and state["queue"]["consumed"] == 1
        assert state["accepted_root"] == node.store.meta("genesis_root") and state["accepted_batch"] == -1
        assert state["root"] == str(node.sequencer.soft.root) and state["rollup"] == ROLLUP

    run(cfg, scenario)


def test_a_locked_store_refuses_with_503_and_stores_nothing(cfg, monkeypatch):
    monkeypatch.setattr("rollup.node.store.BUSY_TIMEOUT", 0.1)

    async def scenario(client, node):
        other = Store(cfg.store_path)
        with other.write():
            status, reply = await _post(client, tick(cfg, 100))
        assert (status, reply["error"]["type"]) == (503, "StoreBusy")
        assert node.store.max_seq() == -1 and (await _get(client, "/v1/state"))[1]["time"] == 0
        status, _ = await _post(client, tick(cfg, 100))  # the same transaction, once the lock is gone
        assert status == 200

    run(cfg, scenario)


def test_concurrent_submissions_are_each_answered_once(cfg):
    async def scenario(client, node):
        replies = await asyncio.gather(*[_post(client, tick(cfg, 100 + k)) for k in range(24)])
        acked = [r["receipt"] for s, r in replies if s == 200]
        refused = [r["error"]["type"] for s, r in replies if s != 200]
        assert len(acked) + len(refused) == 24 and set(refused) <= {"StaleOraclePrice"}
        assert len({r["seq"] for r in acked}) == len(acked) == node.store.max_seq() + 1
        _, health = await _get(client, "/v1/health")
        assert health["status"] in ("ok", "degraded") and health["counts"]["txs"]
        metrics = (await (await client.get("/metrics")).text()).splitlines()
        assert f'zkdx_acknowledged_total{{source="api"}} {float(len(acked))}' in metrics
        if refused:
            assert f'zkdx_refused_total{{reason="StaleOraclePrice"}} {float(len(refused))}' in metrics

    run(cfg, scenario)
