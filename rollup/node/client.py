"""A small synchronous client of the node's HTTP API (stdlib ``urllib``): ``zkdx submit``, the demo,
the benchmark and the tests use it.

    client = NodeClient("http://127.0.0.1:8650")
    receipt = client.submit(tx)            # NodeRefused(kind, status) if the node says no
    client.state(), client.account(3), client.tx(receipt["tx_hash"]), client.batches(), client.health()
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

from rollup.errors import NodeRefused, NodeUnavailable
from rollup.ledger import codec
from rollup.ledger.types import Transaction
from verifier import jsonsafe

MAX_REPLY = 16 << 20


class NodeClient:
    def __init__(self, url: str, timeout: float = 30.0) -> None:
        self.url, self.timeout = url.rstrip("/"), timeout

    def _call(self, method: str, path: str, body: bytes | None = None) -> object:
        req = urllib.request.Request(self.url + path, data=body, method=method)
        req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return _parse(resp.read(MAX_REPLY + 1))  # a hostile server cannot stream without bound
        except urllib.error.HTTPError as exc:
            reply = _parse(exc.read(MAX_REPLY + 1)) if exc.fp else {}
            err = reply.get("error") if isinstance(reply, dict) and isinstance(reply.get("error"), dict) else {}
            raise NodeRefused(err.get("type", "HTTPError"), str(err.get("message", exc.reason)), exc.code) from None
        except (urllib.error.URLError, OSError) as exc:
            raise NodeUnavailable(f"no node answers at {self.url}: {getattr(exc, 'reason', exc)}") from None

    def submit(self, tx: Transaction | dict) -> dict:
        """The receipt of an acknowledged transaction."""
        body = codec.dumps(tx) if not isinstance(tx, dict) else json.dumps(tx)
        reply = self._call("POST", "/v1/transactions", body.encode())
        if not isinstance(reply, dict) or not isinstance(reply.get("receipt"), dict):
            raise NodeUnavailable("the node's reply holds no receipt")
        return reply["receipt"]

    def tx(self, tx_hash: str) -> dict:
        return self._call("GET", f"/v1/transactions/{tx_hash}")

    def account(self, index: int) -> dict:
        return self._call("GET", f"/v1/accounts/{index}")

    def state(self) -> dict:
        return self._call("GET", "/v1/state")

    def batches(self, start: int = 0, limit: int = 100) -> list[dict]:
        return self._call("GET", f"/v1/batches?start={start}&limit={limit}")

    def health(self) -> dict:
        return self._call("GET", "/v1/health")

    def wait_until_up(self, timeout: float = 60.0) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.health()
            except NodeUnavailable:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)


def _parse(raw: bytes) -> dict | list:
    out = jsonsafe.loads(raw, NodeUnavailable, max_bytes=MAX_REPLY, max_depth=16)
    if not isinstance(out, dict | list):
        raise NodeUnavailable("the node's reply is not a JSON object")
    return out
