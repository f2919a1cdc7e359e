"""The watchers' parts without a chain: batch proof verification, the replay's findings on batches
made offline, checkpoints, configuration, alerts (JSON lines and a webhook) and the verifier-code reader."""

from __future__ import annotations

import io
import json
import threading
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from circuits.field import R
from circuits.ledger.params import LedgerParams, TxType
from circuits.ledger.state import queue_step
from rollup.errors import ChainReadError, CheckpointError, MonitorConfigError, VerifierCodeError
from rollup.l1.contracts import demo_verifying_key, load_artifact
from rollup.ledger.batch import process_batch
from rollup.ledger.demo import World
from rollup.monitor import checkpoint
from rollup.monitor.alerts import Alert, AlertSink
from rollup.monitor.chain import Event, RollupInfo, posted_batch
from rollup.monitor.config import ledger_params, load_monitor
from rollup.monitor.proofs import invalid_proofs
from rollup.monitor.replay import Replayer
from rollup.monitor.vkcode import guess_vk
from tests.monitor_helpers import AnyInputKey, accept_any_artifact

PARAMS = LedgerParams(depth=2, batch_size=2)
DOMAIN = 99


def test_batch_verification_accepts_valid_proofs_and_names_an_invalid_one():
    key = AnyInputKey()
    items = [([v], key.prove(v)) for v in (5, 6)]
    assert invalid_proofs(key.pk.vk, items) == []  # one batch check
    swapped = [items[0], ([8], items[1][1])]  # a valid proof, of another input
    assert invalid_proofs(key.pk.vk, swapped) == [1]  # the batch check failed, then proof by proof
    assert invalid_proofs(key.pk.vk, [swapped[1], swapped[1]], first_only=True) == [0]  # and no further


# ---- replay on batches made offline --------------------------------------------------------


def _event(name: str, block: int, **args) -> Event:
    return Event(name, block, 0, "0x" + "ab" * 32, args)


def offline_chain() -> tuple[list[Event], list]:
    """Registrations and two deposits on "L1", then batches: the deposits; a tick and a trade; a trade."""
    w = World(PARAMS, domain=DOMAIN)
    deps, events, head = [w.enqueue_deposit(i, 1_000_000) for i in range(2)], [], 0
    for i, d in enumerate(deps):
        head = queue_step(head, TxType.DEPOSIT, d.account, d.amount, d.pubkey)
        events.append(_event("AccountRegistered", 1, account=i, pkX=d.pubkey[0], pkY=d.pubkey[1], owner="0x"))
        events.append(_event("QueueItem", 1, index=i, kind=TxType.DEPOSIT, account=i, amount=d.amount, head=head))
    state, results = w.state.copy(), []
    for make in (
        [lambda: deps[0], lambda: deps[1]],
        [lambda: w.tick(0, 3_000_000), lambda: w.trade(0, 0, 1, 10, 3_000_000)],
    ):
        txs = []
        for m in make:
            txs.append(m())
            w.apply(txs[-1])
        res = process_batch(state, txs)
        state = res.state
        results.append(res)
    return events, results


def accepted(index: int, res, **change) -> Event:
    args = dict(batch=index, oldRoot=res.old_root, newRoot=res.new_root, queueConsumed=res.state.queue_consumed)
    args["data"] = res.data
    return _event("BatchAccepted", 2 + index, **{**args, **change})


def replay(events: list[Event]) -> list:
    rep, out = Replayer(PARAMS, DOMAIN), []
    for ev in events:
        rep.observe(ev)
        if ev.name == "BatchAccepted":
            out.append(rep.apply(posted_batch(ev)))
    return out


def checks_of(report) -> set[str]:
    return {f.check for f in report.findings}


def test_an_honest_chain_replays_without_findings():
    events, results = offline_chain()
    reports = replay(events + [accepted(i, r) for i, r in enumerate(results)])
    assert [r.ok for r in reports] == [True, True] and [r.txs for r in reports] == [2, 2]


def test_a_bad_root_is_found_and_what_builds_on_it_too():
    events, (first, second) = offline_chain()
    bad = (first.new_root + 1) % R
    reports = replay(events + [accepted(0, first, newRoot=bad), accepted(1, second, oldRoot=bad)])
    assert checks_of(reports[0]) == {"new_root", "public_input"}
    (f,) = [f for f in reports[0].findings if f.check == "new_root"]
    assert (f.expected, f.actual) == (hex(first.new_root), hex(bad))
    assert checks_of(reports[1]) == {"old_root", "public_input"}  # on top of the bad root


