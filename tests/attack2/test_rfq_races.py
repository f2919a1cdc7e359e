"""Attacker's review (attack2): races in the RFQ flow (accept against cancel, double fills).

Finding R1 (the first test) was fixed on branch fixrfq; the other test shows attacks that
were stopped.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.rfq_helpers import ClientLoop, GatewayThread, Pki


def _quoted(loop, taker, maker, price=3_000_000):
    expiry = int(time.time()) + 60
    ack = loop.run(taker.request(0, "buy", 1, expiry))
    rfq = loop.run(maker.next_event("rfq", rfq_id=ack["rfq_id"]))
    loop.run(maker.quote(rfq, price, expiry))
    return ack, loop.run(taker.next_event("quote", rfq_id=ack["rfq_id"]))


def _race(loop, *coros):
    async def go():
        return await asyncio.gather(*coros, return_exceptions=True)

    return loop.run(go())


def test_a_cancelled_quote_is_never_filled(tmp_path):
    pki = Pki(tmp_path)
    taker, maker = pki.issue("alice", "taker", 0), pki.issue("bob", "maker", 1)
    with GatewayThread(pki.ca_dir, verify_workers=1) as gw:
        loop = ClientLoop()
        t, m = loop.connect(gw.url, pki, taker), loop.connect(gw.url, pki, maker)
        try:
            cancels = 0
            for k in range(5):
                _, quote = _quoted(loop, t, m, 3_000_000 + k)  # new terms: a cancelled quote's id stays spent
                fill, cancel = _race(loop, t.accept(quote), m.cancel_quote(quote["quote_id"]))
                filled = isinstance(fill, dict) and fill["type"] == "fill"
                cancelled = isinstance(cancel, dict) and cancel.get("reason") == "cancelled"
                assert not (filled and cancelled), f"maker told 'cancelled', trade filled anyway: {fill['tx_hash']}"
                assert filled or cancelled, (fill, cancel)  # exactly one side wins
                cancels += cancelled
            assert cancels, "the cancel never landed while the accept was verified: the race was not exercised"
        finally:
            loop.close(t, m)


def test_stopped_double_fills_and_cross_accepts(tmp_path):
    """Two quotes on one RFQ accepted at once, an accept of another taker's quote, a maker's accept."""
    pki = Pki(tmp_path)
    taker, other, maker, maker2 = (
        pki.issue("alice", "taker", 0),
        pki.issue("dave", "taker", 3),
        pki.issue("bob", "maker", 1),
        pki.issue("carol", "maker", 2),
    )
    with GatewayThread(pki.ca_dir, verify_workers=1) as gw:
        loop = ClientLoop()
        t, o, m, m2 = (loop.connect(gw.url, pki, c) for c in (taker, other, maker, maker2))
        try:
            expiry = int(time.time()) + 60
            ack = loop.run(t.request(0, "buy", 1, expiry))
            quotes = []
            for mk in (m, m2):
                rfq = loop.run(mk.next_event("rfq", rfq_id=ack["rfq_id"]))
                loop.run(mk.quote(rfq, 3_000_000, expiry))
                quotes.append(loop.run(t.next_event("quote", rfq_id=ack["rfq_id"])))
            results = _race(loop, t.accept(quotes[0]), t.accept(quotes[1]))
            fills = [r for r in results if isinstance(r, dict) and r["type"] == "fill"]
            assert len(fills) == 1, results  # the taker's nonce is in both: one fill only
            _, quote = _quoted(loop, t, m)
            with pytest.raises(Exception, match="another taker"):
                loop.run(o.accept(quote))  # dave signs alice's quote terms with his own key
            with pytest.raises(Exception, match="may not send accept"):
                loop.run(m.call("accept", quote_id=quote["quote_id"], signature=quote["signature"]))
        finally:
            loop.close(t, o, m, m2)
