"""Attacker's review (attack2): outliving a certificate's expiry on the RFQ gateway.

The handshake refuses an expired certificate.  Found: a TLS 1.3 session ticket brought an expired
certificate back in (G6), and a silent session outlived its certificate (G7); now the gateway sends
no tickets, checks notBefore/notAfter on every request and closes sessions at notAfter.  A raw TLS
socket (Python ``ssl``, blocking) stands in for any client that keeps its TLS 1.3 session ticket.
"""

from __future__ import annotations

import base64
import os
import socket
import ssl
import time
from datetime import UTC, datetime, timedelta

import pytest

from rollup.rfq.tls import client_context
from tests.rfq_helpers import ClientLoop, GatewayThread, Pki

LIFE = 3.0  # seconds of validity left on mallory's certificate


@pytest.fixture
def pki(tmp_path):
    return Pki(tmp_path)


def _expiring_maker(pki: Pki):
    now = datetime.now(UTC)
    return pki.issue("mallory", "maker", 1, window=(now - timedelta(days=1), now + timedelta(seconds=LIFE)))


def _tls(port: int, ctx: ssl.SSLContext, session: ssl.SSLSession | None = None) -> ssl.SSLSocket:
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    return ctx.wrap_socket(raw, server_hostname="127.0.0.1", session=session)


def _read_until(sock: ssl.SSLSocket, needle: bytes, limit: float = 10.0) -> bytes:
    data, deadline = b"", time.time() + limit
    while needle not in data and time.time() < deadline:
        try:
            chunk = sock.recv(65536)
        except (TimeoutError, ssl.SSLError, OSError):
            break
        if not chunk:
            break
        data += chunk
    return data


def _ticket(port: int, ctx: ssl.SSLContext) -> ssl.SSLSession:
    """The TLS session of a request made while the certificate is still valid (with a TLS 1.3
    session ticket if the gateway sends one)."""
    with _tls(port, ctx) as s:
        s.sendall(b"GET /v1/health HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n")
        assert b" 200 " in _read_until(s, b'"you"')
        assert s.session is not None
        return s.session


def _fresh_handshake_refused(port: int, ctx: ssl.SSLContext) -> bool:
    """True if a full handshake gets no HTTP answer (TLS 1.3: the server's alert comes after the
    client's side of the handshake has completed)."""
    try:
        with _tls(port, ctx) as s:
            s.sendall(b"GET /v1/health HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n")
            return b"HTTP/1.1" not in _read_until(s, b"\r\n\r\n", 3)
    except (ssl.SSLError, OSError):
        return True


def _ws_upgrade(s: ssl.SSLSocket) -> bytes:
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(
        (
            "GET /v1/ws HTTP/1.1\r\nHost: gw\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    return _read_until(s, b'"welcome"')


def test_an_expired_certificate_cannot_resume_its_tls_session(pki):
    alice = pki.issue("alice", "taker", 0)
    loop = ClientLoop()
    with GatewayThread(pki.ca_dir) as gw:
        taker = loop.connect(gw.url, pki, alice)
        mallory = _expiring_maker(pki)  # LIFE seconds from now: after the (slow) gateway start
        ctx = client_context(pki.ca_cert, mallory.cert, mallory.key)
        try:
            ticket = _ticket(gw.port, ctx)
            assert not ticket.has_ticket  # G6: the gateway sends no session tickets
            time.sleep(LIFE + 1.5)
            assert _fresh_handshake_refused(gw.port, ctx)  # the same certificate, no ticket: refused
            ack = loop.run(taker.request(0, "buy", 1, int(time.time()) + 60))
            with _tls(gw.port, ctx, ticket) as s:
                welcome = _ws_upgrade(s)
                seen_open = ack["rfq_id"].encode() in welcome
                ack2 = loop.run(taker.request(0, "sell", 2, int(time.time()) + 60))
                seen_new = ack2["rfq_id"].encode() in _read_until(s, ack2["rfq_id"].encode(), 5)
                assert not (s.session_reused and (seen_open or seen_new)), (
                    f"expired maker resumed: open RFQ in welcome {seen_open}, new RFQ broadcast {seen_new}"
                )
        finally:
            loop.close(taker)


def test_a_silent_session_is_closed_when_its_certificate_expires(pki):
    alice = pki.issue("alice", "taker", 0)
    loop = ClientLoop()
    with GatewayThread(pki.ca_dir) as gw:
        taker = loop.connect(gw.url, pki, alice)
        maker = loop.connect(gw.url, pki, _expiring_maker(pki))
        try:
            time.sleep(LIFE + 1.5)
            ack = loop.run(taker.request(0, "buy", 1, int(time.time()) + 60))
            try:
                rfq = loop.run(maker.next_event("rfq", rfq_id=ack["rfq_id"]), timeout=5)
            except Exception:  # closed, or nothing delivered: the secure outcome
                return
            raise AssertionError(f"expired maker received RFQ {rfq['rfq_id']}")
        finally:
            loop.close(maker, taker)


def test_a_kept_alive_connection_is_not_served_after_its_certificate_expires(pki):
    """The same TLS connection (HTTP keep-alive): served before notAfter, not after (closed by the
    gateway's sweep, or refused by the identity check of each request)."""
    get = b"GET /v1/health HTTP/1.1\r\nHost: gw\r\n\r\n"
    with GatewayThread(pki.ca_dir) as gw:
        mallory = _expiring_maker(pki)
        ctx = client_context(pki.ca_cert, mallory.cert, mallory.key)
        s = _tls(gw.port, ctx)
        s.sendall(get)
        assert b" 200 " in _read_until(s, b'"you"')
        time.sleep(LIFE + 1.5)
        try:
            s.sendall(get)
            answer = _read_until(s, b"}", 3)
        except (ssl.SSLError, OSError):
            answer = b""
        finally:
            s.close()
        assert b'"you"' not in answer, answer[:200]


def test_stopped_resumption_after_revocation(pki):
    """A session taken before revocation: no ticket comes with it (G6), a new CRL brings a new
    context anyway, and the revoked set is checked on every request."""
    mallory = pki.issue("mallory", "maker", 1)
    ctx = client_context(pki.ca_cert, mallory.cert, mallory.key)
    with GatewayThread(pki.ca_dir) as gw:
        ticket = _ticket(gw.port, ctx)
        pki.ca.revoke(mallory.serial, "key_compromise")  # rewrites crl.pem
        time.sleep(0.6)  # the watcher polls every 100 ms
        assert gw.gateway.watcher.revoked == {mallory.serial}
        with _tls(gw.port, ctx, ticket) as s:
            s.sendall(b"GET /v1/health HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n")
            answer = _read_until(s, b'"you"', 3)
            assert b'"you"' not in answer and not s.session_reused
