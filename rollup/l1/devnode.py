"""Start and stop a local JSON-RPC development node (hardhat, pinned in package.json).

    with hardhat_node() as url:
        w3 = rollup.l1.client.connect(url)

The node listens on loopback only, on a free port, and is stopped (process group
killed) when the block exits, also on error.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rollup.errors import RollupError

ROOT = Path(__file__).resolve().parents[2]
CONFIG_DIR = ROOT / "contracts" / "devnode"
HARDHAT = ROOT / "node_modules" / ".bin" / "hardhat"


class NodeError(RollupError):
    """The development node could not be started."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(url: str) -> bool:
    from web3 import Web3

    try:
        return Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 2})).is_connected()
    except Exception:  # not up yet
        return False


@contextmanager
def hardhat_node(timeout: float = 60) -> Iterator[str]:
    if not HARDHAT.exists():
        raise NodeError(f"{HARDHAT} not found: run `make install` (npm ci)")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "HARDHAT_DISABLE_TELEMETRY_PROMPT": "true", "CI": "true"}
    cmd = [str(HARDHAT), "node", "--hostname", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(
        cmd, cwd=CONFIG_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    try:
        deadline = time.monotonic() + timeout
        while not _answers(url):
            if proc.poll() is not None:
                raise NodeError(f"hardhat node exited: {proc.stderr.read().decode()[-500:]}")
            if time.monotonic() > deadline:
                raise NodeError(f"hardhat node did not answer on {url} within {timeout} s")
            time.sleep(0.2)
        yield url
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
