"""A replayed state saved to disk, so that a long chain is not replayed from genesis every time.

One JSON file: the deployment (chain id, rollup address, params digest), the last batch
that agreed with the replay and its block, the ledger state after it (accounts, markets,
time, queue head and count), and a SHA-256 of all of it.  Nothing in it is trusted:
``load`` checks the checksum and rebuilds the account tree to recompute the state root,
and ``confirm`` requires that root and the queue head to be the ones L1 holds for that
batch.  A file that fails any step raises ``CheckpointError`` naming the step; the caller
then replays from genesis.  Registered keys and pending queue items are not saved: they
are read from L1 events again.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from circuits.errors import CircuitError
from circuits.field import R
from circuits.ledger.params import (
    COLLATERAL_BITS,
    INDEX_BITS,
    NONCE_BITS,
    PRICE_BITS,
    SIZE_BITS,
    TIME_BITS,
    LedgerParams,
)
from circuits.ledger.state import AccountLeaf, MarketState
from rollup.errors import CheckpointError, RollupError
from rollup.ledger.state import LedgerState
from rollup.monitor.chain import ChainReader
from verifier import jsonsafe

VERSION = 2  # 2: market price times
MAX_BYTES = 256 << 20


@dataclass(frozen=True)
class Checkpoint:
    batch: int  # the last batch applied
    block: int  # its block
    state: LedgerState  # after it


def _body(cp: Checkpoint, chain_id: int, rollup: str) -> dict:
    st = cp.state
    accounts = {
        str(i): [*map(str, a.pubkey), str(a.nonce), str(a.collateral), [*map(str, a.sizes)], [*map(str, a.caches)]]
        for i, a in sorted(st.accounts.items())
    }
    return {
        "zkdx_checkpoint": VERSION,
        "chain_id": chain_id,
        "rollup": rollup,
        "params_digest": str(st.params.digest),
        "batch": cp.batch,
        "block": cp.block,
        "root": str(st.root),
        "time": str(st.time),
        "queue_head": str(st.queue_head),
        "queue_consumed": st.queue_consumed,
        "markets": [[str(v) for v in (m.price, m.funding_index, m.funding_time, m.price_time)] for m in st.markets],
        "accounts": accounts,
    }


def _digest(body: dict) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def save(path: str | Path, cp: Checkpoint, chain_id: int, rollup: str) -> None:
    """Write the checkpoint: a temporary file beside it, flushed to disk, renamed over it."""
    body = _body(cp, chain_id, rollup)
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w") as f:
        json.dump({**body, "sha256": _digest(body)}, f, indent=1)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


FIELD = (0, R)  # [lo, hi) of each kind of field: the widths the ledger writes, so no value aliases mod r
UNSIGNED = {"price": PRICE_BITS, "time": TIME_BITS, "nonce": NONCE_BITS}
SIGNED = {"index": INDEX_BITS, "collateral": COLLATERAL_BITS, "size": SIZE_BITS}


def _bounds(kind: str) -> tuple[int, int]:
    if kind in UNSIGNED:
        return 0, 1 << UNSIGNED[kind]
    if kind in SIGNED:
        return -(1 << (SIGNED[kind] - 1)), 1 << (SIGNED[kind] - 1)
    return FIELD


def _int(v: object, what: str, kind: str = "field") -> int:
    """An integer within the width the ledger gives a field of this kind (CheckpointError otherwise:
    a value off by a multiple of r would hash to the same root and mislead the replay)."""
    if isinstance(v, bool) or not isinstance(v, int | str):
        raise CheckpointError(f"checkpoint field {what} is not an integer")
    try:
        out = int(v)
    except ValueError as exc:
        raise CheckpointError(f"checkpoint field {what} is not an integer") from exc
    lo, hi = _bounds(kind)
    if not lo <= out < hi:
        raise CheckpointError(f"checkpoint field {what} ({kind}) is outside [{lo}, {hi})")
    return out


def _account(v: object, markets: int, what: str) -> AccountLeaf:
    if not isinstance(v, list) or len(v) != 6 or not all(isinstance(x, list) and len(x) == markets for x in v[4:]):
        raise CheckpointError(f"checkpoint {what} is not [pk.x, pk.y, nonce, collateral, sizes, caches]")
    pk = (_int(v[0], what), _int(v[1], what))
    sizes, caches = (tuple(_int(x, what, kind) for x in v[k]) for k, kind in ((4, "size"), (5, "index")))
    return AccountLeaf(pk, _int(v[2], what, "nonce"), _int(v[3], what, "collateral"), sizes, caches)


MARKET_KINDS = ("price", "index", "time", "time")  # price, funding index, funding time, price time


def _state(body: dict, params: LedgerParams, domain: int) -> LedgerState:
    st = LedgerState.genesis(params, domain)
    rows = body["markets"]
    if not isinstance(rows, list) or len(rows) != len(params.markets):
        raise CheckpointError("checkpoint markets do not match the ledger's")
    if not all(isinstance(row, list) and len(row) == 4 for row in rows):
        raise CheckpointError("a checkpoint market is not [price, funding index, funding time, price time]")
    st.markets = tuple(MarketState(*(_int(x, "markets", k) for x, k in zip(row, MARKET_KINDS))) for row in rows)
    st.time, st.queue_head = _int(body["time"], "time", "time"), _int(body["queue_head"], "queue_head")
    st.queue_consumed = _int(body["queue_consumed"], "queue_consumed")
    if not isinstance(body["accounts"], dict):
        raise CheckpointError("checkpoint accounts is not an object")
    for key, row in body["accounts"].items():
        index = _int(key, "account index")
        st.check_index(index)
        st.write(index, _account(row, len(params.markets), f"account {key}"), True)
    return st


def load(path: str | Path, params: LedgerParams, domain: int, chain_id: int, rollup: str) -> Checkpoint:
    """The checkpoint at path, its state rebuilt; CheckpointError if corrupted or for another ledger."""
    body = jsonsafe.loads(jsonsafe.read_file(path, CheckpointError, MAX_BYTES), CheckpointError, max_bytes=MAX_BYTES)
    if not isinstance(body, dict) or body.get("zkdx_checkpoint") != VERSION:
        raise CheckpointError(f"{path}: not a zkdx checkpoint (version {VERSION})")
    claimed = body.pop("sha256", None)
    if claimed != _digest(body):
        raise CheckpointError(f"{path}: checksum mismatch: the file was changed or truncated")
    if (body.get("chain_id"), body.get("rollup"), body.get("params_digest")) != (chain_id, rollup, str(params.digest)):
        raise CheckpointError(f"{path}: a checkpoint of another chain, rollup or ledger parameters")
    try:
        state = _state(body, params, domain)
        cp = Checkpoint(_int(body["batch"], "batch"), _int(body["block"], "block"), state)
    except KeyError as exc:
        raise CheckpointError(f"{path}: checkpoint field {exc} is missing") from exc
    except (CircuitError, RollupError, TypeError, ValueError) as exc:
        raise CheckpointError(f"{path}: checkpoint state cannot be rebuilt: {exc}") from exc
    if str(state.root) != body["root"]:
        raise CheckpointError(f"{path}: the saved state does not hash to the root it claims")
    return cp


def confirm(cp: Checkpoint, reader: ChainReader) -> None:
    """CheckpointError unless L1 accepted exactly this root and queue head as batch cp.batch."""
    events = reader.events(cp.block, cp.block)
    accepted = [e for e in events if e.name == "BatchAccepted" and e.args["batch"] == cp.batch]
    if not accepted:
        raise CheckpointError(f"L1 has no batch {cp.batch} at block {cp.block}")
    args = accepted[0].args
    if args["newRoot"] != cp.state.root:
        raise CheckpointError(f"batch {cp.batch}: L1 accepted root {args['newRoot']:#x}, the checkpoint holds another")
    head = reader.view("queueHeadAt", cp.state.queue_consumed)
    if args["queueConsumed"] != cp.state.queue_consumed or head != cp.state.queue_head:
        raise CheckpointError(f"batch {cp.batch}: the checkpoint's L1 queue position is not L1's")
