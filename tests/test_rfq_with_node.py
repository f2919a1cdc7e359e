"""The RFQ gateway in front of the real operator node: a maker's firm quote and a taker's accept
travel over mTLS, the gateway hands the doubly signed trade to the node's HTTP API
(``HttpSequencer``), and both sides get the node's soft confirmation, which verifies against the
operator's key; the node then reports the transaction as acknowledged in the batch the receipt named."""

from __future__ import annotations

import time

import pytest

from circuits.ledger.params import TxType
from circuits.native import eddsa
from rollup.l1.client import Deployment
from rollup.node import bootstrap
from rollup.node.client import NodeClient
from rollup.node.config import save_deployment
from rollup.node.receipt import verify_receipt
from rollup.rfq.sequencer import HttpSequencer
from tests.node_helpers import PASSPHRASE, ServedNode, node_dir, tick
from tests.rfq_helpers import ClientLoop, GatewayThread, Pki

ROLLUP = "0x" + "12" * 20
FUNDS = 10**9


def _fund(node, accounts):
    items = []
    for k, account in enumerate(accounts):
        pk = eddsa.public_key(f"trader {account}".encode())
        items.append({"idx": k, "kind": TxType.DEPOSIT, "account": account, "amount": str(FUNDS),
                      "pk_x": str(pk[0]), "pk_y": str(pk[1]), "block": 1, "deadline": None})  # fmt: skip
    node.store.add_l1_events(items, [], 1)


def _until(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.1)


@pytest.fixture
def served(tmp_path):
    cfg = node_dir(tmp_path / "node", key=False)
    save_deployment(cfg, Deployment(ROLLUP, "0x" + "34" * 20, "0x" + "56" * 20), 31337, 0, "0x" + "78" * 20)
    with ServedNode(cfg) as node:
        yield cfg, node


def test_an_rfq_fill_reaches_the_node_and_returns_its_soft_confirmation(tmp_path, served):
    cfg, node = served
    api = NodeClient(cfg.api_url)
    _fund(node, [0, 1])
    _until(lambda: api.state()["queue"]["consumed"] == 2)
    api.submit(tick(cfg, 100))
    pki = Pki(tmp_path / "pki")
    taker, maker = pki.issue("alice", "taker", 0), pki.issue("bob", "maker", 1)
    sequencer = HttpSequencer(cfg.api_url)
    with GatewayThread(pki.ca_dir, sequencer=sequencer) as gw:
        loop = ClientLoop()
        t, m = loop.connect(gw.url, pki, taker), loop.connect(gw.url, pki, maker)
        try:
            expiry = int(time.time()) + 60
            ack = loop.run(t.request(0, "buy", 5, expiry))
            rfq = loop.run(m.next_event("rfq", rfq_id=ack["rfq_id"]))
            loop.run(m.quote(rfq, 3_000_000, expiry))
            quote = loop.run(t.next_event("quote", rfq_id=ack["rfq_id"]))
            fill = loop.run(t.accept(quote))
            told = loop.run(m.next_event("fill"))
        finally:
            loop.close(t, m)
            gw.call(sequencer.close())
    operator = bootstrap.operator_account(cfg, PASSPHRASE).address
    receipt = fill["receipt"]
    assert verify_receipt(receipt, operator, ROLLUP) and told["receipt"] == receipt
    assert receipt["tx_hash"] == fill["tx_hash"]
    status = api.tx(receipt["tx_hash"])
    assert status["status"] in ("acknowledged", "sealed") and status["batch"] == receipt["batch"]
    buyer, seller = api.account(0), api.account(1)
    assert (buyer["sizes"][0], seller["sizes"][0]) == (5, -5) and buyer["nonce"] == seller["nonce"] == 1
