"""The gateway's audit log: one JSON line per message, handshake refusal and connection event.

    {"ts": 1700000000.123, "serial": "<hex>", "subject": "CN=alice,OU=taker,O=ACME",
     "event": "rfq", "decision": "accepted" | "refused" | "closed" | "connected",
     "reason": "...", "peer": "127.0.0.1:50422"}

The identity columns come from the verified client certificate; the address is only
context.  Lines are written as they happen (line-buffered), so a crash loses none.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TextIO

from rollup.rfq.identity import PeerIdentity


class AuditLog:
    def __init__(self, path: str | Path | None) -> None:
        self._file: TextIO | None = open(path, "a", buffering=1, encoding="utf-8") if path else None
        self.lines = 0

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

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
