"""Shared pieces of the attack2 gateway tests: outside clients (curl), a sequencer with an HTTP-like
round trip, CSR onboarding of a chosen identity, and audit-log reading."""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
from pathlib import Path

from circuits.native import eddsa
from rollup.rfq.client import RfqClient
from rollup.rfq.errors import GatewayError
from rollup.rfq.identity import Identity
from rollup.rfq.onboarding import approve, make_csr
from rollup.rfq.sequencer import LocalSequencer
from tests.rfq_helpers import Cred, Pki


class HttpLikeSequencer(LocalSequencer):
    """The in-process spec, with the round trip of ``HttpSequencer`` (the production set-up) on reads."""

    async def account(self, index: int):
        await asyncio.sleep(0.005)
        return await super().account(index)


class DictRegistry:
    def __init__(self, keys: dict) -> None:
        self.keys = keys

    def key_of(self, account: int):
        return self.keys.get(account)


def onboard(pki: Pki, file_name: str, firm: str, trader: str, role: str, account: int, l2: bytes) -> Cred:
    """The CSR route (`zkdx rfq csr` then `zkdx ca approve`), the registry holding l2's key for account."""
    identity = Identity(firm, trader, role, account, eddsa.public_key(l2))
    key, csr = make_csr(identity, l2)
    cert = approve(pki.ca, csr, 10, DictRegistry({account: eddsa.public_key(l2)}))
    return pki.write(file_name, key, cert, account, l2)


def curl_health(pki: Pki, port: int, cred: Cred | None, *extra: str, cert: Path | None = None) -> tuple[int, dict]:
    """(curl exit status, JSON body or {}) for GET /v1/health with cred's certificate."""
    cmd = ["curl", "-sS", "--max-time", "10", "--cacert", str(pki.ca_cert), *extra]
    if cred is not None:
        cmd += ["--cert", str(cert or cred.cert), "--key", str(cred.key)]
    proc = subprocess.run([*cmd, f"https://127.0.0.1:{port}/v1/health"], capture_output=True, timeout=30)
    try:
        body = json.loads(proc.stdout) if proc.stdout else {}
    except ValueError:
        body = {"raw": proc.stdout[:200].decode(errors="replace")}
    return proc.returncode, body


async def try_connect(url: str, pki: Pki, cred: Cred) -> RfqClient | str:
    """A connected client, or the refusal as text."""
    client = RfqClient.from_files(url, pki.ca_cert, cred.cert, cred.key, cred.l2_key or None)
    try:
        await client.connect()
    except GatewayError as exc:
        return str(exc)
    return client


def audit_lines(pki: Pki, since: float = 0.0) -> list[dict]:
    lines = [json.loads(x) for x in (pki.ca_dir / "audit.log").read_text().splitlines()]
    return [x for x in lines if x["ts"] >= since]


def replace_crl(pki: Pki, pem: bytes, settle: float = 0.6) -> None:
    """Swap crl.pem atomically and give the gateway's watcher (100 ms poll) time to load it."""
    tmp = pki.ca_dir / "crl.pem.swap"
    tmp.write_bytes(pem)
    tmp.rename(pki.ca_dir / "crl.pem")
    time.sleep(settle)
