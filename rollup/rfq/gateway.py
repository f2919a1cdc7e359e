"""The RFQ gateway: WebSocket (``/v1/ws``) and health (``/v1/health``) on aiohttp over mutual TLS 1.3.

Identity is the verified client certificate (``connections.Identities``), checked for
revocation and its validity window on every request; the CRL in the CA directory is
watched and applied to new handshakes and live connections within a second
(``tls.CrlWatcher``), and connections close at their certificate's notAfter.  Connections
still in their handshake are capped (``admission.Handshakes``).  Every frame is rate
limited per owner (names, account), size checked, decoded by ``protocol.decode`` and
handled by ``service.RfqService``; every decision is one audit line, except refusals a
client can repeat without bound (over its rate limit, failed handshakes): those are
summarised, and a session refused beyond its budget is closed (4029).  Signature checks
(``circuits.native.eddsa.verify``, ~0.6 ms) run on the loop by default; ``verify_workers``
moves them to a process pool (slower on 2 cores: docs/decisions.md).
"""

from __future__ import annotations

import asyncio
import logging
import re
import ssl
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

from aiohttp import WSMsgType, web

from circuits.native import eddsa
from rollup.rfq import protocol
from rollup.rfq.admission import Handshakes
from rollup.rfq.audit import AuditLog
from rollup.rfq.connections import (
    CLOSE_EXPIRED,
    CLOSE_FLOOD,
    CLOSE_REVOKED,
    Identities,
    Registry,
    Session,
    TlsConnection,
)
from rollup.rfq.errors import IdentityError, ProtocolError, RateLimited, RfqError
from rollup.rfq.identity import PeerIdentity
from rollup.rfq.ratelimit import RateLimiter
from rollup.rfq.sequencer import Sequencer
from rollup.rfq.service import RfqService, owner
from rollup.rfq.tls import CrlWatcher

log = logging.getLogger("zkdx.rfq.gateway")
HANDSHAKE_TIMEOUT = 3.0  # seconds; a client that stalls its handshake is dropped (a handshake takes ms)
HARD_FRAME = 64 << 10  # frames above this close the connection (1009); above MAX_FRAME get an error
MAX_CONNECTIONS = 8  # WebSocket connections per owner (names, account)
REF = re.compile(r'"ref"\s*:\s*"([^"\\]{0,64})"')


class Verifier:
    """EdDSA-Poseidon checks (``eddsa.verify``) in ``workers`` processes (0: inline, on the loop)."""

    def __init__(self, workers: int) -> None:
        self.pool = ProcessPoolExecutor(workers, mp_context=get_context("spawn")) if workers else None

    async def __call__(self, msg: int, sig: eddsa.Signature, key: tuple[int, int]) -> bool:
        if self.pool is None:
            return eddsa.verify(msg, sig, key)
        return await asyncio.get_running_loop().run_in_executor(self.pool, eddsa.verify, msg, sig, key)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)


