"""TLS 1.3 contexts for the gateway and its clients, and the live CRL.

OpenSSL only uses a CRL added to a live ``SSLContext`` if its lastUpdate is strictly
later than the one it holds (1 s granularity), and never removes one.  So every CRL
version gets a fresh server context (``CrlWatcher.current``), and the gateway starts each
handshake with ``loop.start_tls(..., current)``: new handshakes use the newest CRL, the
ones already done keep theirs, and ``CrlWatcher`` reports newly revoked serials so the
gateway closes their live connections.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import ssl
import tempfile
from collections.abc import Callable
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from rollup.rfq.errors import PkiError
from rollup.rfq.pki import load_cert

log = logging.getLogger("zkdx.rfq.tls")


def _tls13_only(ctx: ssl.SSLContext) -> ssl.SSLContext:
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.maximum_version = ssl.TLSVersion.TLSv1_3
    return ctx


def load_crl(pem: bytes, ca_cert: x509.Certificate) -> x509.CertificateRevocationList:
    """A CRL that the CA signed; PkiError otherwise."""
    try:
        crl = x509.load_pem_x509_crl(pem)
    except ValueError as exc:
        raise PkiError(f"CRL is not PEM ({exc})") from exc
    if crl.issuer != ca_cert.subject or not crl.is_signature_valid(ca_cert.public_key()):
        raise PkiError("CRL is not signed by this CA")
    return crl


def server_context(directory: Path, crl_pem: bytes) -> ssl.SSLContext:
    """TLS 1.3 only, client certificate required, verified against the CA and this CRL; every
    connection makes a full handshake (no session tickets)."""
    ctx = _tls13_only(ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER))
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_cert_chain(directory / "server.cert.pem", directory / "server.key.pem")
    ctx.load_verify_locations(cafile=directory / "ca.cert.pem")
    with tempfile.NamedTemporaryFile(suffix=".pem") as f:  # the exact bytes parsed, not a later file
        f.write(crl_pem)
        f.flush()
        ctx.load_verify_locations(cafile=f.name)
    ctx.verify_flags |= ssl.VERIFY_CRL_CHECK_LEAF | ssl.VERIFY_X509_STRICT
    # No TLS 1.3 session tickets (nor stateful resumption): a resumed session skips certificate
    # verification, so an expired certificate would come back in with a ticket taken before.
    ctx.num_tickets = 0
    ctx.options |= ssl.OP_NO_TICKET
    return ctx


def client_context(ca_cert: str | Path, cert: str | Path, key: str | Path) -> ssl.SSLContext:
    """TLS 1.3 only; the gateway's certificate must chain to the operator's CA and match the host."""
    ctx = _tls13_only(ssl.create_default_context(cafile=str(ca_cert)))
    try:
        ctx.load_cert_chain(str(cert), str(key))
    except (OSError, ssl.SSLError) as exc:
        raise PkiError(f"cannot load the client certificate {cert} with key {key}: {exc}") from exc
    return ctx


class CrlWatcher:
    """The current server context, rebuilt whenever crl.pem changes (polled every ``interval`` s)."""

    def __init__(self, directory: str | Path, interval: float = 0.1) -> None:
        self.dir, self.interval = Path(directory), interval
        self.ca_cert = load_cert(self.dir / "ca.cert.pem")
        self._stamp: tuple[int, int] | None = None
        self._digest = self._der = b""
        self.revoked: frozenset[int] = frozenset()
        self.crl_number = -1
        self.version = 0  # how many contexts were built
        self.current = self._build()

    def _read(self) -> bytes:
        path = self.dir / "crl.pem"
        st = path.stat()
        self._stamp = (st.st_mtime_ns, st.st_size)
        return path.read_bytes()

    def _build(self) -> ssl.SSLContext:
        """A context for crl.pem's CRL if it is newer than the current one.

        Only the CRL whose signature was checked reaches the context, re-serialised (anything
        else in the file, e.g. an appended CA certificate, would become a trust anchor), and
        its CRL number must exceed the current one: an older CRL the CA once signed would
        un-revoke what was revoked since.  The same CRL again is no change."""
        pem = self._read()
        if pem.count(b"-----BEGIN") != 1:
            raise PkiError("crl.pem must hold exactly one PEM block (the CRL)")
        crl = load_crl(pem, self.ca_cert)
        try:
            number = crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
        except (x509.ExtensionNotFound, x509.DuplicateExtension, ValueError) as exc:
            raise PkiError(f"CRL without a readable CRL number: {exc}") from exc
        der = crl.public_bytes(serialization.Encoding.DER)
        if self.version and number <= self.crl_number:
            if number == self.crl_number and der == self._der:
                self._digest = hashlib.sha256(pem).digest()
                return self.current
            raise PkiError(f"CRL {number} is not newer than CRL {self.crl_number}; keeping CRL {self.crl_number}")
        ctx = server_context(self.dir, crl.public_bytes(serialization.Encoding.PEM))
        self._digest, self._der = hashlib.sha256(pem).digest(), der
        self.revoked = frozenset(r.serial_number for r in crl)
        self.crl_number, self.version = number, self.version + 1
        return ctx

    def poll(self) -> frozenset[int]:
        """Reload if crl.pem changed; the serials revoked since the last version."""
        st = (self.dir / "crl.pem").stat()
        if (st.st_mtime_ns, st.st_size) == self._stamp:
            return frozenset()
        before = self.revoked
        if hashlib.sha256((self.dir / "crl.pem").read_bytes()).digest() == self._digest:
            self._stamp = (st.st_mtime_ns, st.st_size)
            return frozenset()
        version = self.version
        self.current = self._build()
        if self.version != version:
            log.info("CRL %d loaded: %d revoked", self.crl_number, len(self.revoked))
        return self.revoked - before

    async def run(self, on_revoked: Callable[[frozenset[int]], None]) -> None:
        """Poll forever; a bad CRL (unsigned, unreadable, not newer) keeps the previous one and is logged."""
        while True:
            await asyncio.sleep(self.interval)
            try:
                newly = self.poll()
            except (OSError, PkiError, ssl.SSLError, ValueError) as exc:
                log.error("CRL not reloaded, keeping CRL %d: %s", self.crl_number, exc)
                continue
            if newly:
                on_revoked(newly)
