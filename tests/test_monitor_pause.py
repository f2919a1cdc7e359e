"""A soundness bug on L1, caught by three monitors holding 2-of-3 guardian keys.

The rollup runs with ``AcceptAnyVerifier`` (test-only: it accepts every proof).  After an honest
batch the operator posts a root the ledger rules do not give.  Each monitor replays the batch from
L1 data, raises ``root_mismatch`` for it, and votes; the second vote starts the pause within two
blocks of the bad batch, and ``submitBatch`` then reverts.  ``verify-chain`` names the batch.
The default suite runs the three monitors as threads of this process; the slow suite runs three
``zkdx monitor`` processes, as deployed.
"""

from __future__ import annotations

import contextlib
import io
import json

import pytest

from rollup import keystore
from rollup.cli.main import main
from rollup.l1.client import L1Error, advance_time
from rollup.l1.devnode import hardhat_node
from rollup.monitor.alerts import AlertSink
from rollup.monitor.config import MonitorConfig
from rollup.monitor.metrics import Metrics
from rollup.monitor.watch import Monitor
from tests.monitor_helpers import (
    PASSPHRASE,
    TIMING,
    MonitorThreads,
    OperatorChain,
    guardian_monitors,
    wait_for,
)


@pytest.fixture(scope="module")
def node():
    with hardhat_node() as url:
        yield url


def _chain(url, directory) -> OperatorChain:
    ch = OperatorChain(url, "accept-any", None, directory)
    ch.register_and_deposit()
    ch.post(ch.next_deposit(), ch.next_deposit(), ch.next_deposit(), ch.tick(0, 3_000_000))
    return ch


@pytest.fixture(scope="module")
def chain(node, tmp_path_factory):
    return _chain(node, tmp_path_factory.mktemp("pause"))


def _pause_scenario(chain, started, alerts) -> dict:
    """Post a bad root once every monitor has started; the pause and what each monitor said."""
    head = chain.w3.eth.block_number
    for i in range(3):
        wait_for(lambda i=i: any(a.get("alert") == "monitor_started" for a in alerts(i)), 60, "monitor start")
    wait_for(lambda: started() >= head, 30, "monitors at the head")
    bad_block = chain.post_bad_root(chain.tick(0, 3_000_100))
    wait_for(chain.l1.paused, 60, "the pause")
    votes = chain.l1.rollup.events.PauseVote().get_logs(from_block=bad_block)
    (paused,) = chain.l1.rollup.events.Paused().get_logs(from_block=bad_block)
    assert paused["blockNumber"] - bad_block <= 2 and len(votes) == 2
    assert {v["args"]["guardian"] for v in votes} <= {g for g, _ in chain.guardians}
    for i in range(3):
        wait_for(lambda i=i: any(a["alert"] == "root_mismatch" for a in alerts(i)), 30, "every monitor's alert")
        (alert,) = [a for a in alerts(i) if a["alert"] == "root_mismatch"]
        assert alert["block"] == bad_block and alert["batch"] == chain.bad_batches[-1]
        assert alert["seen_at_head"] - bad_block <= 1  # detected within one block
    with pytest.raises(L1Error, match="IsPaused"):
        chain.post(chain.tick(0, 3_000_200))
    return {"bad_block": bad_block, "pause_block": paused["blockNumber"]}


def test_three_monitors_pause_the_rollup_within_two_blocks(chain):
    threads = MonitorThreads(chain)
    try:
        _pause_scenario(chain, lambda: min(m.cursor for m in threads.monitors), threads.alerts)
    finally:
        threads.stop()


def test_verify_chain_names_the_bad_batch(chain):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["verify-chain", "--rpc", chain.url, "--rollup", chain.l1.deployment.rollup, "--json"])
    doc = json.loads(out.getvalue())
    assert code == 1 and not doc["ok"]
    assert doc["verifier"]["status"] == "unreadable"  # AcceptAnyVerifier embeds no key
    assert doc["first_disagreement"]["batch"] == chain.bad_batches[0]
    assert {f["check"] for f in doc["first_disagreement"]["findings"]} == {"new_root", "public_input"}


def test_a_monitor_that_cannot_reach_l1_says_so_and_never_votes_on_old_data(chain):
    key = keystore.load(chain.guardians[0][1], PASSPHRASE, "secp256k1")
    cfg = MonitorConfig(rpc=chain.url, rollup=chain.l1.deployment.rollup)
    sink, metrics = AlertSink(stream=io.StringIO()), Metrics()
    mon = Monitor(cfg, sink, metrics, key)
    mon.step()  # still paused: the bad root is seen, no vote can count
    assert mon.firing["root_mismatch"] and mon.votes == []
    advance_time(chain.w3, TIMING[1] + TIMING[2] + 1)  # the pause and its cooldown are over
    provider = mon.reader.w3.provider
    url, provider.endpoint_uri = provider.endpoint_uri, "http://127.0.0.1:9"  # L1 cut off
    mon.step()
    assert sink.sent[-1].name == "l1_unreachable" and sink.sent[-1].severity == "error"
    assert mon.votes == [] and "zkdx_monitor_l1_up 0.0" in metrics.text()
    provider.endpoint_uri = url
    mon.step()  # back: fresh data, the bad root still there, so the vote goes out now
    assert len(mon.votes) == 1 and "pause_vote" in [a.name for a in sink.sent]
    assert chain.l1.rollup.functions.votedAt(mon.voter.address).call() > 0


@pytest.mark.slow
def test_three_monitor_processes_pause_the_rollup_within_two_blocks(node, tmp_path):
    chain = _chain(node, tmp_path)
    procs = guardian_monitors(chain, tmp_path, metrics_port=0)
    try:
        _pause_scenario(chain, lambda: min(p.checked_block() for p in procs), lambda i: procs[i].alerts())
    finally:
        codes = [p.stop() for p in procs]
    assert codes == [0, 0, 0]  # SIGTERM: a clean stop
