"""Attacks on commit 57a9a4e's batch time on L1 (``Rollup.submitBatch``), on a hardhat node.

Calls use a zero proof: ``_checkBatchTime`` runs before the verifier, so ``BatchTime`` means the
contract refused the time and ``InvalidProof`` means the time passed (the verifier is reached).

FINDING (high, fixed: ``[sequencer] batch_clock = "wall"`` stores a batch time with each batch, and a
node with the ledger clock refuses to start against a rollup that checks batch times): the operator
node never posted a batch time.  ``rollup.node.jobs``
rebuilds and proves every sealed batch with ``process_batch(state, txs)``, whose batch time
defaults to the ledger time; from genesis that is 0, and later it is the last oracle tick's time.
Deployed with the production default (``maxBatchLag`` = BATCH_LAG = 3600 off dev chains) the
node's first batch reverts ``BatchTime(0)``, and any later batch does once an hour passes without
a tick: no batch, no forced exit served, then anyone may freeze the rollup.  The node tests run on
dev chains, where deploy sets the lag to 0 (unchecked), so they cannot see it.

FINDING (medium, fixed: ``_checkBatchTime`` refuses oracle records timed after the block): the
contract checked only the batch's start time.  An oracle tick
inside the batch may be timed after ``block.timestamp`` (up to 2^40 − 1); the ledger clock then
runs ahead of L1, the next batch time must be at least that clock (spec ``StaleBatchTime``,
circuit ``batch_clock``) and at most ``block.timestamp`` (``BatchTime``): no batch lands, forced
exits included, until L1 time catches up (never, for 2^40 − 1), and anyone may freeze.  One
mis-timed oracle signature (a skewed clock, a bug) halts the rollup; before this change such a
tick broke trading but not the L1 queue.  Checking every oracle record's timestamp against
``block.timestamp`` in ``_countQueued``'s loop would close it.

Stopped: batch times after the block, more than maxBatchLag behind it, or 2^40 − 1 (``BatchTime``);
the version-3 layout (``BadData``); the contract's public input covers the posted batch time as the
circuit's does (tests/attack5/test_clock.py for the circuit side).
"""

from __future__ import annotations

import re

import pytest

from circuits.ledger.params import LedgerParams
from circuits.ledger.state import header, public_input
from rollup.l1.client import BATCH_LAG, L1Client, connect
from rollup.l1.contracts import demo_verifying_key
from rollup.l1.devnode import hardhat_node
from rollup.ledger import codec, state_codec
from rollup.ledger.batch import process_batch
from rollup.ledger.demo import ORACLE, World
from rollup.ledger.signing import oracle_tick
from rollup.ledger.state import LedgerState
from rollup.node.jobs import rebuild_batch
from rollup.node.sequencer import CLOCK_SKEW, wall_batch_time

PARAMS = LedgerParams(depth=2, batch_size=4)
TIMING = (600, 300, 10)
TOP = (1 << 40) - 1
ZERO_PROOF = [0] * 8


class Chain:
    def __init__(self, w3):
        self.w3 = w3
        self.operator, self.guardians = w3.eth.accounts[0], w3.eth.accounts[1:4]
        self.l1 = L1Client(w3)
        self.l1.deploy(
            PARAMS, demo_verifying_key(), self.operator, self.guardians, 2, TIMING,
            batch_lag=BATCH_LAG, allow_demo_key=True,  # the lag deploy sets off dev chains
        )  # fmt: skip
        self.genesis = LedgerState.genesis(PARAMS, self.l1.domain())

    def now(self) -> int:
        return self.w3.eth.get_block("latest")["timestamp"]

    def verdict(self, new_root: int, data: bytes) -> str:
        """What submitBatch says to this data with a zero proof (the first revert's name)."""
        fn = self.l1.rollup.functions.submitBatch(new_root, data, ZERO_PROOF)
        try:
            fn.call({"from": self.operator})
        except Exception as exc:  # the custom error: its name, then the node's text (arguments in hex)
            text = self.l1.error_reason(exc)
            names = [self.l1.errors.get("0x" + s.lower()) for s in re.findall(r"0x([0-9a-fA-F]{8})", text)]
            return " ".join([*filter(None, names), text])
        return "accepted"

    def timed(self, t: int) -> bytes:
        return process_batch(self.genesis, [], t).data


@pytest.fixture(scope="module")
def chain():
    with hardhat_node() as url:
        yield Chain(connect(url))


def test_batch_times_outside_the_window_are_refused(chain):
    now = chain.now()
    root = chain.genesis.root
    assert chain.l1.rollup.functions.maxBatchLag().call() == BATCH_LAG
    assert "InvalidProof" in chain.verdict(root, chain.timed(now - 60))  # in the window: on to the proof
    for t in (now + 3_600, now - BATCH_LAG - 600, TOP):
        assert "BatchTime" in chain.verdict(root, chain.timed(t)), t


