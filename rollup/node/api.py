"""HTTP JSON API v1 (aiohttp), bound to loopback by default.

  POST /v1/transactions          codec JSON of one withdraw, trade, funding, oracle or liquidation
                                 200 {"status": "acknowledged", "receipt": {...}}
                                 400 malformed / not taken here, 422 refused by the spec,
                                 503 the node cannot take it now (frozen, store failing)
  GET  /v1/transactions/{hash}   status: acknowledged|sealed|proven|submitted|accepted|rejected (+ reason)
  GET  /v1/accounts/{index}      an account at the soft (acknowledged) state; 404 if it does not exist
  GET  /v1/state                 domain, roots (soft, sealed, accepted), batch numbers, time, markets
  GET  /v1/batches?start=&limit= batches with their lifecycle
  GET  /v1/health                summary: L1, workers, what is stuck and why
  GET  /metrics                  Prometheus text format
Every error is ``{"error": {"type": "<class name>", "message": "..."}}``; integers of 2^53
and more are decimal strings (as in the transaction codec).
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, Protocol

from aiohttp import web

from rollup.errors import (
    InvalidTransaction,
    NodeUnavailable,
    NotAccepted,
    StoreError,
    TransactionFormatError,
    UnknownAccount,
)
from rollup.ledger import codec
from rollup.ledger.types import Deposit, ForcedClose, ForcedExit, Noop, Transaction

HASH = re.compile(r"0x[0-9a-f]{64}")
INDEX = re.compile(r"[0-9]{1,10}")  # ASCII digits only: str.isdigit() also takes '²', which int() refuses
QUERY_INT = re.compile(r"[0-9]{1,12}")
NODE: web.AppKey = web.AppKey("node", object)
NOT_TAKEN = (Deposit, ForcedExit, ForcedClose, Noop)  # from L1 events (a forced exit's closes with it)
STATUS = {TransactionFormatError: 400, NotAccepted: 400, InvalidTransaction: 422, NodeUnavailable: 503}
BATCH_FIELDS = ("number", "status", "tx_count", "old_root", "new_root", "l1_tx", "gas_used", "prove_seconds")
BATCH_TIMES = ("sealed_at", "proved_at", "submitted_at", "accepted_at", "error")


class NodeView(Protocol):
    """What the API needs from the node (``rollup.node.service.Node``)."""

    async def submit(self, tx: Transaction) -> dict: ...
    def account(self, index: int) -> Any: ...
    def state_summary(self) -> dict: ...
    def tx_status(self, tx_hash: str) -> dict | None: ...
    def batches(self, start: int, limit: int) -> list[dict]: ...
    def health(self) -> dict: ...
    def metrics_text(self) -> bytes: ...


def jsonable(v: Any) -> Any:
    """Integers of 2^53 and more as decimal strings, recursively."""
    if isinstance(v, bool) or v is None or isinstance(v, str | float):
        return v
    if isinstance(v, int):
        return v if -codec.JS_SAFE < v < codec.JS_SAFE else str(v)
    if isinstance(v, dict):
        return {k: jsonable(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [jsonable(x) for x in v]
    if isinstance(v, bytes):
        return "0x" + v.hex()
    return str(v)


def error(status: int, kind: str, message: str) -> web.Response:
    return web.json_response({"error": {"type": kind, "message": message[:500]}}, status=status)


def _status_of(exc: Exception) -> int:
    return next((code for cls, code in STATUS.items() if isinstance(exc, cls)), 503)


@web.middleware
async def errors_as_json(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as exc:  # 404 route, 405, 413 body too large ...
        return error(exc.status, type(exc).__name__, exc.reason)
    except (InvalidTransaction, TransactionFormatError, NotAccepted, NodeUnavailable, StoreError) as exc:
        return error(_status_of(exc), type(exc).__name__, str(exc))


async def post_transaction(request: web.Request) -> web.Response:
    tx = codec.loads(await request.read())
    if isinstance(tx, NOT_TAKEN):
        raise NotAccepted(f"{codec.NAMES[type(tx)]} is not taken by the API (deposits and forced exits come from L1)")
    receipt = await request.app[NODE].submit(tx)
    return web.json_response({"status": "acknowledged", "receipt": receipt})


async def get_transaction(request: web.Request) -> web.Response:
    h = request.match_info["tx_hash"].lower()
    if not HASH.fullmatch(h):
        return error(400, "BadHash", "a transaction hash is 0x and 64 hex digits")
    out = request.app[NODE].tx_status(h)
    if out is None:
        return error(404, "UnknownTransaction", f"no acknowledged transaction {h}")
    return web.json_response(jsonable(out))


async def get_account(request: web.Request) -> web.Response:
    text = request.match_info["index"]
    if not INDEX.fullmatch(text):
        return error(400, "BadIndex", "an account index is a decimal integer")
    index = int(text)
    try:
        acct = request.app[NODE].account(index)
    except UnknownAccount as exc:
        return error(404, "UnknownAccount", str(exc))
    return web.json_response(jsonable({"index": index, "exists": True, **dataclasses.asdict(acct)}))


async def get_state(request: web.Request) -> web.Response:
    return web.json_response(jsonable(request.app[NODE].state_summary()))


def _query_int(request: web.Request, name: str, default: int, top: int) -> int:
    text = request.query.get(name, str(default))
    if not QUERY_INT.fullmatch(text):
        raise web.HTTPBadRequest(reason=f"{name} must be a non-negative integer")
    return min(int(text), top)


async def get_batches(request: web.Request) -> web.Response:
    start, limit = _query_int(request, "start", 0, 1 << 40), _query_int(request, "limit", 100, 1000)
    rows = request.app[NODE].batches(start, limit)
    out = [{k: r[k] for k in (*BATCH_FIELDS, *BATCH_TIMES)} | {"data": r["data"]} for r in rows]
    for r in out:
        r["old_root"], r["new_root"] = int(r["old_root"]), int(r["new_root"])
    return web.json_response(jsonable(out))


async def get_health(request: web.Request) -> web.Response:
    return web.json_response(jsonable(request.app[NODE].health()))


async def get_metrics(request: web.Request) -> web.Response:
    return web.Response(body=request.app[NODE].metrics_text(), content_type="text/plain")


def make_app(node: NodeView) -> web.Application:
    app = web.Application(middlewares=[errors_as_json], client_max_size=codec.MAX_BYTES)
    app[NODE] = node
    app.router.add_post("/v1/transactions", post_transaction)
    app.router.add_get("/v1/transactions/{tx_hash}", get_transaction)
    app.router.add_get("/v1/accounts/{index}", get_account)
    app.router.add_get("/v1/state", get_state)
    app.router.add_get("/v1/batches", get_batches)
    app.router.add_get("/v1/health", get_health)
    app.router.add_get("/metrics", get_metrics)
    return app
