"""Alerts: one JSON object per line on stdout, and optionally POSTed to a webhook.

An alert is ``{"ts", "alert", "severity", "block", "message", ...details}``; severities are
"critical" (the guardian votes to pause on these), "warning", "error" (the monitor itself
cannot do its job, e.g. L1 unreachable) and "info" (started, resolved, vote cast).  The
webhook is served by a background thread with a bounded queue, so a slow or dead endpoint
never delays a check or a vote; a failed delivery is reported on stderr, once per failure.
"""

from __future__ import annotations

import json
import queue
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import TextIO

SEVERITIES = ("critical", "warning", "error", "info")
WEBHOOK_QUEUE = 1000


@dataclass(frozen=True)
class Alert:
    name: str
    severity: str
    message: str
    block: int | None = None
    details: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "ts": round(time.time(), 3),
            "alert": self.name,
            "severity": self.severity,
            "block": self.block,
            "message": self.message,
            **self.details,
        }


class AlertSink:
    """Writes alerts as JSON lines; forwards them to a webhook if one is configured."""

    def __init__(self, stream: TextIO | None = None, webhook: str | None = None, timeout: float = 5.0) -> None:
        self.stream = stream or sys.stdout
        self.webhook, self.timeout = webhook, timeout
        self.sent: list[Alert] = []  # everything emitted, in order (tests and the benchmark read it)
        self._lock = threading.Lock()
        self._queue: queue.Queue[dict | None] = queue.Queue(WEBHOOK_QUEUE)
        self._thread: threading.Thread | None = None
        if webhook:
            self._thread = threading.Thread(target=self._deliver, name="zkdx-webhook", daemon=True)
            self._thread.start()

    def emit(self, alert: Alert) -> None:
        if alert.severity not in SEVERITIES:
            raise ValueError(f"unknown severity {alert.severity!r}")
        obj = alert.to_json()
        with self._lock:
            self.sent.append(alert)
            self.stream.write(json.dumps(obj, default=str) + "\n")
            self.stream.flush()
        if self._thread is not None:
            try:
                self._queue.put_nowait(obj)
            except queue.Full:
                print(f"zkdx monitor: webhook queue full, dropped alert {alert.name}", file=sys.stderr, flush=True)

    def _deliver(self) -> None:
        while (obj := self._queue.get()) is not None:
            body = json.dumps(obj, default=str).encode()
            req = urllib.request.Request(self.webhook, body, {"Content-Type": "application/json"}, method="POST")
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                    resp.read()
            except (urllib.error.URLError, OSError, ValueError) as exc:
                print(f"zkdx monitor: webhook {self.webhook} failed: {exc}", file=sys.stderr, flush=True)

    def close(self, timeout: float = 5.0) -> None:
        """Deliver what is queued (waiting at most timeout seconds), then stop the webhook thread."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout)
            self._thread = None
