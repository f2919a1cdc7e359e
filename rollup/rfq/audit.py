"""The gateway's audit log: one JSON line per message, handshake refusal and connection event.

    {"ts": 1700000000.123, "serial": "<hex>", "subject": "CN=alice,OU=taker,O=ACME",
     "event": "rfq", "decision": "accepted" | "refused" | "closed" | "connected",
     "reason": "...", "peer": "127.0.0.1:50422"}

The identity columns come from the verified client certificate; the address is only
context.  Lines are written as they happen (line-buffered), so a crash loses none.

What a client can cause without bound (refusals over its rate limit, failed handshakes) goes
through ``summarised``: a line only when the caller's token bucket allows, the lines left out
counted and reported with the next line of the same key (or by ``flush``).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TextIO

from rollup.rfq.identity import PeerIdentity
from rollup.rfq.ratelimit import RateLimiter


class AuditLog:
    def __init__(self, path: str | Path | None) -> None:
        self._file: TextIO | None = open(path, "a", buffering=1, encoding="utf-8") if path else None
        self.lines = 0
        self.suppressed: dict[object, int] = {}  # key -> lines left out since its last line

    def write(self, who: PeerIdentity | None, event: str, decision: str, reason: str = "", peer: str = "") -> None:
        self.lines += 1
        if self._file is None:
            return
        line = {
            "ts": round(time.time(), 3),
            "serial": who.serial_hex if who else None,
            "subject": who.subject if who else None,
            "event": event,
            "decision": decision,
            "reason": reason[:300],
            "peer": peer,
        }
        self._file.write(json.dumps(line, separators=(",", ":")) + "\n")

    def summarised(
        self,
        limiter: RateLimiter,
        key: object,
        who: PeerIdentity | None,
        event: str,
        decision: str,
        reason: str,
        peer: str,
    ) -> None:
        """One line if limiter allows key one now (with the count of those left out before), else counted."""
        if not limiter.allow(key):
            self.suppressed[key] = self.suppressed.get(key, 0) + 1
            return
        left_out = self.suppressed.pop(key, 0)
        self.write(who, event, decision, f"{reason} (and {left_out} like it unlogged)" if left_out else reason, peer)

    def flush(self, key: object, who: PeerIdentity | None, event: str, decision: str, peer: str) -> None:
        """The count of key's lines left out since its last line, if any (at disconnect)."""
        left_out = self.suppressed.pop(key, 0)
        if left_out:
            self.write(who, event, decision, f"{left_out} more unlogged", peer)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
