"""The node store's ledger-state format (rollup.ledger.state_codec): round trips over random
states, and hostile blobs (pickle, truncated, out-of-range values, lying counts, a wrong root)
refused with StateCodecError before anything large is built."""

from __future__ import annotations

import pickle
import struct
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from circuits.field import R
from circuits.ledger.params import TxType
from circuits.ledger.state import AccountLeaf, MarketState
from rollup.errors import StateCodecError, StoreError
from rollup.ledger import state_codec
from rollup.ledger.demo import DEMO_DOMAIN
from rollup.ledger.state import LedgerState
from rollup.ledger.types import QueueItem
from tests.node_helpers import PARAMS

P = replace(PARAMS, depth=3)  # 64 accounts, 2 markets
M = len(P.markets)
I64 = st.integers(-(1 << 63), (1 << 63) - 1)
U64 = st.integers(0, (1 << 64) - 1)
FE = st.integers(0, R - 1)

ACCOUNTS = st.builds(
    AccountLeaf,
    st.tuples(FE, FE),
    st.integers(0, (1 << 32) - 1),
    I64,
    st.tuples(*[st.integers(-(1 << 47) + 1, (1 << 47) - 1)] * M),
    st.tuples(*[I64] * M),
)
MARKETS = st.tuples(*[st.builds(MarketState, st.integers(0, (1 << 40) - 1), I64, U64)] * M)
QUEUE = st.builds(
    QueueItem,
    st.sampled_from([TxType.DEPOSIT, TxType.FORCED_EXIT]),
    st.integers(0, (1 << 24) - 1),
    U64,
    st.tuples(FE, FE),
)


@st.composite
def states(draw) -> LedgerState:
    state = LedgerState.genesis(P, draw(FE))
    for index, acct in draw(st.dictionaries(st.integers(0, P.num_accounts - 1), ACCOUNTS, max_size=12)).items():
        state.write(index, acct, True)
    state.markets, state.time = draw(MARKETS), draw(U64)
    state.queue_head, state.queue_consumed = draw(FE), draw(st.integers(0, state_codec.MAX_QUEUE - 5))
    state.pending = draw(st.lists(QUEUE, max_size=4))
    return state


@settings(max_examples=40, deadline=None)
@given(states())
def test_every_state_round_trips_with_its_root(state):
    blob = state_codec.encode(state)
    back = state_codec.decode(blob, P, state.root)
    assert back.root == state.root and back.tree.root == state.tree.root
    assert dict(back.accounts) == dict(state.accounts) and back.markets == state.markets
    assert (back.time, back.domain, back.queue_head, back.queue_consumed, back.pending) == (
        state.time, state.domain, state.queue_head, state.queue_consumed, state.pending)  # fmt: skip
    assert all(back.path(i) == state.path(i) for i in list(state.accounts)[:3])
    assert state_codec.encode(back) == blob  # one encoding per state


def _sample() -> tuple[LedgerState, bytes]:
    state = LedgerState.genesis(P, DEMO_DOMAIN)
    for i in (1, 5, 63):
        state.write(i, AccountLeaf((i, i + 1), i, 10 * i, (i, -i), (0, 1)), True)
    state.markets = (MarketState(100, -3, 7), MarketState(5, 2, 9))
    state.pending = [QueueItem(TxType.DEPOSIT, 4, 50, (8, 9))]
    return state, state_codec.encode(state)


def _patched(blob: bytes, offset: int, new: bytes) -> bytes:
    return blob[:offset] + new + blob[offset + len(new) :]


ACCOUNTS_AT = state_codec.HEADER.size + M * state_codec.MARKET.size + state_codec.PENDING.size
ACCOUNT_SIZE = struct.calcsize(f">I32s32sIq{2 * M}q")


def _hostile() -> dict[str, tuple[bytes, str]]:
    state, blob = _sample()
    counts_at = state_codec.HEADER.size - 9  # u8 markets, u32 pending, u32 accounts
    size_at = ACCOUNTS_AT + 4 + 64 + 4 + 8  # the first account's first size
    return {
        "pickle": (pickle.dumps(state), "old pickle format"),
        "empty": (b"", "not a zkdx ledger state"),
        "json": (b'{"accounts": [[[[[[]]]]]]}', "not a zkdx ledger state"),
        "version": (_patched(blob, 6, b"\x01"), "format version 1"),
        "params": (_patched(blob, 7, bytes([blob[7] ^ 1])), "other ledger parameters"),
        "truncated": (blob[:-1], "header describes"),
        "extended": (blob + b"\x00", "header describes"),
        "lying count": (_patched(blob, counts_at + 1, struct.pack(">I", 2**32 - 1)), "header describes"),
        "markets": (_patched(blob, counts_at, b"\x05"), "5 markets"),
        "accounts": (_patched(blob, counts_at + 5, struct.pack(">I", 65)), "more accounts than the tree"),
        "queue cursor": (_patched(blob, counts_at - 8, struct.pack(">Q", 2**64 - 1)), "than SQLite"),
        "big domain": (_patched(blob, 39, (R + 1).to_bytes(32, "big")), "domain is not a field element"),
        "big key": (_patched(blob, ACCOUNTS_AT + 4, (2**256 - 1).to_bytes(32, "big")), "public key"),
        "big size": (_patched(blob, size_at, struct.pack(">q", 1 << 50)), "size outside 48"),
        "big price": (_patched(blob, state_codec.HEADER.size, struct.pack(">Q", 1 << 41)), "exceeds 40 bits"),
        "queue kind": (_patched(blob, ACCOUNTS_AT - state_codec.PENDING.size, b"\x03"), "kind 3"),
        "index order": (_patched(blob, ACCOUNTS_AT, struct.pack(">I", 5)), "out of order"),
        "index range": (_patched(blob, ACCOUNTS_AT + 2 * ACCOUNT_SIZE, struct.pack(">I", 64)), "outside the tree"),
        "collateral": (_patched(blob, ACCOUNTS_AT + 72, struct.pack(">q", 11)), "rebuilds to root"),
        "claimed root": (_patched(blob, 71, (state.root ^ 1).to_bytes(32, "big")), "rebuilds to root"),
    }


@pytest.mark.parametrize("case", list(_hostile()))
def test_a_hostile_state_blob_is_a_typed_refusal(case):
    blob, reason = _hostile()[case]
    with pytest.raises(StateCodecError, match=reason):
        state_codec.decode(blob, P)


def test_the_root_must_also_be_the_callers():
    """A self-consistent state whose root is not the store row's (or the batch's old root) is refused."""
    state, blob = _sample()
    assert state_codec.decode(blob, P, state.root).root == state.root
    with pytest.raises(StateCodecError, match="expected"):
        state_codec.decode(blob, P, state.root + 1)
    assert issubclass(StateCodecError, StoreError)  # the node reports it as a store failure


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=400), st.integers(0, 400))
def test_random_bytes_and_cuts_never_escape_untyped(noise, cut):
    _, blob = _sample()
    for candidate in (noise, blob[:cut] + noise, state_codec.MAGIC + b"\x01" + noise):
        with pytest.raises(StateCodecError):
            state_codec.decode(candidate, P)


def test_a_state_outside_the_format_cannot_be_stored():
    state, _ = _sample()
    state.write(2, AccountLeaf((1, 2), 1 << 33, 0, (0, 0), (0, 0)), True)  # nonce beyond 32 bits
    with pytest.raises(StateCodecError, match="out of range"):
        state_codec.encode(state)
