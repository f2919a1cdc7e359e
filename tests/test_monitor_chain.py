"""The watchers on a hardhat node: a normal run raises no alarm, each check trips on its scenario,
and verify-chain agrees with the replay, resumes from a checkpoint and refuses a corrupted one.

One chain for the module (the any-input verifier of ``monitor_helpers``: real proofs, made in
milliseconds), and one monitor stepped after every change, test by test in order:
normal run -> verify-chain and checkpoints -> spikes -> oracle band -> time travel (forced-exit
deadline, liveness, stale oracle) -> conservation -> verifier swap -> a bad root -> undecodable data.
"""

from __future__ import annotations

import contextlib
import io
import json
from dataclasses import replace

import pytest
from web3 import Web3

from circuits.ledger.params import RECORD_BYTES, VERSION
from rollup.cli.main import main
from rollup.errors import CheckpointError
from rollup.l1.client import advance_time
from rollup.l1.devnode import hardhat_node
from rollup.monitor.alerts import AlertSink
from rollup.monitor.chain import ChainReader
from rollup.monitor.checkpoint import Checkpoint, _digest, confirm, load, save
from rollup.monitor.config import MonitorConfig, ThresholdConfig
from rollup.monitor.metrics import Metrics
from rollup.monitor.watch import Monitor
from tests.monitor_helpers import ITEM_DELAY, TIMING, AnyInputKey, OperatorChain, accept_any_artifact
from verifier.formats import vk_to_json

THRESHOLDS = ThresholdConfig(
    forced_exit_margin=300,  # of a 1,000 s delay
    liveness=600,
    oracle_band_ppm=200_000,
    oracle_stale=900,
    withdrawal_limit=3_000_000,
    liquidation_limit=150,
    window=3600,
)


class Watched:
    """The chain and a monitor that is stepped after every change; alerts are read as they come."""

    def __init__(self, chain: OperatorChain, url: str):
        self.chain, self.url = chain, url
        self.cfg = MonitorConfig(rpc=url, rollup=chain.l1.deployment.rollup, thresholds=THRESHOLDS)
        self.sink, self.metrics = AlertSink(stream=io.StringIO()), Metrics()
        self.monitor = Monitor(self.cfg, self.sink, self.metrics)
        self.seen = 0

    def step(self) -> list:
        """Step the monitor; the alerts it emitted (info ones excluded)."""
        self.monitor.step()
        new, self.seen = self.sink.sent[self.seen :], len(self.sink.sent)
        return [a for a in new if a.severity != "info"]

    def fired(self) -> set[str]:
        return {a.name for a in self.step()}


@pytest.fixture(scope="module")
def watched(tmp_path_factory):
    key = AnyInputKey()
    with hardhat_node() as url:
        chain = OperatorChain(url, "any-input", key, tmp_path_factory.mktemp("chain"))
        yield Watched(chain, url)


def test_normal_run_raises_no_alarm(watched):
    ch, quiet = watched.chain, []
    quiet += watched.step()  # genesis
    ch.register_and_deposit(backstop=True)
    ch.post(ch.next_deposit(), ch.next_deposit(), ch.next_deposit(), ch.next_deposit())
    ch.post(ch.tick(0, 3_000_000))
    quiet += watched.step()
    ch.post(ch.tick(1, 2_000_000), ch.trade(0, 0, 1, 600, 3_000_000), ch.withdraw(2, 1_000))
    quiet += watched.step()
    advance_time(ch.w3, 700)  # funding accrues; the next batch brings fresh prices
    ch.post(ch.tick(0, 2_900_000), ch.tick(1, 2_000_100), ch.funding(0, 3), ch.liquidate(0, 0, 2, 100))
    quiet += watched.step()
    ch.l1.request_forced_exit(ch.users[1], 1)
    ch.l1.deposit(ch.users[2], 2, 500)
    ch.post(ch.forced_exit(1), ch.next_deposit())
    ch.l1.claim(ch.users[1])
    quiet += watched.step()
    assert quiet == [], [a.to_json() for a in quiet]
    assert watched.monitor.replayer.next_batch == ch.l1.batch_count() == 5
    assert watched.monitor.replayer.state.root == ch.l1.state_root()
    text = watched.metrics.text()
    assert f"zkdx_monitor_last_checked_block {float(ch.w3.eth.block_number)}" in text
    assert 'zkdx_monitor_check_firing{check="conservation"} 0.0' in text


def _verify_chain(watched, *extra):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["verify-chain", "--rpc", watched.url, "--rollup", watched.chain.l1.deployment.rollup, *extra])
    return code, out.getvalue()


