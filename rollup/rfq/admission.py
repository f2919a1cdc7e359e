"""Admission before identity: a cap on connections that have not finished their TLS handshake.

An anonymous client can open TCP connections and never send a ClientHello; each holds a file
descriptor until ``HANDSHAKE_TIMEOUT``.  ``Handshakes`` keeps at most ``total`` such
connections (default: a quarter of the process's descriptor limit, so the rest stays for
established clients, the CA files and the audit log) and at most ``per_address`` from one
source address.  When a new connection would exceed either cap, the *oldest* pending one (of
that address, or of all) is dropped, not the new one: a client whose handshake takes
milliseconds gets through unless the flood opens more than a cap's worth of connections
within those milliseconds; refusing new connections instead would let a slow flood hold the
door shut.  Established connections are never touched.
"""

from __future__ import annotations

import asyncio
import resource
from collections import Counter, OrderedDict

PER_ADDRESS = 128  # pending handshakes kept per source address (a NAT, a benchmark: 50 at once)


def default_total() -> int:
    """A quarter of the soft descriptor limit, within [16, 1024]."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    soft = soft if soft != resource.RLIM_INFINITY else 4096
    return max(16, min(1024, soft // 4))


class Handshakes:
    """Pending (TCP accepted, TLS not done) connections, oldest first."""

    def __init__(self, total: int | None = None, per_address: int = PER_ADDRESS) -> None:
        self.total, self.per_address = total or default_total(), per_address
        self.pending: OrderedDict[asyncio.BaseTransport, str] = OrderedDict()
        self.by_address: Counter[str] = Counter()
        self.dropped = 0  # connections dropped to make room (for the audit summary)

    def admit(self, transport: asyncio.BaseTransport) -> None:
        """Count transport as pending, dropping the oldest pending connection(s) over a cap."""
        peer = transport.get_extra_info("peername")
        address = str(peer[0]) if peer else ""
        if self.by_address[address] >= self.per_address:
            self._drop(next(t for t, a in self.pending.items() if a == address))
        if len(self.pending) >= self.total:
            self._drop(next(iter(self.pending)))
        self.pending[transport] = address
        self.by_address[address] += 1

    def done(self, transport: asyncio.BaseTransport) -> None:
        """The handshake ended (either way): no longer pending."""
        address = self.pending.pop(transport, None)
        if address is not None:
            self.by_address[address] -= 1
            if not self.by_address[address]:
                del self.by_address[address]

    def _drop(self, transport: asyncio.BaseTransport) -> None:
        self.done(transport)
        transport.abort()
        self.dropped += 1
