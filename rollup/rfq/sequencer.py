"""What the gateway needs from the sequencer, and two implementations.

``Sequencer`` is the interface the operator node implements: ``submit`` takes a doubly
signed trade and returns the node's soft confirmation (a JSON object, passed through to
both sides) or raises an ``InvalidTransaction`` subclass with the spec's reason;
``account`` gives (pubkey, nonce) or None; ``domain`` the signature domain of this
deployment (never a constant: it is bound to the chain and the contract).

``LocalSequencer`` runs the spec itself (``process_tx`` on a ``LedgerState``), for tests and
the benchmark; ``HttpSequencer`` talks to the node's API (``POST /v1/transactions``,
``GET /v1/accounts/{index}``, ``GET /v1/state``).
"""

from __future__ import annotations

import asyncio
from typing import Protocol

import aiohttp

from circuits.native.babyjubjub import Point
from rollup import errors as spec_errors
from rollup.ledger import codec
from rollup.ledger.state import LedgerState
from rollup.ledger.transition import process_tx
from rollup.ledger.types import Transaction
from rollup.rfq.errors import RegistryError, SequencerUnavailable
from rollup.rfq.registry import parse_account
from verifier import jsonsafe

MAX_ANSWER = 1 << 16


class Sequencer(Protocol):
    async def submit(self, tx: Transaction) -> dict:
        """The soft confirmation; raises InvalidTransaction (subclass) if the spec refuses tx."""

    async def account(self, index: int) -> tuple[Point, int] | None:
        """(pubkey, nonce) of an existing account, else None."""

    async def domain(self) -> int:
        """The signature domain of this deployment."""


class LocalSequencer:
    """The spec in this process: transactions applied in arrival order under one lock.

    ``process_tx`` runs in a worker thread so the event loop keeps serving while the spec
    checks signatures and updates the tree; it verifies first and leaves the state
    untouched on refusal.
    """

    def __init__(self, state: LedgerState) -> None:
        self.state = state
        self.seq = 0
        self._lock = asyncio.Lock()

    async def submit(self, tx: Transaction) -> dict:
        async with self._lock:
            await asyncio.to_thread(process_tx, self.state, tx)
            self.seq += 1
            return {"seq": self.seq, "tx_hash": codec.tx_hash(tx)}

    async def account(self, index: int) -> tuple[Point, int] | None:
        acct = self.state.accounts.get(index) if 0 <= index < self.state.params.num_accounts else None
        return None if acct is None else (acct.pubkey, acct.nonce)

    async def domain(self) -> int:
        return self.state.domain


def spec_error(answer: object, status: int) -> spec_errors.InvalidTransaction:
    """The InvalidTransaction subclass a node's 4xx answer names (the base class if unknown)."""
    err = answer.get("error") if isinstance(answer, dict) else None
    kind = err.get("type") if isinstance(err, dict) else None
    text = err.get("message") if isinstance(err, dict) and isinstance(err.get("message"), str) else ""
    cls = getattr(spec_errors, kind, None) if isinstance(kind, str) and kind.isidentifier() else None
    if not (isinstance(cls, type) and issubclass(cls, spec_errors.InvalidTransaction)):
        cls = spec_errors.InvalidTransaction
        text = f"{kind or 'error'} ({status}): {text}" if kind != cls.__name__ else text
    return cls(text[:500] or f"refused with status {status}")


class HttpSequencer:
    """The operator node's HTTP API (one aiohttp session; close() when done)."""

    def __init__(self, url: str, timeout: float = 10.0, ssl: object = None) -> None:
        self.url = url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._ssl = ssl
        self._session: aiohttp.ClientSession | None = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _call(self, method: str, path: str, body: str | None = None) -> tuple[int, object]:
        headers = {"Content-Type": "application/json"} if body is not None else None
        try:
            async with self._http().request(method, self.url + path, data=body, headers=headers, ssl=self._ssl) as r:
                raw = await r.content.read(MAX_ANSWER + 1)
                status = r.status
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise SequencerUnavailable(f"node at {self.url} did not answer {method} {path}: {exc}") from exc
        if status >= 500:
            raise SequencerUnavailable(f"node answered {status} to {method} {path}")
        if status == 404 and body is None:
            return status, None
        return status, jsonsafe.loads(raw, SequencerUnavailable, max_bytes=MAX_ANSWER, max_depth=16)

    async def submit(self, tx: Transaction) -> dict:
        status, answer = await self._call("POST", "/v1/transactions", codec.dumps(tx))
        if 400 <= status < 500:
            raise spec_error(answer, status)
        receipt = answer.get("receipt") if isinstance(answer, dict) else None
        if status != 200 or answer.get("status") != "acknowledged" or not isinstance(receipt, dict):
            raise SequencerUnavailable(f"node answered {status} without an acknowledged receipt")
        return receipt

    async def account(self, index: int) -> tuple[Point, int] | None:
        status, answer = await self._call("GET", f"/v1/accounts/{int(index)}")
        if status == 404:
            return None
        if status != 200:
            raise SequencerUnavailable(f"node answered {status} for account {index}")
        try:
            return parse_account(answer, index)
        except RegistryError as exc:
            raise SequencerUnavailable(str(exc)) from exc

    async def domain(self) -> int:
        status, answer = await self._call("GET", "/v1/state")
        domain = answer.get("domain") if isinstance(answer, dict) else None
        if isinstance(domain, str) and domain.isascii() and domain.isdigit() and len(domain) <= 78:
            domain = int(domain)
        if status != 200 or not isinstance(domain, int) or isinstance(domain, bool) or domain < 0:
            raise SequencerUnavailable(f"node answered {status} to GET /v1/state without a domain")
        return domain
