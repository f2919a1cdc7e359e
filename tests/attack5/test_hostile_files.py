"""Attacks on commit 57a9a4e's new state fields in files and on its deploy checks.

FINDING (low, fixed: every checkpoint field is bounded to its ledger width): a monitor
checkpoint's market fields were read as unbounded integers
and hashed by a Poseidon that reduces mod r, so a price time of t + r (or t − r) hashes to the
same root: the checkpoint loads, matches L1, and the watcher's spec then judges ages by the
aliased value (t − r: every price "stale" forever, so an honest withdrawal replays as a rules
failure, the critical alarm that votes a pause; t + r: every price "fresh").  Anyone who can write
the checkpoint file can do it (the sha256 field is a checksum, not a key).  The same aliasing
exists for time, funding time and price (bound fields in ``_state`` to their codec widths).

FINDING (low, fixed: at most MAX_BATCH_LAG = 1 day off dev chains): deploy refused a batch lag of
0 off dev chains (an unchecked batch
time lets prices go stale) but accepts any lag below 2^40 s, e.g. 30 days, which is the same as
unchecked; the price-age guarantee is batch_lag + max_price_age.

Stopped: the node's state codec (u64 price time, and the root check on decode) refuses a price time
changed in a stored blob; a checkpoint with a 3-field market row (version 1) is refused.
"""

from __future__ import annotations

import json

import pytest

from circuits.field import R
from rollup import errors as err
from rollup.errors import CheckpointError, StateCodecError
from rollup.l1.client import L1Client, L1Error
from rollup.ledger import state_codec
from rollup.ledger.batch import process_batch
from rollup.ledger.demo import FAR, funded_world
from rollup.ledger.state_codec import HEADER, MARKET
from rollup.monitor import checkpoint
from rollup.monitor.checkpoint import Checkpoint
from tests.attack.scenarios import ETH, SMALL

CHAIN, ROLLUP = 31337, "0x" + "11" * 20


def _saved(tmp_path):
    w, start = funded_world(SMALL)
    path = tmp_path / "cp.json"
    checkpoint.save(path, Checkpoint(3, 40, start), CHAIN, ROLLUP)
    return w, start, path


def _rewrite(path, edit) -> None:
    body = json.loads(path.read_text())
    body.pop("sha256")
    edit(body)
    path.write_text(json.dumps({**body, "sha256": checkpoint._digest(body)}))


def _load(path, start):
    return checkpoint.load(path, SMALL, start.domain, CHAIN, ROLLUP)


def test_a_checkpoint_market_row_of_the_old_width_is_refused(tmp_path):
    _, start, path = _saved(tmp_path)
    _rewrite(path, lambda b: b["markets"][ETH].pop())
    with pytest.raises(CheckpointError, match="price time"):
        _load(path, start)


def test_a_checkpoint_price_time_aliased_by_r_is_refused(tmp_path):
    w, start, path = _saved(tmp_path)
    ptime = start.markets[ETH].price_time
    _rewrite(path, lambda b: b["markets"][ETH].__setitem__(3, str(ptime - R)))
    try:
        loaded = _load(path, start).state
    except CheckpointError:
        return
    assert loaded.root == start.root  # it loads and matches the root L1 holds...
    withdraw = w.wallets[0].withdraw(start, 0, 10, FAR)
    process_batch(start, [withdraw])  # ...an honest withdrawal the real state accepts
    with pytest.raises(err.StaleOraclePrice):
        process_batch(loaded, [withdraw])  # is a rules failure in the watcher's replay
    raise AssertionError(f"a price time of {ptime} − r loaded and matched the root")


def test_a_stored_state_with_a_changed_price_time_is_refused(tmp_path):
    _, start = funded_world(SMALL)
    blob = bytearray(state_codec.encode(start))
    at = HEADER.size + ETH * MARKET.size + MARKET.size - 8  # the last u64 of ETH's row: price time
    blob[at : at + 8] = (start.markets[ETH].price_time + 10**6).to_bytes(8, "big")
    with pytest.raises(StateCodecError):
        state_codec.decode(bytes(blob), SMALL, start.root)


@pytest.mark.parametrize("lag", [0, -1, 1 << 40, 1.5])
def test_deploy_refuses_an_unchecked_or_malformed_batch_lag_off_dev_chains(lag):
    with pytest.raises(L1Error):
        L1Client._check_timing((600, 300, 10), 3600, 15, lag, False)


def test_deploy_refuses_a_batch_lag_that_dwarfs_the_price_age():
    month = 30 * 24 * 3600
    try:
        L1Client._check_timing((600, 300, 10), 3600, 15, month, False)
    except L1Error:
        return
    raise AssertionError("a 30-day batch lag deploys off a dev chain: prices may be a month old")
