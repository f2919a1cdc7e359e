"""The gateway's TLS front door as outside tools see it: `openssl s_client` and `curl`.

One gateway for the module.  s_client: no certificate, a certificate from another CA, one
revoked while the gateway runs, an expired one and a not-yet-valid one, and `-tls1_2`, are
each refused (no HTTP answer; the audit log names the reason); a valid one gets the health
answer.  curl reaches /v1/health only with a valid certificate.  Clients pointed at a
gateway presenting another CA's server certificate refuse it (curl, s_client with
-verify_return_error, the Python client).
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import time
from datetime import UTC, datetime, timedelta

import pytest

from rollup.rfq.client import RfqClient
from rollup.rfq.errors import GatewayError
from rollup.rfq.pki import CertificateAuthority
from tests.rfq_helpers import PASSPHRASE, GatewayThread, Pki

pytestmark = pytest.mark.skipif(
    shutil.which("openssl") is None or shutil.which("curl") is None, reason="needs openssl and curl"
)
HEALTH = b"GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("rfq_outside")
    pki = Pki(tmp)
    other = Pki(tmp / "other")  # another CA with its own server certificate
    now = datetime.now(UTC).replace(microsecond=0)
    creds = {
        "valid": pki.issue("alice", "taker", 0),
        "revoked": pki.issue("mallory", "maker", 1),
        "expired": pki.issue("olga", "taker", 2, window=(now - timedelta(days=10), now - timedelta(days=1))),
        "future": pki.issue("fred", "taker", 3, window=(now + timedelta(days=1), now + timedelta(days=10))),
        "foreign": other.issue("eve", "taker", 0, ca=other.ca),
    }
    with GatewayThread(pki.ca_dir) as gw, GatewayThread(other.ca_dir) as impostor:
        yield pki, creds, gw, impostor


def s_client(port: int, *args: str, data: bytes = HEALTH) -> subprocess.CompletedProcess:
    cmd = ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-quiet", *args]
    return subprocess.run(cmd, input=data, capture_output=True, timeout=20)


def with_cert(pki, cred) -> list[str]:
    return ["-cert", str(cred.cert), "-key", str(cred.key), "-CAfile", str(pki.ca_cert)]


def served(proc: subprocess.CompletedProcess) -> bool:
    return b"HTTP/1.1 200" in proc.stdout and b'"status": "ok"' in proc.stdout


def audit_reasons(pki, since: float) -> str:
    lines = [json.loads(x) for x in (pki.ca_dir / "audit.log").read_text().splitlines()]
    return " ".join(x["reason"] for x in lines if x["ts"] >= since and x["decision"] == "refused")


def test_s_client_with_a_valid_certificate_is_served(world):
    pki, creds, gw, _ = world
    proc = s_client(gw.port, *with_cert(pki, creds["valid"]))
    assert served(proc), proc.stdout + proc.stderr
    assert b"TLSv1.3" in s_client(gw.port, "-brief", *with_cert(pki, creds["valid"])).stderr


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("none", "certificate"),
        ("foreign", "unable to get local issuer"),
        ("expired", "expired"),
        ("future", "not yet valid"),
    ],
)
def test_s_client_refused(world, case, reason):
    pki, creds, gw, _ = world
    since = time.time() - 0.01
    args = ["-CAfile", str(pki.ca_cert)] if case == "none" else with_cert(pki, creds[case])
    proc = s_client(gw.port, *args)
    assert not served(proc), proc.stdout
    time.sleep(0.2)
    assert reason in audit_reasons(pki, since).lower()


def test_s_client_tls12_refused(world):
    pki, creds, gw, _ = world
    since = time.time() - 0.01
    proc = s_client(gw.port, "-tls1_2", *with_cert(pki, creds["valid"]))
    assert not served(proc)
    time.sleep(0.2)
    assert "unsupported protocol" in audit_reasons(pki, since)


def test_revoked_while_running_is_refused_within_a_second(world):
    pki, creds, gw, _ = world
    assert served(s_client(gw.port, *with_cert(pki, creds["revoked"])))
    before = gw.gateway.watcher.crl_number
    t0 = time.monotonic()
    pki.ca.revoke(creds["revoked"].serial, "key_compromise")
    while gw.gateway.watcher.crl_number == before:  # the gateway's own clock: CRL applied
        assert time.monotonic() - t0 < 1.0
        time.sleep(0.01)
    time.sleep(max(0.0, 1.0 - (time.monotonic() - t0)))  # an outside client, 1 s after the revocation
    since = time.time() - 0.01
    assert not served(s_client(gw.port, *with_cert(pki, creds["revoked"])))
    time.sleep(0.2)
    assert "certificate revoked" in audit_reasons(pki, since).lower()
    assert served(s_client(gw.port, *with_cert(pki, creds["valid"])))  # others are still served


def curl(url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["curl", "-sS", "--max-time", "10", *args, url], capture_output=True, timeout=20)


def test_curl_reaches_health_only_with_a_valid_certificate(world):
    pki, creds, gw, _ = world
    url = f"https://127.0.0.1:{gw.port}/v1/health"
    ok = curl(url, "--cert", str(creds["valid"].cert), "--key", str(creds["valid"].key), "--cacert", str(pki.ca_cert))
    assert ok.returncode == 0, ok.stderr
    body = json.loads(ok.stdout)
    assert body["status"] == "ok" and body["you"]["trader"] == "alice" and body["you"]["account"] == 0
    for case in ("foreign", "expired"):
        bad = curl(url, "--cert", str(creds[case].cert), "--key", str(creds[case].key), "--cacert", str(pki.ca_cert))
        assert bad.returncode != 0 and b"status" not in bad.stdout
    assert curl(url, "--cacert", str(pki.ca_cert)).returncode != 0


def test_clients_refuse_a_gateway_with_another_server_certificate(world):
    pki, creds, _, impostor = world
    url = f"https://127.0.0.1:{impostor.port}/v1/health"
    valid = creds["valid"]
    proc = curl(url, "--cert", str(valid.cert), "--key", str(valid.key), "--cacert", str(pki.ca_cert))
    assert proc.returncode == 60, proc.stderr  # peer certificate cannot be authenticated
    proc = s_client(impostor.port, "-verify_return_error", *with_cert(pki, valid))
    assert not served(proc) and b"verify error" in proc.stderr
    client = RfqClient.from_files(f"wss://127.0.0.1:{impostor.port}/v1/ws", pki.ca_cert, valid.cert, valid.key)
    with pytest.raises(GatewayError, match="CERTIFICATE_VERIFY_FAILED"):
        asyncio.run(client.connect())


def test_open_existing_ca_needs_the_passphrase(world):
    pki, *_ = world
    assert CertificateAuthority.open(pki.ca_dir, PASSPHRASE).cert.subject == pki.ca.cert.subject
