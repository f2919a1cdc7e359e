"""The command line end to end: `zkdx ca init / server-cert / approve / list / renew / revoke`,
`zkdx rfq csr`, then `zkdx gateway --demo-ledger` with `zkdx rfq quote` (maker) and
`zkdx rfq request --accept` (taker) as separate processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from rollup import keystore
from rollup.cli.main import main
from tests.rfq_helpers import ROOT
from tests.test_rfq_pki import _Node

ZKDX = [str(Path(sys.executable).parent / "zkdx")]


def test_ca_and_trader_commands(tmp_path, monkeypatch, capsys):
    _onboard(tmp_path, monkeypatch, capsys)


@pytest.mark.slow
def test_trading_through_the_cli(tmp_path, monkeypatch, capsys):
    """Gateway, maker and taker as three `zkdx` processes (about 30 s on a loaded machine)."""
    _onboard(tmp_path, monkeypatch, capsys)
    _trade_through_the_cli(tmp_path, str(tmp_path / "ca"))


def _onboard(tmp_path, monkeypatch, capsys):
    from circuits.native import eddsa

    monkeypatch.setenv("ZKDX_CA_PASSPHRASE", "ca secret")
    monkeypatch.setenv("ZKDX_L2_PASSPHRASE", "l2 secret")
    ca, d = str(tmp_path / "ca"), tmp_path
    assert main(["ca", "init", "--dir", ca]) == 0
    assert main(["ca", "server-cert", "--dir", ca, "--host", "127.0.0.1", "--host", "localhost"]) == 0
    keys = {}
    for i, role in ((0, "taker"), (1, "maker")):
        keystore.save(d / f"l2-{i}.json", f"trader {i}".encode(), b"l2 secret", "babyjubjub")
        args = ["rfq", "csr", "--firm", "ACME", "--trader", f"t{i}", "--role", role, "--account", str(i)]
        assert main([*args, "--l2-key", str(d / f"l2-{i}.json"), "--out", str(d / f"t{i}")]) == 0
        keys[i] = eddsa.public_key(f"trader {i}".encode())
    _Node.keys = keys
    node = ThreadingHTTPServer(("127.0.0.1", 0), _Node)
    threading.Thread(target=node.serve_forever, daemon=True).start()
    try:
        for i in (0, 1):
            csr, out = str(d / f"t{i}.csr.pem"), str(d / f"t{i}.cert.pem")
            url = f"http://127.0.0.1:{node.server_port}"
            assert main(["ca", "approve", csr, "--dir", ca, "--days", "5", "--out", out, "--node", url]) == 0
        _Node.keys = {0: keys[1]}  # the registry now holds another key for account 0
        bad = ["ca", "approve", str(d / "t0.csr.pem"), "--dir", ca, "--days", "5", "--out", str(d / "x.pem")]
        assert main([*bad, "--node", url]) == 2
        assert "not the key registered" in capsys.readouterr().err
    finally:
        node.shutdown()
        node.server_close()
    capsys.readouterr()
    assert main(["ca", "list", "--dir", ca, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [e["status"] for e in listed] == ["valid", "valid"]
    serial = next(e["serial"] for e in listed if e["identity"]["account"] == 1)
    assert main(["ca", "renew", serial, "--dir", ca, "--days", "9", "--out", str(d / "t1.renewed.pem")]) == 0
    assert main(["ca", "revoke", serial, "--dir", ca, "--reason", "superseded"]) == 0
    assert main(["ca", "revoke", serial, "--dir", ca]) == 2
    monkeypatch.delenv("ZKDX_CA_PASSPHRASE")
    assert main(["ca", "revoke", serial, "--dir", ca]) == 2
    assert "no passphrase" in capsys.readouterr().err


def _trade_through_the_cli(d, ca):
    env = {**os.environ, "ZKDX_L2_PASSPHRASE": "l2 secret", "PYTHONPATH": str(ROOT)}
    gw = subprocess.Popen(
        [*ZKDX, "gateway", "--dir", ca, "--port", "0", "--demo-ledger", "4", "--verify-workers", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        line = gw.stdout.readline()
        assert "listening on" in line, line
        url = line.split("listening on ")[1].split()[0]

        def conn(i):  # the maker uses its renewed certificate (the first one is revoked)
            cert = d / ("t1.renewed.pem" if i == 1 else "t0.cert.pem")
            return [
                "--url",
                url,
                "--ca",
                f"{ca}/ca.cert.pem",
                "--cert",
                str(cert),
                "--key",
                str(d / f"t{i}.key.pem"),
                "--l2-key",
                str(d / f"l2-{i}.json"),
            ]

        maker = subprocess.Popen(
            [*ZKDX, "rfq", "quote", *conn(1), "--price", "3000100", "--wait", "60"],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        time.sleep(3)  # the maker connects first
        taker = subprocess.run(
            [
                *ZKDX,
                "rfq",
                "request",
                *conn(0),
                "--market",
                "0",
                "--side",
                "buy",
                "--size",
                "2",
                "--wait",
                "10",
                "--accept",
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert taker.returncode == 0, taker.stderr
        events = [json.loads(x) for x in taker.stdout.splitlines()]
        assert [e["type"] for e in events][-1] == "fill" and events[-1]["terms"]["price"] == 3000100
        out, _ = maker.communicate(timeout=120)
        assert any(json.loads(x)["type"] == "fill" for x in out.splitlines())
    finally:
        gw.terminate()
        gw.wait(20)
        if "maker" in locals() and maker.poll() is None:
            maker.kill()