def test_the_version_3_layout_is_refused(chain):
    """Records posted right after the version byte (the old layout) shift nothing into the time:
    the length (1 + 20·k) and the version byte are both checked first."""
    data = chain.timed(chain.now() - 60)
    old = bytes([3]) + data[6:]
    for posted, why in ((old, b"length"), (bytes([3]) + data[1:], b"version")):
        verdict = chain.verdict(chain.genesis.root, posted)
        assert verdict.startswith("BadData") and why.hex() in verdict, verdict


def test_the_contract_public_input_covers_the_posted_batch_time(chain):
    now = chain.now()
    root = chain.genesis.root
    fn = chain.l1.rollup.functions.batchPublicInput
    for t in (now - 60, now - 59):
        data = chain.timed(t)
        expected = public_input(header(chain.l1.state_root(), root, 0, 0), data)
        assert fn(root, data).call()[0] == expected


class _SealedStore:
    """The four reads ``rebuild_batch`` makes, for one sealed batch of txs on genesis."""

    def __init__(self, genesis: LedgerState, txs: list, batch_time: int | None = None) -> None:
        self.genesis, self.txs, self.batch_time = genesis, txs, batch_time
        self.new_root = process_batch(genesis, txs, batch_time).new_root

    def state_after(self, number: int) -> dict:
        return {"blob": state_codec.encode(self.genesis)} if number == -1 else None

    def batch(self, number: int) -> dict:
        bt = None if self.batch_time is None else str(self.batch_time)
        return {"old_root": str(self.genesis.root), "new_root": str(self.new_root), "tx_count": len(self.txs),
                "batch_time": bt}  # fmt: skip

    def queue_items(self, start: int) -> list:
        return []

    def txs_of_batch(self, number: int) -> list:
        return [{"body": codec.dumps(tx)} for tx in self.txs]


def test_the_nodes_first_batch_passes_the_batch_time_check(chain):
    """Fixed: with ``batch_clock = "wall"`` the sequencer starts each batch's clock at its first
    acknowledgement (less CLOCK_SKEW) and stores it with the batch; ``jobs.rebuild_batch`` posts that
    time, which the contract accepts.  The ledger clock alone would post the genesis time 0
    (BatchTime(0)); a node so configured against a lagged rollup refuses to start (``check_clock``)."""
    now = chain.now()
    batch_time = wall_batch_time(now, chain.genesis.time)
    tick = oracle_tick(chain.genesis.domain, ORACLE, 0, 3_000_000, now)
    res = rebuild_batch(_SealedStore(chain.genesis, [tick], batch_time), PARAMS, 0)
    assert int.from_bytes(res.data[1:6], "big") == batch_time == now - CLOCK_SKEW
    verdict = chain.verdict(res.new_root, res.data)
    assert "BatchTime" not in verdict, verdict
    ledger_clock = rebuild_batch(_SealedStore(chain.genesis, [tick]), PARAMS, 0)
    assert "BatchTime" in chain.verdict(ledger_clock.new_root, ledger_clock.data)


def _future_tick_batch(chain):
    now = chain.now()
    tick = oracle_tick(chain.genesis.domain, ORACLE, 0, 3_000_000, now + 10**6)
    return now, process_batch(chain.genesis, [tick], now - 60)


def test_a_batch_whose_oracle_tick_is_after_the_block_is_refused(chain):
    """Fixed: ``_checkBatchTime`` refuses an oracle record timed after the block (BatchTime)."""
    _, res = _future_tick_batch(chain)
    verdict = chain.verdict(res.new_root, res.data)
    assert "BatchTime" in verdict, f"the contract passed the time check ({verdict})"


def test_after_a_future_oracle_tick_no_batch_time_fits(chain):
    """The state after that batch: any batch time the contract accepts (≤ block.timestamp) is
    before the ledger clock (StaleBatchTime in the spec, batch_clock in the circuit), and the
    clock itself is refused as after the block: nothing, forced exits included, can follow."""
    from rollup import errors as err

    now, res = _future_tick_batch(chain)
    after = res.state
    with pytest.raises(err.StaleBatchTime):
        process_batch(after, [], now)
    nxt = process_batch(after, [], after.time)
    assert "BatchTime" in chain.verdict(nxt.new_root, nxt.data)


def test_world_sanity():
    """The demo oracle is the parameters' oracle (the ticks above are the real oracle's kind)."""
    assert World(PARAMS).params.oracle_key == ORACLE.pubkey
