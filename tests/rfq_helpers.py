"""Shared set-up for the RFQ gateway tests: a CA with issued client certificates, a funded
ledger behind a LocalSequencer, and a gateway running on its own event loop in a thread
(so tests can drive it with subprocesses: openssl, curl, node)."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from pathlib import Path

from circuits.ledger.params import LedgerParams
from rollup.ledger.demo import World
from rollup.rfq.gateway import Gateway
from rollup.rfq.identity import Identity
from rollup.rfq.pki import CertificateAuthority, cert_pem, key_pem, new_key
from rollup.rfq.sequencer import LocalSequencer

PASSPHRASE = b"test CA passphrase"


@dataclass
class Cred:
    name: str
    cert: Path
    key: Path
    serial: int
    account: int
    l2_key: bytes


def funded_world(n: int = 5) -> World:
    """Accounts 0..n-1 funded with 1,000,000 each, both markets priced (wallets 'trader i')."""
    w = World(LedgerParams(depth=4, batch_size=4), n_wallets=n)
    for i in range(n):
        w.apply(w.enqueue_deposit(i, 1_000_000))
    w.apply(w.tick(0, 3_000_000))
    w.apply(w.tick(1, 2_000_000))
    return w


class Pki:
    def __init__(self, directory: Path, algorithm: str = "ed25519") -> None:
        self.dir = directory
        self.ca = CertificateAuthority.init(directory / "ca", PASSPHRASE, algorithm)
        self.ca.server_cert(["127.0.0.1", "localhost"], algorithm=algorithm)
        self.algorithm = algorithm

    @property
    def ca_dir(self) -> Path:
        return self.dir / "ca"

    @property
    def ca_cert(self) -> Path:
        return self.ca_dir / "ca.cert.pem"

    def issue(
        self,
        name: str,
        role: str,
        account: int,
        l2_key: bytes | None = None,
        days: int = 10,
        window: tuple | None = None,
        ca: CertificateAuthority | None = None,
    ) -> Cred:
        """A client certificate for account (L2 key 'trader <account>' unless given)."""
        from circuits.native import eddsa

        l2 = l2_key or f"trader {account}".encode()
        ident = Identity("Firm " + name, name, role, account, eddsa.public_key(l2))
        key = new_key(self.algorithm)
        cert = (ca or self.ca).issue(ident, key.public_key(), days, window=window)
        return self.write(name, key, cert, account, l2)

    def write(self, name: str, key: object, cert: object, account: int, l2: bytes) -> Cred:
        cert_path, key_path = self.dir / f"{name}.cert.pem", self.dir / f"{name}.key.pem"
        cert_path.write_bytes(cert_pem(cert))
        key_path.write_bytes(key_pem(key))
        return Cred(name, cert_path, key_path, cert.serial_number, account, l2)


class GatewayThread:
    """A gateway on 127.0.0.1 (ephemeral port) in a thread with its own loop."""

    def __init__(self, ca_dir: Path, sequencer: object | None = None, **kw: object) -> None:
        self.world = funded_world() if sequencer is None else None
        self.sequencer = sequencer or LocalSequencer(self.world.state)
        kw.setdefault("verify_workers", 0)
        self.gateway = Gateway(ca_dir, self.sequencer, port=0, **kw)
        self.loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self.gateway.start())
        except BaseException as exc:  # reported to the test thread
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        self.loop.run_forever()
        self.loop.run_until_complete(self.gateway.stop())
        self.loop.close()

    def __enter__(self) -> GatewayThread:
        self.thread.start()
        self._ready.wait(30)
        if self._error is not None:
            raise self._error
        return self

    def __exit__(self, *exc: object) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)

    @property
    def port(self) -> int:
        return self.gateway.port

    @property
    def url(self) -> str:
        return f"wss://127.0.0.1:{self.port}/v1/ws"

    def call(self, coro: object, timeout: float = 10.0) -> object:
        """Run a coroutine on the gateway's loop (to look at its state safely)."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)


ROOT = Path(__file__).resolve().parents[1]
NODE_CLIENT = ROOT / "tests" / "rfq_node" / "client.mjs"


class NodeClient:
    """tests/rfq_node/client.mjs (Node `ws` + circomlibjs) in a subprocess, driven by JSON lines."""

    def __init__(self, url: str, ca: Path, cred: Cred) -> None:
        import queue
        import subprocess

        args = ["node", str(NODE_CLIENT), url, str(ca), str(cred.cert), str(cred.key), cred.l2_key.hex()]
        self.proc = subprocess.Popen(args, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.lines: queue.Queue = queue.Queue()
        self.seen: list[dict] = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        import json

        for line in self.proc.stdout:
            self.lines.put(json.loads(line))
        self.lines.put({"event": "exit"})

    def do(self, **cmd: object) -> None:
        import json

        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()

    def expect(self, pred: object, timeout: float = 45.0) -> dict:
        import queue
        import time

        deadline = time.monotonic() + timeout
        while True:
            try:
                event = self.lines.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                raise AssertionError(
                    f"node client: nothing matching within {timeout} s; saw {self.seen[-5:]}"
                ) from None
            self.seen.append(event)
            if pred(event):
                return event
            if event["event"] == "exit":
                raise AssertionError(f"node client exited; saw {self.seen[-5:]}")

    def message(self, kind: str, timeout: float = 15.0) -> dict:
        return self.expect(lambda e: e["event"] == "message" and e["msg"]["type"] == kind, timeout)["msg"]

    def error(self, ref: str, timeout: float = 15.0) -> dict:
        msg = self.expect(lambda e: e["event"] == "message" and e["msg"].get("ref") == ref, timeout)["msg"]
        assert msg["type"] == "error", msg
        return msg

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(5)
        self.proc.stdin.close()
        self.proc.stdout.close()


class ClientLoop:
    """An event loop in a thread for Python clients, so a test can block on other clients meanwhile."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: object, timeout: float = 30.0) -> object:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def connect(self, url: str, pki: Pki, cred: Cred) -> object:
        from rollup.rfq.client import RfqClient

        client = RfqClient.from_files(url, pki.ca_cert, cred.cert, cred.key, cred.l2_key)
        self.run(client.connect())
        return client

    def close(self, *clients: object) -> None:
        for c in clients:
            self.run(c.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