class Gateway:
    def __init__(
        self,
        directory: str | Path,
        sequencer: Sequencer,
        *,
        host: str = "127.0.0.1",
        port: int = 8443,
        markets: int = 2,
        rate: float = 200.0,
        burst: float = 400.0,
        verify_workers: int = 0,
        audit: str | Path | None = None,
        crl_interval: float = 0.1,
    ) -> None:
        self.dir, self.host, self.port = Path(directory), host, port
        self.watcher = CrlWatcher(self.dir, crl_interval)
        self.registry = Registry(Identities())
        self.verifier = Verifier(verify_workers)
        self.service = RfqService(sequencer, markets, self.verifier)
        self.limiter = RateLimiter(rate, burst)  # messages, per owner
        self.strikes = RateLimiter(rate, burst)  # frames refused over the limit, per session: then closed
        self.audit_budget = RateLimiter(1.0, 3.0)  # audit lines of refusals over the limit, per session
        self.handshake_budget = RateLimiter(5.0, 100.0)  # audit lines of failed handshakes, all together
        self.handshakes = Handshakes()
        self.slots: dict[tuple, int] = {}  # owner -> WebSocket connections, counted before any await
        self.audit = AuditLog(audit if audit is not None else self.dir / "audit.log")
        self.app = web.Application()
        self.app.add_routes([web.get("/v1/health", self._health), web.get("/v1/ws", self._ws)])
        self._tasks: list[asyncio.Task] = []
        self._runner: web.AppRunner | None = None
        self._server: asyncio.AbstractServer | None = None

    # ---- lifecycle --------------------------------------------------------------------
    async def start(self) -> None:
        await self.service.start()
        if self.verifier.pool is not None:  # warm the workers (imports, Poseidon constants)
            await self.verifier(1, eddsa.Signature((0, 1), 0), (0, 1))
        self._runner = web.AppRunner(self.app, access_log=None, handle_signals=False)
        await self._runner.setup()
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: TlsConnection(self.registry, self._handshake, self.handshakes.admit),
            self.host,
            self.port,
            backlog=min(1024, self.handshakes.total),  # also how many asyncio accepts in one go
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self._tasks = [asyncio.create_task(self.watcher.run(self._revoked)), asyncio.create_task(self._sweep())]
        log.info("gateway on %s:%d (CRL %d)", self.host, self.port, self.watcher.crl_number)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        if self._server is not None:
            self._server.close()
        for sessions in list(self.registry.sessions.values()):
            for session in list(sessions):
                session.close(1001, "gateway shutting down")
        await asyncio.sleep(0.05)
        for transports in list(self.registry.transports.values()):
            for transport in list(transports):
                transport.abort()
        if self._runner is not None:
            await self._runner.cleanup()
        self.verifier.close()
        self.audit.close()

    async def _sweep(self) -> None:
        """Every 250 ms: expire RFQs and quotes, close connections whose certificate expired."""
        while True:
            await asyncio.sleep(0.25)
            self.service.sweep()
            for serial in self.registry.expired(time.time()):
                n = self.registry.close_serial(serial, CLOSE_EXPIRED, "certificate expired")
                self.audit.write(None, "expiry", "closed", f"serial {serial:x}: {n} live connection(s) closed")

    async def _handshake(self, conn: TlsConnection, tcp: asyncio.Transport) -> None:
        """TLS 1.3 with the current CRL's context; a failure is one audit line, no traceback."""
        peer = tcp.get_extra_info("peername")
        peer = f"{peer[0]}:{peer[1]}" if peer else ""
        if tcp.is_closing():  # dropped by the admission cap before this task ran
            self.handshakes.done(tcp)
            return
        try:
            tls = await asyncio.get_running_loop().start_tls(
                tcp, conn, self.watcher.current, server_side=True, ssl_handshake_timeout=HANDSHAKE_TIMEOUT
            )
        except (ssl.SSLError, OSError, TimeoutError) as exc:
            reason = _tls_reason(exc)
            self.audit.summarised(self.handshake_budget, "handshake", None, "handshake", "refused", reason, peer)
            tcp.abort()
            return
        finally:
            self.handshakes.done(tcp)
        if tls is None or self._runner is None or self._runner.server is None:
            tcp.abort()
            return
        serial = conn.attach(tls, self._runner.server())
        if serial is not None and serial in self.watcher.revoked:  # revoked during the handshake
            tls.abort()

    def _revoked(self, serials: frozenset[int]) -> None:
        for serial in serials:
            n = self.registry.close_serial(serial, CLOSE_REVOKED, "certificate revoked")
            self.audit.write(None, "revocation", "closed", f"serial {serial:x}: {n} live connection(s) closed")

    # ---- HTTP ---------------------------------------------------------------------------
    def _who(self, request: web.Request) -> PeerIdentity:
        who = self.registry.identities.of_transport(request.transport)
        unusable = who.unusable(time.time(), self.watcher.revoked)
        if unusable:
            raise IdentityError(unusable)
        return who

    async def _health(self, request: web.Request) -> web.Response:
        try:
            who = self._who(request)
        except IdentityError as exc:
            self.audit.write(None, "health", "refused", str(exc), str(request.remote))
            return web.json_response({"error": {"code": exc.code, "message": str(exc)}}, status=403)
        self.audit.write(who, "health", "accepted", "", str(request.remote))
        ident = who.identity
        return web.json_response(
            {
                "status": "ok",
                "protocol": protocol.VERSION,
                "crl_number": self.watcher.crl_number,
                "you": {
                    "firm": ident.firm,
                    "trader": ident.trader,
                    "role": ident.role,
                    "account": ident.account,
                    "serial": who.serial_hex,
                },
            }
        )

    async def _ws(self, request: web.Request) -> web.StreamResponse:
        try:
            who = self._who(request)
        except IdentityError as exc:
            self.audit.write(None, "connect", "refused", str(exc), str(request.remote))
            return web.json_response({"error": {"code": exc.code, "message": str(exc)}}, status=403)
        key = (who.identity.key, who.identity.account)
        if self.slots.get(key, 0) >= MAX_CONNECTIONS:
            self.audit.write(who, "connect", "refused", "too many connections", str(request.remote))
            return web.json_response({"error": {"code": "rate_limited", "message": "too many connections"}}, status=429)
        self.slots[key] = self.slots.get(key, 0) + 1  # reserved before the awaits below
        try:
            ws = web.WebSocketResponse(max_msg_size=HARD_FRAME, heartbeat=30.0, compress=False)
            await ws.prepare(request)
            await self._serve(Session(ws, who, str(request.remote)))
        finally:
            self.slots[key] -= 1
            if not self.slots[key]:
                del self.slots[key]
        return ws

    async def _serve(self, session: Session) -> None:
        who = session.who
        self.registry.sessions.setdefault(who.serial, set()).add(session)
        session.send(await self.service.welcome(session))  # first, then the broadcasts
        self.service.peers.add(session)
        self.audit.write(who, "connect", "accepted", "", session.peer)
        try:
            async for frame in session.ws:
                if frame.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                    await self._frame(session, frame.data if frame.type == WSMsgType.TEXT else None)
                elif frame.type == WSMsgType.ERROR:
                    self.audit.write(who, "frame", "refused", f"{session.ws.exception()}", session.peer)
        finally:
            self.service.peers.discard(session)
            live = self.registry.sessions.get(who.serial, set())
            live.discard(session)
            if not live:
                self.registry.sessions.pop(who.serial, None)
            await session.stop()
            self.strikes.forget(session)
            self.audit_budget.forget(session)
            self.audit.flush(session, who, "frame", "refused", session.peer)
            reason = session.close_reason or f"closed ({session.ws.close_code})"
            self.audit.write(who, "disconnect", "closed", reason, session.peer)

    def _over_limit(self, session: Session, text: str | None) -> None:
        """A frame over the rate limit: refused before parsing (the ref is fished out), its audit
        line summarised; a session refused more than the limit allows (``strikes``) is closed."""
        if not self.strikes.allow(session):
            return session.close(CLOSE_FLOOD, f"over the rate limit: refused {session.over_limit} frames")
        session.over_limit += 1
        ref = REF.search(text, 0, 256) if text is not None else None
        limited = RateLimited(f"over {self.limiter.rate:g} messages/s")
        session.send(protocol.out("error", ref.group(1) if ref else None, code=limited.code, message=str(limited)))
        reason = f"{limited.code}: {limited}"
        self.audit.summarised(self.audit_budget, session, session.who, "frame", "refused", reason, session.peer)

    def _refuse(self, session: Session, event: str, exc: RfqError, ref: str | None = None) -> None:
        session.send(protocol.out("error", ref, code=exc.code, message=str(exc)))
        self.audit.write(session.who, event, "refused", f"{exc.code}: {exc}", session.peer)

    async def _frame(self, session: Session, text: str | None) -> None:
        """One frame (text, or None for a binary frame); every frame costs a token first."""
        who = session.who
        unusable = who.unusable(time.time(), self.watcher.revoked)
        if unusable:
            return session.close(CLOSE_REVOKED if who.serial in self.watcher.revoked else CLOSE_EXPIRED, unusable)
        if not self.limiter.allow(owner(session)):
            return self._over_limit(session, text)
        if text is None:
            return self._refuse(session, "binary", ProtocolError("text frames only (one JSON object each)"))
        size = len(text.encode())
        if size > protocol.MAX_FRAME:
            return self._refuse(session, "frame", ProtocolError(f"frame of {size} bytes exceeds {protocol.MAX_FRAME}"))
        obj = None
        try:
            obj = protocol.parse(text)
            msg = protocol.validate(obj)
        except ProtocolError as exc:
            return self._refuse(session, "frame", exc, protocol.peek_ref(obj))
        try:
            note = await self.service.handle(session, msg)
        except RfqError as exc:
            return self._refuse(session, msg.type, exc, msg.ref)
        except Exception as exc:  # a bug must not take the gateway down: log it, answer, go on
            log.exception("handling %s", msg.type)
            return self._refuse(session, msg.type, RfqError(f"internal error: {type(exc).__name__}"), msg.ref)
        self.audit.write(who, msg.type, "accepted", note, session.peer)


def _tls_reason(exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"certificate verify failed: {exc.verify_message}"
    if isinstance(exc, ssl.SSLError):
        return f"TLS: {exc.reason or exc}".replace("_", " ").lower()
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