def test_verify_chain_agrees_and_resumes_from_its_checkpoint(watched, tmp_path):
    cp = tmp_path / "cp.json"
    code, out = _verify_chain(watched, "--json", "--checkpoint", str(cp))
    doc = json.loads(out)
    assert code == 0 and doc["ok"] and doc["verifier"]["status"] == "read back", out
    assert len(doc["batches"]) == watched.chain.l1.batch_count() and all(b["proof"] == "ok" for b in doc["batches"])
    assert doc["checkpoint"] == {"status": "none"}
    ch = watched.chain
    ch.post(ch.tick(0, 2_900_100))
    code, out = _verify_chain(watched, "--json", "--checkpoint", str(cp))
    doc = json.loads(out)
    assert code == 0 and doc["checkpoint"]["status"] == "resumed"
    assert [b["batch"] for b in doc["batches"]] == [ch.l1.batch_count() - 1]
    code, table = _verify_chain(watched, "--skip-proofs")
    assert code == 0 and "agree with their replay" in table and "FAIL" not in table


def test_a_given_key_that_is_not_the_deployed_verifiers_is_a_disagreement(watched, tmp_path):
    other = tmp_path / "other.vk.json"
    other.write_text(json.dumps(vk_to_json(AnyInputKey().pk.vk)))  # same circuit, another setup
    code, out = _verify_chain(watched, "--json", "--vk", str(other))
    doc = json.loads(out)
    assert code == 1 and not doc["ok"] and doc["verifier"]["status"] == "mismatch", doc["verifier"]
    bad = doc["first_disagreement"]  # proofs are still checked against the key given: none verifies
    assert bad["batch"] == 0 and bad["proof"] == "invalid" and [f["check"] for f in bad["findings"]] == ["proof"]


