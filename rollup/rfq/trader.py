"""What ``zkdx rfq request / quote / accept`` do, as coroutines over ``RfqClient``.

Each prints one JSON object a line (``emit``) for every event a person or a program may
want: the gateway's messages as received, plus a final summary.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from rollup.rfq.client import RfqClient
from rollup.rfq.errors import GatewayError


def emit(obj: dict) -> None:
    print(json.dumps(obj, separators=(",", ":")), flush=True)


async def _quotes_until(client: RfqClient, rfq_id: str, wait: float) -> list[dict]:
    """Quotes on rfq_id until `wait` seconds pass or the RFQ closes."""
    quotes, deadline = [], time.monotonic() + wait
    while (left := deadline - time.monotonic()) > 0:
        try:
            msg = await client.next_event(("quote", "rfq_closed", "closed"), timeout=left)
        except GatewayError:
            break
        if msg.get("rfq_id") not in (rfq_id, None):
            continue
        emit(msg)
        if msg["type"] != "quote":
            break
        quotes.append(msg)
    return quotes


def best(quotes: list[dict], side: str) -> dict | None:
    """The lowest price for a buyer, the highest for a seller."""
    if not quotes:
        return None
    pick: Callable = min if side == "buy" else max
    return pick(quotes, key=lambda q: int(q["terms"]["price"]))


async def request(
    client: RfqClient, market: int, side: str, size: int, expiry_in: int, wait: float, accept: bool
) -> int:
    """Send an RFQ, collect quotes for `wait` s, accept the best if asked; exit status."""
    ack = await client.request(market, side, size, int(time.time()) + expiry_in)
    emit(ack)
    quotes = await _quotes_until(client, ack["rfq_id"], wait)
    chosen = best(quotes, side)
    if not accept or chosen is None:
        emit({"type": "summary", "rfq_id": ack["rfq_id"], "quotes": len(quotes), "accepted": None})
        return 0 if quotes or not accept else 1
    emit(await client.accept(chosen))
    return 0


async def accept(client: RfqClient, quote: dict) -> int:
    emit(await client.accept(quote))
    return 0


async def quote(
    client: RfqClient,
    price: int,
    expiry_in: int,
    count: int,
    wait: float,
    rfq_id: str | None = None,
    market: int | None = None,
) -> int:
    """Answer matching RFQs (open ones from the welcome first) at `price`, `count` times; wait for fills."""
    pending = list(client.welcome.get("rfqs", []))
    sent, deadline = 0, time.monotonic() + wait
    while sent < count and (left := deadline - time.monotonic()) > 0:
        rfq = pending.pop(0) if pending else await client.next_event("rfq", timeout=left)
        if (rfq_id and rfq["rfq_id"] != rfq_id) or (market is not None and rfq["market"] != market):
            continue
        try:
            emit(await client.quote(rfq, price, int(time.time()) + expiry_in))
            sent += 1
        except GatewayError as exc:
            emit({"type": "error", "rfq_id": rfq["rfq_id"], "code": exc.code, "message": str(exc)})
    outcomes = 0  # each quote ends filled or closed; stop when all did
    while outcomes < sent and (left := deadline - time.monotonic()) > 0:
        try:
            emit(await client.next_event(("fill", "quote_closed"), timeout=left))
        except GatewayError:
            break
        outcomes += 1
    return 0 if sent else 1
