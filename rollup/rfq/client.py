"""Client library for takers and makers: mutual TLS 1.3 WebSocket to the gateway.

    async with RfqClient.from_files(url, ca="ca.cert.pem", cert="me.cert.pem", key="me.key.pem",
                                    l2_key=wallet_secret) as c:
        ack = await c.request(market=0, side="buy", size=10, expiry=int(time.time()) + 30)
        quote = await c.next_event("quote")
        fill = await c.accept(quote)

Requests carry a fresh ``ref``; the answer with that ref (or an ``error``, raised as
``GatewayError`` with the gateway's code) completes the call.  Everything else the gateway
pushes (rfq, quote, fill, rfq_closed, quote_closed) waits in ``events``.  The client signs
only terms it recomputed itself: ``accept`` checks that the quote id is the ledger message
of the terms shown, ``quote`` builds the terms from the RFQ and its own account.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import ssl
from pathlib import Path

import aiohttp

from circuits.native import eddsa
from rollup.rfq import protocol
from rollup.rfq.errors import GatewayError
from rollup.rfq.terms import Terms, parties, quote_id
from rollup.rfq.tls import client_context
from verifier import jsonsafe

PUSHED = ("rfq", "quote", "fill", "rfq_closed", "quote_closed")


def _parse(text: str) -> dict:
    """A gateway message (bounded parse); GatewayError if it is not a JSON object."""
    msg = jsonsafe.loads(text, GatewayError, max_bytes=1 << 20, max_depth=16)
    if not isinstance(msg, dict):
        raise GatewayError("the gateway sent something other than a JSON object", "malformed")
    return msg


class RfqClient:
    def __init__(self, url: str, ssl_context: ssl.SSLContext, l2_key: bytes | None = None, timeout: float = 10.0):
        self.url, self.ssl, self.l2_key, self.timeout = url, ssl_context, l2_key, timeout
        self.events: asyncio.Queue[dict] = asyncio.Queue()
        self.welcome: dict = {}
        self.closed: tuple[int | None, str] | None = None
        self._refs = itertools.count(1)
        self._pending: dict[str, asyncio.Future] = {}
        self._http: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task | None = None

    @classmethod
    def from_files(
        cls,
        url: str,
        ca: str | Path,
        cert: str | Path,
        key: str | Path,
        l2_key: bytes | None = None,
        timeout: float = 10.0,
    ) -> RfqClient:
        return cls(url, client_context(ca, cert, key), l2_key, timeout)

    # ---- connection ---------------------------------------------------------------------
    async def connect(self) -> dict:
        """Open the WebSocket; returns the gateway's welcome (identity, domain, markets)."""
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None, connect=self.timeout))
        try:
            self._ws = await self._http.ws_connect(self.url, ssl=self.ssl, max_msg_size=1 << 20, heartbeat=30.0)
            self.welcome = _parse(await self._ws.receive_str(timeout=self.timeout))
        except (TimeoutError, aiohttp.ClientError, OSError, TypeError, ValueError) as exc:
            await self.close()
            raise GatewayError(f"cannot connect to {self.url}: {type(exc).__name__}: {exc}") from exc
        if self.welcome.get("type") != "welcome":
            await self.close()
            raise GatewayError(f"gateway did not greet: {self.welcome}")
        self._reader = asyncio.create_task(self._read())
        return self.welcome

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        if self._http is not None:
            await self._http.close()

    async def __aenter__(self) -> RfqClient:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _read(self) -> None:
        while True:
            frame = await self._ws.receive()
            if frame.type != aiohttp.WSMsgType.TEXT:
                if frame.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED):
                    break
                continue
            msg = _parse(frame.data)
            waiter = self._pending.pop(msg.get("ref"), None) if isinstance(msg.get("ref"), str) else None
            if waiter is not None and not waiter.done():
                if msg.get("type") == "error":
                    waiter.set_exception(GatewayError(msg.get("message", ""), msg.get("code", "error")))
                else:
                    waiter.set_result(msg)
            else:
                self.events.put_nowait(msg)
        self.closed = (self._ws.close_code, str(frame.extra or "") if frame.type == aiohttp.WSMsgType.CLOSE else "")
        for waiter in self._pending.values():
            if not waiter.done():
                waiter.set_exception(GatewayError(f"connection closed ({self._ws.close_code})", "closed"))
        self.events.put_nowait({"type": "closed", "code": self._ws.close_code, "reason": self.closed[1]})

    # ---- requests -----------------------------------------------------------------------
    async def call(self, kind: str, **fields: object) -> dict:
        """Send one message and wait for the answer with its ref."""
        if self._ws is None or self._ws.closed:
            raise GatewayError("not connected", "closed")
        ref = f"c{next(self._refs)}"
        self._pending[ref] = fut = asyncio.get_running_loop().create_future()
        await self._ws.send_str(json.dumps(protocol.out(kind, ref, **fields)))
        try:
            return await asyncio.wait_for(fut, self.timeout)
        except TimeoutError as exc:
            raise GatewayError(f"no answer to {kind} within {self.timeout} s", "timeout") from exc
        finally:
            self._pending.pop(ref, None)

    async def next_event(
        self, kind: str | tuple[str, ...] = PUSHED, timeout: float | None = None, **match: object
    ) -> dict:
        """The next pushed message of this kind whose fields equal ``match`` (others meanwhile are dropped)."""
        kinds = (kind,) if isinstance(kind, str) else kind
        deadline = asyncio.get_running_loop().time() + (timeout or self.timeout)
        while True:
            left = deadline - asyncio.get_running_loop().time()
            try:
                msg = await asyncio.wait_for(self.events.get(), max(left, 0))
            except TimeoutError as exc:
                raise GatewayError(f"no {'/'.join(kinds)} within the timeout", "timeout") from exc
            if msg.get("type") in kinds and all(msg.get(k) == v for k, v in match.items()):
                return msg

    @property
    def domain(self) -> int:
        return int(self.welcome["domain"])

    @property
    def account(self) -> int:
        return self.welcome["identity"]["account"]

    async def _sign(self, msg: int) -> dict:
        if self.l2_key is None:
            raise GatewayError("this client has no L2 key to sign with", "no_key")
        return protocol.signature_json(eddsa.sign(self.l2_key, msg))

    # ---- taker ---------------------------------------------------------------------------
    async def request(self, market: int, side: str, size: int, expiry: int) -> dict:
        return await self.call("rfq", market=market, side=side, size=size, expiry=expiry)

    async def accept(self, quote: dict) -> dict:
        """Sign the quote's terms (after checking that its id is their ledger message) and accept."""
        terms = Terms(**{k: int(v) for k, v in quote["terms"].items()})
        msg = terms.message(self.domain)
        if quote_id(msg) != quote["quote_id"]:
            raise GatewayError("the quote id is not the ledger message of the terms shown; not signing", "mismatch")
        return await self.call("accept", quote_id=quote["quote_id"], signature=await self._sign(msg))

    async def cancel_rfq(self, rfq_id: str) -> dict:
        return await self.call("cancel_rfq", rfq_id=rfq_id)

    # ---- maker ----------------------------------------------------------------------------
    async def nonce(self) -> int:
        return (await self.call("account"))["nonce"]

    def terms_for(self, rfq: dict, price: int, expiry: int, my_nonce: int) -> Terms:
        buyer, seller = parties(rfq["side"], rfq["taker_account"], self.account)
        taker_nonce = int(rfq["taker_nonce"])
        nb, ns = (taker_nonce, my_nonce) if buyer == rfq["taker_account"] else (my_nonce, taker_nonce)
        return Terms(rfq["market"], buyer, seller, rfq["size"], price, expiry, nb, ns)

    async def quote(self, rfq: dict, price: int, expiry: int, my_nonce: int | None = None) -> dict:
        """A firm quote signed over the ledger trade message; returns the quote_ack."""
        terms = self.terms_for(rfq, price, expiry, await self.nonce() if my_nonce is None else my_nonce)
        signature = await self._sign(terms.message(self.domain))
        return await self.call(
            "quote",
            rfq_id=rfq["rfq_id"],
            price=price,
            expiry=expiry,
            nonce_buyer=terms.nonce_buyer,
            nonce_seller=terms.nonce_seller,
            signature=signature,
        )

    async def cancel_quote(self, quote_id_: str) -> dict:
        return await self.call("cancel_quote", quote_id=quote_id_)
