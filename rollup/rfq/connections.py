"""Live connections of the gateway, by certificate serial, so a revocation can close them.

``TlsConnection`` sits between asyncio's TLS transport and aiohttp's request handler: it
hands a new TCP connection to the admission cap (``admission.Handshakes``) at once, and once
the handshake is done it registers the transport under the peer certificate's serial, and
unregisters it when the connection ends.  ``Session`` is one WebSocket with an identity:
its outgoing messages go through a bounded queue drained by its own task, so a client
that stops reading fills only its own queue and is closed; nobody else waits for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
from collections import OrderedDict

from aiohttp import web
from cryptography import x509

from rollup.rfq.errors import IdentityError
from rollup.rfq.identity import PeerIdentity, peer_identity

log = logging.getLogger("zkdx.rfq.gateway")
QUEUE = 256  # messages queued to one client before it counts as a slow consumer
CLOSE_REVOKED, CLOSE_EXPIRED, CLOSE_SLOW, CLOSE_FLOOD = 4003, 4004, 4008, 4029


class Identities:
    """Verified peer certificates (DER) to identities, cached (parsing checks a curve point)."""

    def __init__(self, size: int = 4096) -> None:
        self._cache: OrderedDict[bytes, PeerIdentity | IdentityError] = OrderedDict()
        self.size = size

    def of(self, der: bytes) -> PeerIdentity:
        digest = hashlib.sha256(der).digest()
        hit = self._cache.get(digest)
        if hit is None:
            try:
                hit = peer_identity(x509.load_der_x509_certificate(der))
            except (IdentityError, ValueError) as exc:
                hit = exc if isinstance(exc, IdentityError) else IdentityError(f"unreadable certificate: {exc}")
            self._cache[digest] = hit
            if len(self._cache) > self.size:
                self._cache.popitem(last=False)
        if isinstance(hit, IdentityError):
            raise hit
        return hit

    def of_transport(self, transport: asyncio.BaseTransport) -> PeerIdentity:
        ssl_object = transport.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
        if not der:
            raise IdentityError("no verified client certificate on this connection")
        return self.of(der)


class Registry:
    """serial -> live transports and sessions."""

    def __init__(self, identities: Identities) -> None:
        self.identities = identities
        self.transports: dict[int, set[asyncio.BaseTransport]] = {}
        self.sessions: dict[int, set[Session]] = {}
        self.not_after: dict[int, float] = {}  # serial -> its certificate's notAfter (POSIX s)

    def add_transport(self, transport: asyncio.BaseTransport) -> int | None:
        try:
            who = self.identities.of_transport(transport)
        except IdentityError:
            return None  # refused at the first request, with a message
        self.transports.setdefault(who.serial, set()).add(transport)
        self.not_after[who.serial] = who.not_after.timestamp()
        return who.serial

    def drop_transport(self, serial: int | None, transport: asyncio.BaseTransport) -> None:
        live = self.transports.get(serial)
        if live is not None:
            live.discard(transport)
            if not live:
                del self.transports[serial]
                self.not_after.pop(serial, None)

    def expired(self, now: float) -> list[int]:
        """Serials with live connections whose certificate expired by now (each reported once)."""
        due = [serial for serial, end in self.not_after.items() if end < now]
        for serial in due:
            del self.not_after[serial]
        return due

    def close_serial(self, serial: int, code: int, reason: str, grace: float = 0.3) -> int:
        """Close every session (with a close frame) and transport of serial; how many connections."""
        for session in list(self.sessions.get(serial, ())):
            session.close(code, reason)
        transports = list(self.transports.get(serial, ()))
        loop = asyncio.get_running_loop()
        for transport in transports:
            loop.call_later(grace, transport.abort)
        return len(transports)


class TlsConnection(asyncio.Protocol):
    """One TCP connection: paused until the gateway's ``start_tls`` handshake is done, then a
    transparent wrapper around aiohttp's handler that registers the transport by serial.

    Bytes decrypted between the end of the handshake and ``attach`` are kept and handed on.
    """

    def __init__(self, registry: Registry, accept: object, admit: object = None) -> None:
        self.registry, self.accept, self.admit = registry, accept, admit
        self.inner: asyncio.Protocol | None = None
        self.transport: asyncio.BaseTransport | None = None
        self.serial: int | None = None
        self._early: list[bytes] = []
        self._eof = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if self.transport is None:  # the TCP transport: hold its bytes for start_tls
            self.transport = transport
            transport.pause_reading()
            if self.admit is not None:  # counted at once, not when the handshake task first runs
                self.admit(transport)
            asyncio.get_running_loop().create_task(self.accept(self, transport))

    def attach(self, transport: asyncio.BaseTransport, inner: asyncio.Protocol) -> int | None:
        """Hand the TLS transport to inner (aiohttp's handler); the peer's serial, if it has an identity."""
        self.transport, self.inner = transport, inner
        self.serial = self.registry.add_transport(transport)
        inner.connection_made(transport)
        for data in self._early:
            inner.data_received(data)
        self._early.clear()
        if self._eof:
            inner.eof_received()
        return self.serial

    def connection_lost(self, exc: Exception | None) -> None:
        if self.inner is not None:
            self.registry.drop_transport(self.serial, self.transport)
            self.inner.connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.inner is None:
            self._early.append(data)
        else:
            self.inner.data_received(data)

    def eof_received(self) -> bool | None:
        if self.inner is None:
            self._eof = True
            return None
        return self.inner.eof_received()

    def pause_writing(self) -> None:
        if self.inner is not None:
            self.inner.pause_writing()

    def resume_writing(self) -> None:
        if self.inner is not None:
            self.inner.resume_writing()


class Session:
    """One WebSocket client: identity, an outgoing queue and the task that drains it."""

    def __init__(self, ws: web.WebSocketResponse, who: PeerIdentity, peer: str) -> None:
        self.ws, self.who, self.peer = ws, who, peer
        self.queue: asyncio.Queue[str | None] = asyncio.Queue(QUEUE)
        self.close_reason = ""
        self.over_limit = 0  # frames refused over the rate limit
        self.writer = asyncio.create_task(self._drain())

    def send(self, msg: dict | str) -> None:
        if self.close_reason:
            return
        try:
            self.queue.put_nowait(msg if isinstance(msg, str) else json.dumps(msg, separators=(",", ":")))
        except asyncio.QueueFull:
            self.close(CLOSE_SLOW, f"slow consumer: {QUEUE} messages unread")

    def close(self, code: int, reason: str) -> None:
        """Close after what is queued (at once if the queue is full)."""
        if self.close_reason:
            return
        self.close_reason = reason
        asyncio.get_running_loop().create_task(self._close(code, reason))

    async def _close(self, code: int, reason: str) -> None:
        self.writer.cancel()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.ws.close(code=code, message=reason.encode()[:120]), 0.5)

    async def _drain(self) -> None:
        while True:
            text = await self.queue.get()
            try:
                await self.ws.send_str(text)
            except (ConnectionError, RuntimeError):
                return

    async def stop(self) -> None:
        self.writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.writer
