"""Prover jobs: worker processes that claim sealed batches from the store and prove them.

    python -m rollup.node.jobs --dir DIR --name worker-1      (started by the node)

A worker claims the lowest queued job (or one whose claim is older than ``job_timeout``),
rebuilds the batch with the spec from the stored state before it and the stored
transactions (``process_batch``: pads with no-ops, computes the witness), checks that it
reaches the sealed root, proves, verifies, and stores data and proof, all keyed by its
claim: a late result for a reclaimed job is dropped.  It runs at a lower priority than
the node (intake stays responsive), exits with its parent (Linux ``PR_SET_PDEATHSIG``) and
on SIGTERM.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from circuits.ledger.params import LedgerParams
from prover.keys import ProvingKey, load_proving_key
from rollup.errors import RollupError
from rollup.ledger import codec, state_codec
from rollup.ledger.batch import BatchResult, process_batch
from rollup.node.config import load
from rollup.node.crash import crash_point
from rollup.node.sequencer import queue_item
from rollup.node.store import Store
from rollup.pipeline import prove_batch, verify_batch
from verifier.formats import proof_to_json

log = logging.getLogger("zkdx.node")
IDLE_SECONDS = 0.3
NICENESS = 10


class JobError(RollupError):
    """A batch that cannot be rebuilt or proved as sealed."""


def rebuild_batch(store: Store, params: LedgerParams, number: int) -> BatchResult:
    """The sealed batch, recomputed by the spec from the state before it and its transactions;
    the stored pre-state must rebuild the batch's old root (StateCodecError otherwise)."""
    pre, batch = store.state_after(number - 1), store.batch(number)
    if pre is None or batch is None:
        raise JobError(f"batch {number}: no sealed state before it")
    state = state_codec.decode(pre["blob"], params, int(batch["old_root"]))
    for row in store.queue_items(state.queue_consumed + len(state.pending)):
        state.enqueue(queue_item(row))
    txs = [codec.loads(r["body"]) for r in store.txs_of_batch(number)]
    batch_time = None if batch["batch_time"] is None else int(batch["batch_time"])
    res = process_batch(state, txs, batch_time)
    if res.new_root != int(batch["new_root"]) or len(txs) != batch["tx_count"]:
        raise JobError(f"batch {number}: rebuilt root {res.new_root:#x} differs from the sealed one")
    return res


def prove_job(store: Store, params: LedgerParams, pk: ProvingKey, number: int, threads: int | None) -> tuple:
    """(data, proof JSON, seconds) for a sealed batch; JobError if the proof does not verify."""
    start = time.perf_counter()
    res = rebuild_batch(store, params, number)
    proof = prove_batch(pk, params, res, workers=threads)
    if not verify_batch(pk.vk, res, proof):
        raise JobError(f"batch {number}: the proof does not verify")
    return res.data, json.dumps(proof_to_json(proof)), time.perf_counter() - start


def _as_child_of_the_node() -> None:
    """Die with the parent (SIGTERM) and yield the CPU to the node."""
    try:
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the node stops its workers itself
        pass
    os.nice(NICENESS)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))


def run_worker(directory: Path, name: str) -> None:
    cfg = load(directory)
    params, pc = cfg.params(), cfg.prover
    pk = load_proving_key(cfg.path(pc.proving_key))
    store = Store(cfg.store_path)
    threads = pc.threads or None
    parent = os.getppid()
    while os.getppid() == parent:
        number = store.claim_job(name, pc.job_timeout, pc.max_attempts)
        if number is None:
            time.sleep(IDLE_SECONDS)
            continue
        crash_point("while_proving", also=parent)
        try:
            data, proof, seconds = prove_job(store, params, pk, number, threads)
        except Exception as exc:  # recorded on the job and shown in status; the worker goes on
            store.fail_job(number, name, f"{type(exc).__name__}: {exc}"[:500], pc.max_attempts)
            continue
        store.finish_job(number, name, data, proof, seconds)


class WorkerPool:
    """The node's prover worker processes: started, restarted if one dies, stopped (SIGTERM, then SIGKILL)."""

    def __init__(self, directory: Path, count: int) -> None:
        self.directory, self.count = directory, count
        self.procs: list[subprocess.Popen] = []

    def _spawn(self, k: int) -> subprocess.Popen:
        name = f"w{k}-{os.getpid()}-{time.monotonic_ns()}"
        cmd = [sys.executable, "-m", "rollup.node.jobs", "--dir", str(self.directory), "--name", name]
        return subprocess.Popen(cmd, stdin=subprocess.DEVNULL)

    def start(self) -> None:
        self.procs = [self._spawn(k) for k in range(self.count)]

    def restart_dead(self) -> None:
        for k, proc in enumerate(self.procs):
            if proc.poll() is not None:
                log.warning("prover worker %d exited (%s): restarting", k, proc.returncode)
                self.procs[k] = self._spawn(k)

    def alive(self) -> int:
        return sum(1 for p in self.procs if p.poll() is None)

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m rollup.node.jobs", description="zkdx prover worker")
    ap.add_argument("--dir", required=True, help="node directory")
    ap.add_argument("--name", required=True, help="worker name (claims in the jobs table)")
    args = ap.parse_args(argv)
    _as_child_of_the_node()
    run_worker(Path(args.dir), args.name)


if __name__ == "__main__":
    main()
