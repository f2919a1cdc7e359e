"""verify-chain and a monitor over the operator node's demo chain (``zkdx demo``, small tree).

The demo (``rollup.node.demo``) runs the node on a hardhat node: deposits, ticks, trades, funding,
a liquidation, a withdrawal, a crash and restart, a forced exit; every batch proved with the real
batch circuit and accepted on L1.  Before its hardhat node stops, verify-chain replays that chain
from L1 alone (the node's markets and oracle key given with --ledger) and must agree with every
root and proof, and a monitor with the default thresholds must raise nothing.  Slow: a dev setup
and three proofs of the batch circuit."""

from __future__ import annotations

import contextlib
import io
import json
import signal

import pytest

from rollup.cli.main import main
from rollup.monitor.alerts import AlertSink
from rollup.monitor.config import MonitorConfig
from rollup.monitor.metrics import Metrics
from rollup.monitor.watch import Monitor

pytestmark = [pytest.mark.slow, pytest.mark.timeout(3600)]  # setup and proofs of the real circuit


def _ledger_json(params) -> dict:
    names = ("price_scale", "risk_factor_initial", "risk_factor_maintenance", "funding_cap")
    return {
        "oracle_key": [str(v) for v in params.oracle_key],
        "markets": [{n: getattr(m, n) for n in names} for m in params.markets],
    }


def test_verify_chain_and_a_monitor_agree_with_the_node_demo(tmp_path, monkeypatch):
    from rollup.node import demo as node_demo

    seen: dict = {}
    run = node_demo.Demo.run

    def run_then_watch(self) -> None:
        run(self)
        ledger = tmp_path / "ledger.json"
        ledger.write_text(json.dumps(_ledger_json(self.params)))
        out = io.StringIO()
        args = ["verify-chain", "--rpc", self.url, "--rollup", self.l1.deployment.rollup, "--ledger", str(ledger)]
        with contextlib.redirect_stdout(out):
            seen["code"] = main([*args, "--json"])
        seen["doc"] = json.loads(out.getvalue())
        cfg = MonitorConfig(rpc=self.url, rollup=self.l1.deployment.rollup, ledger=_ledger_json(self.params))
        mon = Monitor(cfg, AlertSink(stream=io.StringIO()), Metrics())
        mon.step()
        seen["alerts"] = [a.to_json() for a in mon.sink.sent if a.severity != "info"]
        seen["batches"] = (mon.replayer.next_batch, self.l1.batch_count())

    monkeypatch.setattr(node_demo.Demo, "run", run_then_watch)
    monkeypatch.setenv("ZKDX_PASSPHRASE", node_demo.PASSPHRASE)  # run_demo sets it: restored after the test
    handler = signal.getsignal(signal.SIGTERM)
    try:
        assert node_demo.run_demo(tmp_path / "node", depth=2, batch_size=4) == 0
    finally:
        signal.signal(signal.SIGTERM, handler)  # run_demo installs its own
    doc = seen["doc"]
    assert seen["code"] == 0 and doc["ok"], doc.get("first_disagreement")
    assert doc["verifier"]["status"] == "read back" and len(doc["batches"]) >= 3
    assert all(b["proof"] == "ok" for b in doc["batches"])
    assert seen["alerts"] == [] and seen["batches"][0] == seen["batches"][1]
