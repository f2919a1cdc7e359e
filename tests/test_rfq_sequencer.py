"""The sequencer interface: the in-process spec and the HTTP client of the node's API, the
latter against a small aiohttp fake of the node's three endpoints (backed by the real spec),
and one RFQ flow through the gateway with the HTTP sequencer."""

from __future__ import annotations

import asyncio
import time

import pytest
from aiohttp import web

from rollup import errors as spec_errors
from rollup.ledger import codec
from rollup.rfq.errors import SequencerUnavailable
from rollup.rfq.sequencer import HttpSequencer, LocalSequencer
from tests.rfq_helpers import ClientLoop, GatewayThread, Pki, funded_world


def fake_node(seq: LocalSequencer, fail: dict) -> web.Application:
    """POST /v1/transactions, GET /v1/accounts/{index}, GET /v1/state, as the node's contract says."""

    async def submit(request):
        if fail.get("status"):
            return web.json_response({"error": {"type": "Internal", "message": "boom"}}, status=fail["status"])
        try:
            tx = codec.loads(await request.read())
            receipt = await seq.submit(tx)
        except spec_errors.TransactionFormatError as exc:
            return web.json_response({"error": {"type": "TransactionFormatError", "message": str(exc)}}, status=400)
        except spec_errors.InvalidTransaction as exc:
            return web.json_response({"error": {"type": type(exc).__name__, "message": str(exc)}}, status=422)
        return web.json_response({"status": "acknowledged", "receipt": {**receipt, "signed_by": "operator"}})

    async def account(request):
        found = await seq.account(int(request.match_info["index"]))
        if found is None:
            return web.json_response({"error": {"type": "UnknownAccount", "message": "no such account"}}, status=404)
        (x, y), nonce = found
        index = int(request.match_info["index"])
        return web.json_response({"index": index, "exists": True, "pubkey": [str(x), str(y)], "nonce": nonce})

    async def state(request):
        return web.json_response({"domain": str(await seq.domain()), "root": "0x00"})

    app = web.Application()
    app.add_routes([web.post("/v1/transactions", submit), web.get("/v1/accounts/{index}", account),
                    web.get("/v1/state", state)])  # fmt: skip
    return app


class FakeNode:
    def __init__(self, seq):
        self.fail: dict = {}
        self.loop = ClientLoop()
        self.runner = web.AppRunner(fake_node(seq, self.fail))
        self.loop.run(self.runner.setup())
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        self.loop.run(site.start())
        self.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"

    def close(self):
        self.loop.run(self.runner.cleanup())
        self.loop.close()


@pytest.fixture
def node():
    world = funded_world()
    fake = FakeNode(LocalSequencer(world.state))
    fake.world = world
    yield fake
    fake.close()


def test_http_sequencer_against_the_node_contract(node):
    w = node.world

    async def go():
        seq = HttpSequencer(node.url)
        try:
            assert await seq.domain() == w.state.domain
            assert await seq.account(0) == (w.wallets[0].pubkey, 0)
            assert await seq.account(9) is None
            trade = w.trade(0, 0, 1, 10, 3_000_000)
            receipt = await seq.submit(trade)
            assert receipt["seq"] == 1 and receipt["signed_by"] == "operator"
            assert receipt["tx_hash"] == codec.tx_hash(trade)
            assert (await seq.account(0))[1] == 1
            with pytest.raises(spec_errors.BadSignature):  # replay: the nonces moved on
                await seq.submit(trade)
            with pytest.raises(spec_errors.MarginViolation):
                await seq.submit(w.trade(0, 0, 1, 10**9, 3_000_000))
            node.fail["status"] = 503
            with pytest.raises(SequencerUnavailable, match="503"):
                await seq.submit(w.trade(0, 0, 1, 1, 3_000_000))
        finally:
            await seq.close()
        with pytest.raises(SequencerUnavailable, match="did not answer"):
            await HttpSequencer("http://127.0.0.1:9", timeout=2).domain()

    asyncio.run(go())


def test_spec_error_mapping():
    from rollup.rfq.sequencer import spec_error

    assert type(spec_error({"error": {"type": "Expired", "message": "late"}}, 422)) is spec_errors.Expired
    unknown = spec_error({"error": {"type": "Weird", "message": "?"}}, 400)
    assert type(unknown) is spec_errors.InvalidTransaction and "Weird" in str(unknown)
    assert type(spec_error({"error": {"type": "RollupError"}}, 400)) is spec_errors.InvalidTransaction
    assert type(spec_error("garbage", 400)) is spec_errors.InvalidTransaction


def test_gateway_flow_through_the_http_sequencer(node, tmp_path):
    pki = Pki(tmp_path)
    taker, maker = pki.issue("alice", "taker", 0), pki.issue("bob", "maker", 1)
    seq = HttpSequencer(node.url)
    with GatewayThread(pki.ca_dir, seq) as gw:
        loop = ClientLoop()
        t, m = loop.connect(gw.url, pki, taker), loop.connect(gw.url, pki, maker)
        try:
            expiry = int(time.time()) + 30
            loop.run(t.request(1, "sell", 4, expiry))
            loop.run(m.quote(loop.run(m.next_event("rfq")), 2_001_000, expiry))
            fill = loop.run(t.accept(loop.run(t.next_event("quote"))))
            assert fill["receipt"]["signed_by"] == "operator"
            assert loop.run(m.next_event("fill"))["tx_hash"] == fill["tx_hash"]
            assert node.world.state.accounts[0].sizes[1] == -4
        finally:
            loop.close(t, m)
        gw.call(seq.close())
