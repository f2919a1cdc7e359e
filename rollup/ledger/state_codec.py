"""The ledger state as bytes for the node's store: an explicit binary format, never pickle.

Layout (big-endian, every field fixed-width, so the blob's length is known from its header):

  header   magic "ZKDXLS", version 1, params digest (32), domain (32), state root (32),
           time (u64), queue head (32), queue consumed (u64), markets (u8), pending (u32), accounts (u32)
  market   price (u64), funding index (i64), funding time (u64), price time (u64) × markets
  pending  kind (u8), account, amount, pk.x, pk.y (32 bytes each)                × pending
  account  index (u32), pk.x, pk.y (32), nonce (u32), collateral (i64),
           (size, cache) (i64, i64) per market                                  × accounts, by index

Decoding checks, before it builds anything: the magic and version (an old store's pickled
state is refused, never unpickled), the params digest, the exact length (so a count cannot
make it allocate beyond the blob), every value's range (field elements < r, sizes within
SIZE_BITS, prices within PRICE_BITS, queue kinds), indices strictly increasing inside the
tree.  It then rebuilds the Merkle tree bottom-up from the account leaves and requires the
recomputed state root to equal the one in the header (and the caller's, the store row's).
Any failure raises ``StateCodecError``.  Cost: one Poseidon per account leaf plus one per
non-empty tree node (see docs/decisions.md for figures).
"""

from __future__ import annotations

import struct

from circuits.field import R
from circuits.ledger.params import PRICE_BITS, SIZE_BITS, LedgerParams, TxType
from circuits.ledger.state import AccountLeaf, MarketState
from circuits.native.cow import CowMap
from circuits.native.merkle import SparseMerkleTree
from circuits.native.poseidon import poseidon
from rollup.errors import StateCodecError
from rollup.ledger.state import LedgerState
from rollup.ledger.types import QueueItem

MAGIC, VERSION = b"ZKDXLS", 2  # 2: price times
PICKLE_PROTOCOL_2_PLUS = b"\x80"
HEADER = struct.Struct(">6sB32s32s32sQ32sQBII")
MARKET = struct.Struct(">QqQQ")
PENDING = struct.Struct(">B32s32s32s32s")
QUEUE_KINDS = (TxType.DEPOSIT, TxType.FORCED_EXIT)
MAX_QUEUE = 1 << 62  # queue indices are SQLite INTEGERs (signed 64-bit)


def _account_struct(n_markets: int) -> struct.Struct:
    return struct.Struct(f">I32s32sIq{2 * n_markets}q")


def _b32(value: int) -> bytes:
    return value.to_bytes(32, "big")


def _field(raw: bytes, what: str) -> int:
    value = int.from_bytes(raw, "big")
    if value >= R:
        raise StateCodecError(f"stored state: {what} is not a field element")
    return value


def encode(state: LedgerState) -> bytes:
    """The state's bytes; StateCodecError if a value is outside its format range (a spec bug)."""
    p = state.params
    acct = _account_struct(len(p.markets))
    if state.queue_consumed + len(state.pending) >= MAX_QUEUE:
        raise StateCodecError("ledger state cannot be encoded: its queue cursor is beyond SQLite's integers")
    try:
        parts = [
            HEADER.pack(
                MAGIC,
                VERSION,
                _b32(p.digest),
                _b32(state.domain),
                _b32(state.root),
                state.time,
                _b32(state.queue_head),
                state.queue_consumed,
                len(state.markets),
                len(state.pending),
                len(state.accounts),
            ),
            *(MARKET.pack(m.price, m.funding_index, m.funding_time, m.price_time) for m in state.markets),
            *(
                PENDING.pack(q.kind, _b32(q.account), _b32(q.amount), _b32(q.pubkey[0]), _b32(q.pubkey[1]))
                for q in state.pending
            ),
        ]
        for index in sorted(state.accounts):
            a = state.accounts[index]
            pairs = [v for sc in zip(a.sizes, a.caches) for v in sc]
            parts.append(acct.pack(index, _b32(a.pubkey[0]), _b32(a.pubkey[1]), a.nonce, a.collateral, *pairs))
    except (struct.error, OverflowError) as exc:
        raise StateCodecError(f"ledger state cannot be encoded: a value is out of range ({exc})") from exc
    return b"".join(parts)