@pytest.mark.parametrize(
    "data, check",
    [
        (lambda d: d[:-1], "decode"),  # short
        (lambda d: bytes([d[0] + 1]) + d[1:], "decode"),  # unknown version
        (lambda d: d[:6] + bytes([0xF0]) + d[7:], "decode"),  # unknown record type
        (lambda d: d[:13] + bytes([d[13] ^ 1]) + d[14:], "rules"),  # deposit amount unlike the L1 queue item
    ],
)
def test_batch_data_that_does_not_decode_or_apply_is_found(data, check):
    events, (first, _) = offline_chain()
    (report,) = replay(events + [accepted(0, first, data=data(first.data))])
    assert check in checks_of(report)


def test_a_spec_failure_on_posted_data_is_a_finding_not_a_crash(monkeypatch):
    def spec_bug(state, data):
        raise IndexError("list index out of range")

    monkeypatch.setattr("rollup.monitor.replay.replay_batch", spec_bug)
    events, (first, _) = offline_chain()
    (report,) = replay(events + [accepted(0, first)])
    (finding,) = report.findings
    assert finding.check == "rules" and finding.actual == "UncheckableTransaction" and "IndexError" in finding.message


def test_a_batch_that_consumes_other_queue_items_than_the_contract_counts():
    events, (first, _) = offline_chain()
    (report,) = replay(events + [accepted(0, first, queueConsumed=1)])
    assert "queue" in checks_of(report)


# ---- checkpoints -----------------------------------------------------------------------------


def test_a_checkpoint_round_trips_and_refuses_another_ledger(tmp_path):
    _, (_, second) = offline_chain()
    path, cp = tmp_path / "cp.json", checkpoint.Checkpoint(1, 3, second.state)
    checkpoint.save(path, cp, 31337, "0xR")
    back = checkpoint.load(path, PARAMS, DOMAIN, 31337, "0xR")
    assert (back.batch, back.block, back.state.root) == (1, 3, second.state.root)
    assert back.state.accounts == second.state.accounts and back.state.queue_head == second.state.queue_head
    with pytest.raises(CheckpointError, match="another chain"):
        checkpoint.load(path, PARAMS, DOMAIN, 1, "0xR")
    with pytest.raises(CheckpointError, match="does not hash to the root"):  # another domain, another root
        checkpoint.load(path, PARAMS, DOMAIN + 1, 31337, "0xR")


@pytest.mark.parametrize(
    "edit",
    [
        lambda b: b["accounts"].popitem(),
        lambda b: b["markets"][0].__setitem__(0, "1"),
        lambda b: b.__setitem__("queue_consumed", True),
        lambda b: b["accounts"].__setitem__("999", b["accounts"]["0"]),
        lambda b: b["accounts"]["0"].__setitem__(4, ["x", "0"]),
    ],
)
def test_a_checkpoint_edited_even_with_a_fresh_checksum_is_refused(tmp_path, edit):
    _, (_, second) = offline_chain()
    path = tmp_path / "cp.json"
    checkpoint.save(path, checkpoint.Checkpoint(1, 3, second.state), 31337, "0xR")
    body = json.loads(path.read_text())
    del body["sha256"]
    edit(body)
    path.write_text(json.dumps({**body, "sha256": checkpoint._digest(body)}))
    with pytest.raises(CheckpointError):
        checkpoint.load(path, PARAMS, DOMAIN, 31337, "0xR")


# ---- configuration ---------------------------------------------------------------------------

INFO = RollupInfo("0xR", "0xV", "0xE", "0xP", "0xT", "0xO", 2, 16, DOMAIN, 1000, 300)


def test_ledger_params_come_from_the_contract_and_the_given_markets():
    assert ledger_params(INFO, None) == PARAMS
    market = {"price_scale": 10, "risk_factor_initial": 500, "risk_factor_maintenance": 300, "funding_cap": 1}
    params = ledger_params(INFO, {"markets": [market]})
    assert params.depth == 2 and len(params.markets) == 1 and params.markets[0].price_scale == 10
    for bad in ({"markets": []}, {"oracle_key": [1, 2]}, {"oracle_key": ["x", "1"]}, {"fees": 1}):
        with pytest.raises(MonitorConfigError):
            ledger_params(INFO, bad)
    with pytest.raises(ChainReadError, match="not a power of 4"):
        ledger_params(replace(INFO, num_accounts=8), None)


