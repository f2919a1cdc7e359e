"""Benchmark harness for benchmarks/rfq.py: the gateway in its own process (spawned, so its CPU
is its own), a sequencer that only keeps nonces, and signatures made before a run."""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing as mp
import os
import signal
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from circuits.native import eddsa  # noqa: E402
from rollup.ledger.demo import DEMO_DOMAIN  # noqa: E402
from rollup.rfq.protocol import signature_json  # noqa: E402
from rollup.rfq.terms import Terms  # noqa: E402

PAIRS, PRICE = 25, 3_000_000
DOMAIN = DEMO_DOMAIN  # the demo ledger's (serve.demo_sequencer); the recorder answers the same


class NonceRecorder:
    """A sequencer's bookkeeping without the ledger rules: nonces move, receipts come back."""

    def __init__(self, n: int) -> None:
        self.keys = [eddsa.public_key(f"trader {i}".encode()) for i in range(n)]
        self.nonces, self.seq = [0] * n, 0

    async def submit(self, tx: object) -> dict:
        self.nonces[tx.buyer] += 1
        self.nonces[tx.seller] += 1
        self.seq += 1
        return {"seq": self.seq, "tx_hash": f"0x{self.seq:064x}"}

    async def account(self, index: int) -> tuple | None:
        return (self.keys[index], self.nonces[index]) if 0 <= index < len(self.keys) else None

    async def domain(self) -> int:
        return DOMAIN


def _gateway_proc(ca_dir: str, sequencer: str, use_uvloop: bool, workers: int, port_q: mp.Queue) -> None:
    from rollup.rfq.gateway import Gateway
    from rollup.rfq.serve import demo_sequencer

    seq = NonceRecorder(2 * PAIRS) if sequencer == "recorder" else demo_sequencer(2 * PAIRS)

    async def serve() -> None:
        gw = Gateway(ca_dir, seq, port=0, verify_workers=workers, audit=os.devnull, rate=1e6, burst=1e6)
        await gw.start()
        port_q.put(gw.port)
        await asyncio.Event().wait()

    if use_uvloop:
        import uvloop

        uvloop.run(serve())
    else:
        asyncio.run(serve())


class GatewayProc:
    def __init__(self, ca_dir: Path, sequencer: str = "recorder", use_uvloop: bool = False, workers: int = 0):
        ctx = mp.get_context("spawn")
        q = ctx.Queue()
        self.proc = ctx.Process(target=_gateway_proc, args=(str(ca_dir), sequencer, use_uvloop, workers, q))
        self.proc.start()
        self.port = q.get(timeout=120)

    def pids(self) -> list[int]:
        """The gateway process and its descendants (the signature pool)."""
        out, todo = [], [self.proc.pid]
        while todo:
            pid = todo.pop()
            out.append(pid)
            try:
                for task in Path(f"/proc/{pid}/task").iterdir():
                    todo += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
        return out

    def cpu(self) -> float:
        """CPU seconds of the gateway process and its signature pool."""
        total = 0.0
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total

    def stop(self) -> None:
        pool = self.pids()[1:]
        self.proc.terminate()
        self.proc.join(10)
        for pid in pool:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


def _presign(job: tuple[int, int, int]) -> tuple[int, int, str, dict, dict]:
    i, k, expiry = job
    msg = Terms(0, i, PAIRS + i, 1, PRICE, expiry, k, k).message(DOMAIN)
    taker, maker = f"trader {i}".encode(), f"trader {PAIRS + i}".encode()
    return i, k, f"0x{msg:064x}", signature_json(eddsa.sign(taker, msg)), signature_json(eddsa.sign(maker, msg))


def presign(flows: int, expiry: int) -> dict:
    jobs = [(i, k, expiry) for i in range(PAIRS) for k in range(flows)]
    with mp.get_context("spawn").Pool(2) as pool:
        done = pool.map(_presign, jobs, chunksize=16)
    return {(i, k): (qid, ts, ms) for i, k, qid, ts, ms in done}
