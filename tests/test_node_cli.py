"""``zkdx init / node / status / submit`` from the command line: exit codes, one-line errors, the
receipt checked against the deployment's operator; and (slow) the documented flow against a
hardhat node."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from rollup.cli.main import main
from rollup.l1.client import Deployment
from rollup.ledger import codec
from rollup.node.config import load, save_deployment
from tests.node_helpers import PASSPHRASE, ServedNode, node_dir, tick


@pytest.fixture
def served(tmp_path):
    """A node directory whose node serves its API (intake and sealing, no L1, no provers)."""
    cfg = node_dir(tmp_path / "node", key=False)
    save_deployment(cfg, Deployment("0x" + "12" * 20, "0x" + "34" * 20, "0x" + "56" * 20), 1, 0, "0x" + "78" * 20)
    with ServedNode(cfg) as node:
        info = json.loads(cfg.path("deployment.json").read_text())
        info["operator"] = node.operator.address  # receipts are checked against this
        cfg.path("deployment.json").write_text(json.dumps(info))
        yield cfg


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_submit_prints_the_checked_receipt_and_status_reads_the_store(served, tmp_path, capsys):
    tx_file = tmp_path / "tick.json"
    tx_file.write_text(codec.dumps(tick(served, 100)))
    code, out, _ = _run(capsys, "submit", "--dir", str(served.dir), str(tx_file))
    assert code == 0 and "acknowledged: seq 0, batch 0" in out and "(checked)" in out
    code, out, _ = _run(capsys, "submit", "--dir", str(served.dir), str(tx_file))
    assert code == 2
    time.sleep(1.0)  # sealed (batch size 1)
    code, out, _ = _run(capsys, "status", "--dir", str(served.dir), "--json")
    status = json.loads(out)
    assert code == 0 and status["last_sealed_batch"] == 0 and status["node"]["status"] in ("ok", "degraded")
    code, out, _ = _run(capsys, "status", "--dir", str(served.dir))
    assert code == 0 and "batch    0 sealed" in out


@pytest.mark.parametrize(
    "body, expect",
    [
        ('{"type": "oracle"}', "TransactionFormatError"),
        ("[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]", "TransactionFormatError"),
        (None, "cannot read"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(served, tmp_path, capsys, body, expect):
    path = tmp_path / "tx.json"
    if body is not None:
        path.write_text(body)
    code, _, err = _run(capsys, "submit", "--dir", str(served.dir), str(path))
    assert code == 2 and expect in err and "Traceback" not in err and len(err.splitlines()) == 1


def test_a_refusal_names_the_spec_error(served, tmp_path, capsys):
    path = tmp_path / "tx.json"
    path.write_text(codec.dumps(tick(served, 100)))
    _run(capsys, "submit", "--dir", str(served.dir), str(path))
    path.write_text(codec.dumps(tick(served, 90)))
    code, _, err = _run(capsys, "submit", "--dir", str(served.dir), str(path))
    assert code == 2 and "StaleOraclePrice" in err


def test_a_missing_directory_or_node_is_a_clear_error(tmp_path, capsys):
    code, _, err = _run(capsys, "status", "--dir", str(tmp_path / "nowhere"))
    assert code == 2 and "zkdx init" in err and "Traceback" not in err
    cfg = node_dir(tmp_path / "node", key=False)  # configured, nothing serving its port
    save_deployment(cfg, Deployment("0x" + "12" * 20, "0x" + "34" * 20, "0x" + "56" * 20), 1, 0, "0x" + "78" * 20)
    (tmp_path / "t.json").write_text(codec.dumps(tick(cfg, 100)))
    code, _, err = _run(capsys, "submit", "--dir", str(cfg.dir), str(tmp_path / "t.json"))
    assert code == 2 and "NodeUnavailable" in err
    cfg.path("zkdx.toml").write_text(cfg.path("zkdx.toml").read_text().replace("[api]", "[api]\nprot = 1"))
    code, _, err = _run(capsys, "status", "--dir", str(cfg.dir))
    assert code == 2 and "unknown key(s) ['prot']" in err


def test_every_node_command_shows_its_defaults(capsys):
    for cmd in ("init", "node", "status", "submit", "demo"):
        with pytest.raises(SystemExit):
            main([cmd, "--help"])
        out = capsys.readouterr().out
        assert "--dir" in out and ("default" in out or cmd in ("node", "status"))


@pytest.mark.slow
def test_init_node_submit_status_against_hardhat(tmp_path):
    from rollup.l1.devnode import hardhat_node

    env = {"ZKDX_PASSPHRASE": PASSPHRASE.decode(), "PATH": "/usr/bin:/bin"}
    zkdx = [sys.executable, "-m", "rollup.cli.main"]
    d = tmp_path / "node"
    with hardhat_node() as url:
        args = ["init", "--dir", str(d), "--l1-url", url, "--depth", "2", "--batch-size", "1", "--seal-seconds", "1"]
        done = subprocess.run([*zkdx, *args], env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        assert "INSECURE" in done.stdout and "deployed on chain 31337" in done.stdout
        again = subprocess.run([*zkdx, *args], env=env, capture_output=True, text=True, timeout=60)
        assert again.returncode == 2 and "initialised already" in again.stderr
        cfg = load(d)
        from rollup.ledger.signing import Wallet, oracle_tick
        from rollup.node.bootstrap import domain_of, oracle_secret

        tx = oracle_tick(domain_of(cfg), Wallet(oracle_secret(cfg, PASSPHRASE)), 0, 3_000_000, 100)
        (tmp_path / "tick.json").write_text(codec.dumps(tx))
        node = subprocess.Popen([*zkdx, "node", "--dir", str(d)], env=env, stderr=subprocess.DEVNULL)
        try:
            from rollup.node.client import NodeClient

            NodeClient(cfg.api_url).wait_until_up(120)
            sub = subprocess.run([*zkdx, "submit", "--dir", str(d), str(tmp_path / "tick.json"), "--json"],
                                 env=env, capture_output=True, text=True, timeout=60)  # fmt: skip
            assert sub.returncode == 0 and json.loads(sub.stdout)["seq"] == 0
            deadline = time.monotonic() + 600
            while True:
                st = subprocess.run([*zkdx, "status", "--dir", str(d), "--json"], env=env, capture_output=True)
                if json.loads(st.stdout)["accepted_batch"] == 0:
                    break
                assert time.monotonic() < deadline
                time.sleep(1)
        finally:
            node.terminate()
            assert node.wait(timeout=30) == 0  # SIGTERM: a clean stop