@pytest.mark.parametrize(
    "cfg, message",
    [
        ({"rollup": "0xR"}, "rpc"),
        ({"rpc": "u", "rollup": "0xR", "poll": 1}, "unknown key"),
        ({"rpc": "u", "rollup": "0xR", "poll_seconds": True}, "poll_seconds"),
        ({"rpc": "u", "rollup": "0xR", "thresholds": {"liveness": "1h"}}, "thresholds.liveness"),
        ({"rpc": "u", "rollup": "0xR", "vote_on": ["liveness"]}, "vote_on"),
        ([1], "object"),
    ],
)
def test_a_bad_monitor_config_is_a_typed_error(tmp_path, cfg, message):
    path = tmp_path / "m.json"
    path.write_text(json.dumps(cfg))
    with pytest.raises(MonitorConfigError, match=message):
        load_monitor(path)


def test_a_monitor_config_reads_its_sections(tmp_path):
    path = tmp_path / "m.json"
    cfg = {"rpc": "u", "rollup": "0xR", "thresholds": {"liveness": None, "window": 60}, "poll_seconds": 1}
    path.write_text(json.dumps({**cfg, "guardian": {"keystore": "g.json"}, "expect": {"token": "0xT"}}))
    got = load_monitor(path)
    assert got.thresholds.liveness is None and got.thresholds.window == 60 and got.poll_seconds == 1.0
    assert got.guardian.keystore == "g.json" and got.expect.token == "0xT"


# ---- alerts ----------------------------------------------------------------------------------


class _Hook(BaseHTTPRequestHandler):
    got: list = []

    def do_POST(self):
        _Hook.got.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_alerts_are_json_lines_and_reach_the_webhook():
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        out = io.StringIO()
        sink = AlertSink(out, f"http://127.0.0.1:{server.server_port}/hook")
        sink.emit(Alert("root_mismatch", "critical", "batch 3", 42, {"batch": 3}))
        sink.close()
    finally:
        server.shutdown()
        server.server_close()
    line = json.loads(out.getvalue())
    assert (line["alert"], line["severity"], line["block"], line["batch"]) == ("root_mismatch", "critical", 42, 3)
    assert _Hook.got and _Hook.got[-1]["alert"] == "root_mismatch"
    with pytest.raises(ValueError):
        sink.emit(Alert("x", "loud", ""))


def test_a_dead_webhook_does_not_stop_alerts(capsys):
    out = io.StringIO()
    sink = AlertSink(out, "http://127.0.0.1:9/none", timeout=1)
    sink.emit(Alert("liveness", "warning", "idle"))
    sink.close()
    assert json.loads(out.getvalue())["alert"] == "liveness"
    assert "webhook" in capsys.readouterr().err


# ---- the verifier's code ---------------------------------------------------------------------


def test_the_key_is_read_back_from_a_verifiers_code():
    code = bytes.fromhex(load_artifact("Groth16Verifier")["deployed"])
    assert guess_vk(code) == demo_verifying_key()


def test_code_that_is_no_verifier_is_refused():
    with pytest.raises(VerifierCodeError):
        guess_vk(bytes.fromhex(accept_any_artifact()["deployed"]))
    code = bytes.fromhex(load_artifact("Groth16Verifier")["deployed"])
    with pytest.raises(VerifierCodeError):
        guess_vk(code[:700])  # the G2 constants cut off


# ---- the command line ------------------------------------------------------------------------


def test_cli_errors_are_one_line_with_exit_2(tmp_path, capsys):
    from rollup.cli.main import main

    dead = ["--rpc", "http://127.0.0.1:9", "--rollup", "0x" + "11" * 20]
    assert main(["verify-chain", *dead]) == 2
    assert "no JSON-RPC node answers" in capsys.readouterr().err
    assert main(["verify-chain", *dead, "--skip-proofs", "--vk", "vk.json"]) == 2
    assert "--vk has no use with --skip-proofs" in capsys.readouterr().err
    cfg = tmp_path / "m.json"
    cfg.write_text('{"rpc": "u", "rollup": "0xR", "thresholds": {"liveness": true}}')
    assert main(["monitor", "--config", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "MonitorConfigError" in err and "thresholds.liveness" in err