def _corrupt(path, how):
    """Change one account's collateral in a saved checkpoint, as a disk error or a forger would."""
    body = json.loads(path.read_text())
    account = next(iter(body["accounts"]))
    body["accounts"][account][3] = str(int(body["accounts"][account][3]) + 1_000_000)
    if how == "collateral and checksum":  # a forger who recomputes the checksum: the root gives it away
        body["sha256"] = _digest({k: v for k, v in body.items() if k != "sha256"})
    text = json.dumps(body)
    path.write_text(text[: len(text) // 2] if how == "truncated" else text)


@pytest.mark.parametrize(
    "how, reason",
    [("collateral", "checksum"), ("collateral and checksum", "does not hash to the root"), ("truncated", "JSON")],
)
def test_a_corrupted_checkpoint_is_detected(watched, tmp_path, how, reason):
    ch, cp = watched.chain, tmp_path / "cp.json"
    reader, replayer = ChainReader(ch.w3, ch.l1.deployment.rollup), watched.monitor.replayer
    assert watched.step() == []  # the replay is at the head
    at = Checkpoint(replayer.next_batch - 1, replayer.last_block, replayer.state)
    save(cp, at, ch.w3.eth.chain_id, reader.address)
    confirm(load(cp, ch.params, ch.domain, ch.w3.eth.chain_id, reader.address), reader)  # the honest one holds
    _corrupt(cp, how)
    with pytest.raises(CheckpointError, match=reason):
        load(cp, ch.params, ch.domain, ch.w3.eth.chain_id, reader.address)


def test_verify_chain_replays_from_genesis_past_a_corrupted_checkpoint(watched, tmp_path):
    cp = tmp_path / "cp.json"
    assert _verify_chain(watched, "--json", "--skip-proofs", "--checkpoint", str(cp))[0] == 0
    _corrupt(cp, "collateral and checksum")
    code, out = _verify_chain(watched, "--json", "--skip-proofs", "--checkpoint", str(cp))
    doc = json.loads(out)
    assert code == 0 and doc["checkpoint"]["status"] == "rejected", doc["checkpoint"]
    assert len(doc["batches"]) == watched.chain.l1.batch_count()  # replayed from genesis instead


def test_a_monitor_resumes_from_its_checkpoint_and_replays_past_a_corrupted_one(watched, tmp_path):
    cfg = replace(watched.cfg, checkpoint=str(tmp_path / "monitor.cp.json"))
    root = watched.chain.l1.state_root()

    def started() -> tuple[Monitor, list[str]]:
        mon = Monitor(cfg, AlertSink(stream=io.StringIO()), Metrics())
        mon.step()
        assert mon.replayer.state.root == root
        return mon, [a.name for a in mon.sink.sent]

    started()
    assert (tmp_path / "monitor.cp.json").exists()
    assert "checkpoint_resumed" in started()[1]
    _corrupt(tmp_path / "monitor.cp.json", "collateral and checksum")
    assert "checkpoint_rejected" in started()[1]  # and the replay from genesis reaches the same root


def test_a_bug_in_a_step_is_said_once_and_the_monitor_goes_on(watched, monkeypatch, caplog):
    def bug(head):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(watched.monitor, "_conditions", bug)
    first, again = watched.step(), watched.step()
    assert again == []  # said once, not every poll
    (alert,) = first
    assert (alert.name, alert.severity) == ("monitor_error", "error") and "ZeroDivisionError" in alert.message
    assert "monitor step failed" in caplog.text and watched.monitor.votes == []
    monkeypatch.undo()
    assert watched.step() == [] and watched.sink.sent[-1].details == {"resolved": True}


def test_liquidation_spike(watched):
    ch = watched.chain
    ch.post(ch.liquidate(0, 0, 2, 100))  # 200 size units liquidated within the window, limit 150
    assert watched.fired() == {"liquidation_spike"}


def test_withdrawal_spike(watched):
    ch = watched.chain
    ch.l1.deposit(ch.users[1], 1, 3_000_000)  # account 1 is short and at its initial margin (forced exit)
    ch.post(ch.next_deposit())
    assert watched.fired() == set()
    ch.post(ch.withdraw(1, 2_900_000))
    assert watched.fired() == {"withdrawal_spike"}


def test_oracle_price_jump(watched):
    ch = watched.chain
    ch.post(ch.tick(1, 2_600_000))  # +30% within the hour; band 20%
    assert watched.fired() == {"oracle_band"}


def test_time_travel_trips_deadline_liveness_and_staleness(watched):
    ch = watched.chain
    ch.l1.deposit(ch.users[0], 0, 1_000)  # one queue item ahead: the deadline is ITEM_DELAY later
    ch.l1.request_forced_exit(ch.users[2], 2)  # not served
    assert watched.fired() == set()
    advance_time(ch.w3, 950)  # 1,000 + 60 - 950 = 110 s to the deadline (margin 300); no batch, prices 950 s old
    alerts = {a.name: a for a in watched.step()}
    assert set(alerts) == {"forced_exit_deadline", "liveness", "oracle_stale"}
    (left,) = alerts["forced_exit_deadline"].details["seconds_left"].values()
    assert TIMING[0] + ITEM_DELAY - 950 - 5 <= left <= TIMING[0] + ITEM_DELAY - 950  # a few blocks' seconds
    ch.post(ch.tick(0, 2_900_000), ch.tick(1, 2_600_000), ch.next_deposit())
    ch.post(ch.forced_exit(2))  # its close (into the backstop) and the exit
    watched.step()
    resolved = {a.name for a in watched.sink.sent[-5:] if a.details.get("resolved")}
    assert {"forced_exit_deadline", "liveness", "oracle_stale"} <= resolved


def test_conservation_trips_when_the_balance_falls_short(watched):
    ch = watched.chain
    rollup, token = ch.l1.deployment.rollup, ch.l1.deployment.token
    slot = Web3.keccak(bytes(12) + bytes.fromhex(rollup[2:]) + (1).to_bytes(32, "big"))  # balanceOf[rollup]
    balance = ch.l1.token_balance(rollup)
    value = "0x" + (balance // 2).to_bytes(32, "big").hex()
    ch.w3.provider.make_request("hardhat_setStorageAt", [token, "0x" + slot.hex().removeprefix("0x"), value])
    assert ch.l1.token_balance(rollup) == balance // 2
    assert watched.fired() == {"conservation"}


def test_a_verifier_swap_is_a_code_change(watched):
    ch = watched.chain
    runtime = "0x" + accept_any_artifact()["deployed"]
    ch.w3.provider.make_request("hardhat_setCode", [ch.l1.deployment.verifier, runtime])
    (alert,) = watched.step()
    assert alert.name == "code_change" and alert.severity == "critical" and "verifier" in alert.details["changed"]


def test_a_configured_address_that_differs_is_critical(watched):
    cfg = MonitorConfig(rpc=watched.url, rollup=watched.chain.l1.deployment.rollup)
    cfg = MonitorConfig(**{**cfg.__dict__, "expect": type(cfg.expect)(token=watched.chain.operator)})
    sink = AlertSink(stream=io.StringIO())
    Monitor(cfg, sink, Metrics()).step()
    (alert,) = [a for a in sink.sent if a.name == "code_change"]
    assert "token" in alert.message and alert.severity == "critical"


def test_a_bad_root_is_caught_in_its_block_and_verify_chain_names_it(watched):
    ch = watched.chain
    block = ch.post_bad_root(ch.tick(0, 2_900_200))
    alerts = watched.step()
    assert {a.name for a in alerts} == {"root_mismatch", "public_input"}
    assert all(a.block == block and a.details["batch"] == ch.bad_batches[0] for a in alerts)
    code, out = _verify_chain(watched, "--json")
    bad = json.loads(out)["first_disagreement"]
    assert code == 1 and bad["batch"] == ch.bad_batches[0]
    assert {f["check"] for f in bad["findings"]} == {"new_root", "public_input"}
    code, table = _verify_chain(watched)
    assert code == 1 and f"batch {ch.bad_batches[0]} (block {block}" in table and "new_root:" in table


def test_undecodable_batch_data_is_critical(watched):
    ch = watched.chain
    record = bytes([0xF0]) + bytes(RECORD_BYTES - 1)  # type 15: the contract counts it as a no-op
    data = bytes([VERSION]) + bytes(5) + record + bytes(RECORD_BYTES * (ch.params.batch_size - 1))
    block = ch.post_raw(ch.l1.state_root(), data)
    alerts = [a for a in watched.step() if a.name == "batch_data"]
    assert len(alerts) == 1 and alerts[0].block == block and "unknown type 15" in alerts[0].message