def _header(blob: bytes, params: LedgerParams) -> tuple:
    if blob[:1] == PICKLE_PROTOCOL_2_PLUS:
        raise StateCodecError(
            "stored state is in the old pickle format, which zkdx no longer loads (unpickling a copied "
            "store could run any code): initialise a new node directory"
        )
    if len(blob) < HEADER.size or blob[:6] != MAGIC:
        raise StateCodecError(f"stored state is not a zkdx ledger state ({len(blob)} bytes)")
    head = HEADER.unpack_from(blob)
    if head[1] != VERSION:
        raise StateCodecError(f"stored state has format version {head[1]}, this zkdx reads {VERSION}")
    if int.from_bytes(head[2], "big") != params.digest:
        raise StateCodecError("stored state was made for other ledger parameters (params digest differs)")
    n_markets, n_pending, n_accounts = head[8:11]
    if n_markets != len(params.markets):
        raise StateCodecError(f"stored state has {n_markets} markets, the parameters {len(params.markets)}")
    if n_accounts > params.num_accounts or head[7] + n_pending >= MAX_QUEUE:
        raise StateCodecError("stored state counts more accounts than the tree holds, or queue items than SQLite can")
    want = HEADER.size + n_markets * MARKET.size + n_pending * PENDING.size
    want += n_accounts * _account_struct(n_markets).size
    if len(blob) != want:
        raise StateCodecError(f"stored state is {len(blob)} bytes, its header describes {want}")
    return head


def _markets(blob: bytes, offset: int, count: int) -> tuple[MarketState, ...]:
    out = []
    for price, index, ftime, ptime in (MARKET.unpack_from(blob, offset + k * MARKET.size) for k in range(count)):
        if price >> PRICE_BITS:
            raise StateCodecError(f"stored state: a market price of {price} exceeds {PRICE_BITS} bits")
        out.append(MarketState(price, index, ftime, ptime))
    return tuple(out)


def _pending(blob: bytes, offset: int, count: int) -> list[QueueItem]:
    out = []
    for kind, acct, amount, x, y in (PENDING.unpack_from(blob, offset + k * PENDING.size) for k in range(count)):
        if kind not in QUEUE_KINDS:
            raise StateCodecError(f"stored state: queue item kind {kind} is not a deposit or forced exit")
        ints = [int.from_bytes(v, "big") for v in (acct, amount, x, y)]
        out.append(QueueItem(kind, ints[0], ints[1], (ints[2], ints[3])))
    return out


def _accounts(blob: bytes, offset: int, count: int, params: LedgerParams) -> dict[int, AccountLeaf]:
    fmt, limit, out, last = _account_struct(len(params.markets)), 1 << (SIZE_BITS - 1), {}, -1
    for k in range(count):
        index, x, y, nonce, collateral, *pairs = fmt.unpack_from(blob, offset + k * fmt.size)
        if not last < index < params.num_accounts:
            raise StateCodecError(f"stored state: account index {index} out of order or outside the tree")
        sizes, caches = tuple(pairs[0::2]), tuple(pairs[1::2])
        if any(not -limit < s < limit for s in sizes):
            raise StateCodecError(f"stored state: account {index} has a size outside {SIZE_BITS} signed bits")
        pubkey = (_field(x, "a public key"), _field(y, "a public key"))
        out[index] = AccountLeaf(pubkey, nonce, collateral, sizes, caches)
        last = index
    return out


def _tree(params: LedgerParams, accounts: dict[int, AccountLeaf]) -> SparseMerkleTree:
    """The account tree, built level by level (each non-empty node hashed once)."""
    tree = SparseMerkleTree(params.depth, arity=4)
    level = {i: a.leaf() for i, a in accounts.items()}
    for depth in range(params.depth + 1):
        zero = tree.zero_hashes[depth]
        tree._levels[depth] = CowMap({k: v for k, v in level.items() if v != zero})  # no public bulk loader
        if depth == params.depth:
            break
        parents = sorted({k // 4 for k in level})
        level = {p: poseidon([level.get(4 * p + j, zero) for j in range(4)]) for p in parents}
    return tree


def decode(blob: bytes, params: LedgerParams, expected_root: int | None = None) -> LedgerState:
    """The state in blob, checked as described above; StateCodecError on anything else."""
    blob = bytes(blob)
    head = _header(blob, params)
    _, _, _, domain, root, time, queue_head, consumed, n_markets, n_pending, n_accounts = head
    offset = HEADER.size
    markets = _markets(blob, offset, n_markets)
    offset += n_markets * MARKET.size
    pending = _pending(blob, offset, n_pending)
    offset += n_pending * PENDING.size
    accounts = _accounts(blob, offset, n_accounts, params)
    state = LedgerState(params, _tree(params, accounts), _field(domain, "the domain"), CowMap(accounts), markets,
                        time, _field(queue_head, "the queue head"), consumed, pending)  # fmt: skip
    claimed = int.from_bytes(root, "big")
    if state.root != claimed or (expected_root is not None and state.root != expected_root):
        raise StateCodecError(
            f"stored state rebuilds to root {state.root:#x}, not the stored {claimed:#x}"
            + ("" if expected_root is None else f" / expected {expected_root:#x}")
        )
    return state
