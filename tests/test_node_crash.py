"""Crash safety, tested: ``zkdx node`` runs as a subprocess against a hardhat node and is SIGKILLed
at each named point (``ZKDX_CRASH_AT``), then restarted.  After the restart it must lose no
acknowledged transaction, apply none twice, never submit a batch twice, honour every receipt
it gave, and converge on the root L1 holds.  Also: L1 unreachable for a while (the node keeps
acknowledging and catches up).

The default suite runs two points (after the acknowledgement, after the broadcast); the
others are ``slow``.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest

from rollup.errors import NodeUnavailable
from rollup.l1.client import L1Client, connect
from rollup.l1.devnode import hardhat_node
from rollup.ledger import codec
from rollup.ledger.batch_data import decode_batch
from rollup.node.client import NodeClient
from rollup.node.config import deployment_of, load_deployment
from rollup.node.store import Store
from tests.node_helpers import PARAMS, NodeProcess, deploy, node_dir, tick

CONVERGE_SECONDS = 600


@pytest.fixture(scope="module")
def url():
    with hardhat_node() as u:
        yield u


def _start(cfg, crash_at=None):
    node = NodeProcess(cfg, crash_at)
    try:
        NodeClient(cfg.api_url).wait_until_up(120)
    except BaseException:
        node.stop()
        raise
    return node


def _submit(client, tx):
    """The receipt, or None if the node died before answering (the transaction may be stored)."""
    try:
        return client.submit(tx)
    except NodeUnavailable:
        return None


def _converged(cfg, l1):
    store = Store(cfg.store_path)
    try:
        last = store.last_batch()
        done = last is not None and last["status"] == "accepted" and not store.txs_of_batch(last["number"] + 1)
        return done and l1.batch_count() == last["number"] + 1 and l1.state_root() == int(last["new_root"])
    finally:
        store.close()


def _wait_converged(cfg, l1, node):
    deadline = time.monotonic() + CONVERGE_SECONDS
    while not _converged(cfg, l1):
        assert node.proc.poll() is None, "the node died"
        assert time.monotonic() < deadline, "no convergence"
        time.sleep(0.5)


def _check_nothing_lost_or_doubled(cfg, l1, receipts, sent, nonce_after_deploy):
    store = Store(cfg.store_path)
    rows = [r for b in range(l1.batch_count()) for r in store.txs_of_batch(b)]
    assert sorted(r["hash"] for r in rows) == sorted(codec.tx_hash(tx) for tx in sent)  # none lost, none twice
    assert {r["status"] for r in rows} == {"accepted"}
    by_hash = {r["hash"]: r for r in rows}
    for rc in receipts:  # every receipt honoured: its sequence number, in the batch it named
        row = by_hash[rc["tx_hash"]]
        assert row["seq"] == rc["seq"] and row["batch"] == rc["batch"]
    posted = [e["args"]["data"] for e in l1.rollup.events.BatchAccepted().get_logs(from_block=0)]
    stamps = [rec.amount for data in posted for rec in decode_batch(data, PARAMS) if rec.tx_type == 5]
    assert stamps == [tx.timestamp for tx in sent]  # each tick applied once on L1, in order
    mined = [t for b in range(l1.batch_count()) for t in store.l1_txs(b) if t["status"] == "mined"]
    operator = load_deployment(cfg)["operator"]
    assert l1.w3.eth.get_transaction_count(operator) - nonce_after_deploy == len(mined) == l1.batch_count()
    store.close()


def crash_and_recover(tmp_path, url, point, after_restart=True):
    """One tick before the crash; with after_restart, one more once the node is back."""
    cfg = node_dir(tmp_path / "node", url, store=False)
    deploy(cfg)
    l1 = L1Client(connect(url), deployment_of(load_deployment(cfg)))
    nonce = l1.w3.eth.get_transaction_count(load_deployment(cfg)["operator"])
    client, sent = NodeClient(cfg.api_url), [tick(cfg, 100), tick(cfg, 110)]
    node = _start(cfg, crash_at=point)
    try:
        receipts = [r for r in [_submit(client, sent[0])] if r]
        assert node.wait(timeout=CONVERGE_SECONDS) == -9  # killed at the point
    finally:
        node.stop()
    node = _start(cfg)
    try:
        if after_restart:
            receipts.append(client.submit(sent[1]))
        else:
            sent.pop()
        _wait_converged(cfg, l1, node)
    finally:
        node.stop()
    _check_nothing_lost_or_doubled(cfg, l1, receipts, sent, nonce)


@pytest.mark.parametrize("point", ["after_ack", "after_broadcast"])
def test_killed_at_a_point_the_node_recovers(tmp_path, url, point):
    crash_and_recover(tmp_path, url, point, after_restart=False)  # one proof: the default suite stays quick


@pytest.mark.slow
@pytest.mark.parametrize("point", ["after_seal", "while_proving", "after_receipt"])
def test_killed_at_a_point_the_node_recovers_slow(tmp_path, url, point):
    crash_and_recover(tmp_path, url, point)


class Proxy:
    """A TCP relay on loopback that can be cut (connections refused and dropped) and restored."""

    def __init__(self, target: str) -> None:
        host, port = target.removeprefix("http://").split(":")
        self.target = (host, int(port))
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.up, self.conns = True, []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            conn, _ = self.listener.accept()
            if not self.up:
                conn.close()
                continue
            upstream = socket.create_connection(self.target)
            self.conns += [conn, upstream]
            for a, b in ((conn, upstream), (upstream, conn)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                s.close()

    def cut(self) -> None:
        self.up = False
        for s in self.conns:
            s.close()


@pytest.mark.slow
def test_with_l1_unreachable_the_node_keeps_acknowledging_and_catches_up(tmp_path, url):
    proxy = Proxy(url)
    cfg = node_dir(tmp_path / "node", f"http://127.0.0.1:{proxy.port}", store=False)
    deploy(cfg)
    l1 = L1Client(connect(url), deployment_of(load_deployment(cfg)))
    nonce = l1.w3.eth.get_transaction_count(load_deployment(cfg)["operator"])
    proxy.cut()
    node = _start(cfg)
    client, sent = NodeClient(cfg.api_url), [tick(cfg, 100), tick(cfg, 110)]
    try:
        receipts = [client.submit(tx) for tx in sent]
        deadline = time.monotonic() + 60
        while client.health()["l1"]["ok"] is not False:
            assert time.monotonic() < deadline
            time.sleep(0.2)
        assert client.health()["status"] == "degraded" and l1.batch_count() == 0
        proxy.up = True
        _wait_converged(cfg, l1, node)
        assert client.health()["l1"]["ok"] is True
    finally:
        node.stop()
    _check_nothing_lost_or_doubled(cfg, l1, receipts, sent, nonce)
