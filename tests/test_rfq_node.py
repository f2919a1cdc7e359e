"""One RFQ flow end to end with a client no one here wrote the transport of: Node's `ws`
(pinned in package.json) with circomlibjs signatures, next to Python makers and takers.

The Node clients show every refusal of the WebSocket protocol (malformed JSON, wrong types,
an oversize frame, an unknown market, an expired RFQ, a maker sending an RFQ, an accept of
another taker's quote, an accept signed by another L2 key, a replayed quote); then a fill
reaches the sequencer and both sides get its soft confirmation, and a revocation in the
middle of the session closes the Node taker's live connection within a second.
"""

from __future__ import annotations

import shutil
import time

import pytest

from tests.rfq_helpers import NODE_CLIENT, ROOT, ClientLoop, GatewayThread, NodeClient, Pki

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not (ROOT / "node_modules" / "ws").exists(),
    reason="needs node and `npm ci` (ws, circomlibjs)",
)


def test_node_client_flow_refusals_fill_and_revocation(tmp_path):
    assert NODE_CLIENT.exists()
    pki = Pki(tmp_path)
    creds = {
        "taker": pki.issue("alice", "taker", 0),
        "nmaker": pki.issue("bob", "maker", 1),
        "pmaker": pki.issue("carol", "maker", 2),
        "ptaker": pki.issue("dave", "taker", 3),
    }
    with GatewayThread(pki.ca_dir) as gw:
        loop = ClientLoop()
        node_taker = NodeClient(gw.url, pki.ca_cert, creds["taker"])
        node_maker = NodeClient(gw.url, pki.ca_cert, creds["nmaker"])
        pmaker = loop.connect(gw.url, pki, creds["pmaker"])
        ptaker = loop.connect(gw.url, pki, creds["ptaker"])
        try:
            _flow(gw, pki, creds, loop, node_taker, node_maker, pmaker, ptaker)
        finally:
            node_taker.close()
            node_maker.close()
            loop.close(pmaker, ptaker)


def _refusals(taker: NodeClient, maker: NodeClient) -> None:
    now = int(time.time())
    taker.do(op="send_raw", text='{"v": 1, "type": "rfq", "ref": "x"')
    assert taker.message("error")["code"] == "malformed"
    taker.do(
        op="send",
        msg={"v": 1, "type": "rfq", "ref": "types", "market": 0, "side": "buy", "size": "ten", "expiry": now + 30},
    )
    assert "size" in taker.error("types")["message"]
    taker.do(op="send_raw", text='{"v": 1, "type": "ping", "pad": "' + "x" * 5000 + '"}')
    assert "exceeds" in taker.message("error")["message"]
    taker.do(
        op="send", msg={"v": 1, "type": "rfq", "ref": "mkt", "market": 7, "side": "buy", "size": 1, "expiry": now + 30}
    )
    assert taker.error("mkt")["code"] == "unknown_market"
    taker.do(
        op="send", msg={"v": 1, "type": "rfq", "ref": "old", "market": 0, "side": "buy", "size": 1, "expiry": now - 5}
    )
    assert taker.error("old")["code"] == "expired"
    maker.do(
        op="send", msg={"v": 1, "type": "rfq", "ref": "role", "market": 0, "side": "buy", "size": 1, "expiry": now + 30}
    )
    assert "a maker may not send rfq" in maker.error("role")["message"]


def _flow(gw, pki, creds, loop, taker, maker, pmaker, ptaker):
    taker.message("welcome")
    maker.message("welcome")
    _refusals(taker, maker)
    expiry = int(time.time()) + 60

    # the Python taker's RFQ: the Node taker may not accept a quote made for it
    other = loop.run(ptaker.request(0, "sell", 3, expiry))
    loop.run(pmaker.quote(loop.run(pmaker.next_event("rfq")), 2_990_000, expiry))
    foreign = loop.run(ptaker.next_event("quote"))
    taker.do(op="accept", quote=foreign, ref="foreign")
    assert "another taker's RFQ" in taker.error("foreign")["message"]
    assert maker.message("rfq")["rfq_id"] == other["rfq_id"]

    # the Node taker's RFQ, quoted by the Node maker (signed in JS) and the Python maker
    taker.do(
        op="send", msg={"v": 1, "type": "rfq", "ref": "mine", "market": 0, "side": "buy", "size": 5, "expiry": expiry}
    )
    rfq_id = taker.message("rfq_ack")["rfq_id"]
    rfq = maker.message("rfq")
    assert rfq["rfq_id"] == rfq_id and "firm" not in rfq and "trader" not in rfq
    maker.do(op="quote", rfq=rfq, price=3_000_200, expiry=expiry, my_nonce=0, ref="q1")
    maker.message("quote_ack")
    maker.do(op="quote", rfq=rfq, price=3_000_200, expiry=expiry, my_nonce=0, ref="q1again")
    assert maker.error("q1again")["code"] == "replay"
    py_rfq = loop.run(pmaker.next_event("rfq"))
    while py_rfq["rfq_id"] != rfq_id:
        py_rfq = loop.run(pmaker.next_event("rfq"))
    loop.run(pmaker.quote(py_rfq, 3_000_900, expiry))
    quotes = [taker.message("quote"), taker.message("quote")]
    best = min(quotes, key=lambda q: q["terms"]["price"])
    assert best["maker_account"] == 1

    # an accept signed by another account's L2 key, then the real one
    taker.do(op="accept", quote=best, ref="cross", key_hex=b"trader 4".hex())
    assert taker.error("cross")["code"] == "bad_signature"
    taker.do(op="accept", quote=best, ref="fill")
    fill = taker.expect(lambda e: e["event"] == "message" and e["msg"].get("ref") == "fill")["msg"]
    assert fill["type"] == "fill" and fill["receipt"]["tx_hash"] == fill["tx_hash"]
    assert maker.message("fill")["tx_hash"] == fill["tx_hash"]
    assert loop.run(pmaker.next_event("quote_closed"))["reason"] == "RFQ filled"
    accounts = gw.world.state.accounts
    assert (accounts[0].nonce, accounts[1].nonce, accounts[0].sizes[0]) == (1, 1, 5)

    # revocation in the middle of the session: the Node taker's live connection closes within 1 s
    t0 = time.monotonic()
    pki.ca.revoke(creds["taker"].serial, "key_compromise")
    closed = taker.expect(lambda e: e["event"] == "close", timeout=5)
    assert time.monotonic() - t0 < 1.0, time.monotonic() - t0
    assert closed["code"] == 4003 and "revoked" in closed["reason"]
    assert loop.run(ptaker.call("ping"))["type"] == "pong"  # everyone else is still served
    again = NodeClient(gw.url, pki.ca_cert, creds["taker"])
    try:
        event = again.expect(lambda e: e["event"] in ("error", "close", "exit"), timeout=10)
        assert not any(e["event"] == "open" for e in again.seen[:-1]) or event["event"] == "close"
    finally:
        again.close()
