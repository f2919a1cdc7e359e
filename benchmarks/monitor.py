"""The watchers' figures on a hardhat node (started here on loopback), to benchmarks/results/monitor.json.

    python benchmarks/monitor.py [--batches 32] [--rounds 3] [--pauses 3]

Replay speed: a chain of --batches batches of 4 transactions (oracle ticks and RFQ trades among
three accounts; the any-input verifier of tests/monitor_helpers.py, so real proofs cost nothing
to make), then ``verify_chain`` from genesis, alternating rounds with and without the proof
checks (proofs verified 16 at a time), and the cost per proof of a 16-proof batch check against
single verification, alternating; medians.
Pause latency: --pauses fresh deployments (AcceptAnyVerifier), three ``zkdx monitor`` processes
with 2-of-3 guardian keys polling every 0.1 s; the blocks and wall seconds from the bad batch's
receipt to the first vote and to the pause in force.  Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rollup.l1.devnode import hardhat_node  # noqa: E402
from rollup.monitor.chain import ChainReader, posted_batch  # noqa: E402
from rollup.monitor.config import ledger_params  # noqa: E402
from rollup.monitor.proofs import batch_verify  # noqa: E402
from rollup.monitor.replay import BatchReport  # noqa: E402
from rollup.monitor.verify import verify_chain  # noqa: E402
from tests.monitor_helpers import AnyInputKey, OperatorChain, guardian_monitors, wait_for  # noqa: E402
from verifier import verify_proof  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "monitor.json"


def build_chain(url: str, directory: Path, batches: int) -> OperatorChain:
    ch = OperatorChain(url, "any-input", AnyInputKey(), directory)
    ch.register_and_deposit()
    ch.post(ch.next_deposit(), ch.next_deposit(), ch.next_deposit(), ch.tick(0, 3_000_000))
    price = 3_000_000
    for k in range(batches - 1):
        price += 100
        buyer, seller = k % 3, (k + 1) % 3
        ch.post(ch.tick(0, price), ch.trade(0, buyer, seller, 5, price), ch.trade(0, seller, buyer, 5, price))
    return ch


def replay_speed(url: str, directory: Path, batches: int, rounds: int) -> dict:
    ch = build_chain(url, directory, batches)
    reader = ChainReader(ch.w3, ch.l1.deployment.rollup)
    params = ledger_params(reader.info, None)
    warm = verify_chain(reader, params)  # compile the verifier once (cached), warm every path
    times: dict[str, list[float]] = {"replay": [], "replay_and_proofs": []}
    txs = 0
    for _ in range(rounds):
        for name, proofs in (("replay", False), ("replay_and_proofs", True)):
            res = verify_chain(reader, params, proofs=proofs)
            assert res.ok and len(res.reports) == batches, res.first_disagreement
            times[name].append(res.seconds)
            txs = sum(r.txs for r in res.reports)
    checks = proof_checks(ch, reader, warm.reports, rounds)
    out = {"batches": batches, "transactions": txs, "batch_size": params.batch_size, "accounts": params.num_accounts}
    for name, values in times.items():
        med = statistics.median(values)
        out[name] = {"seconds": [round(v, 3) for v in values], "median_s": round(med, 3)}
        out[name] |= {"batches_per_s": round(batches / med, 2), "transactions_per_s": round(txs / med, 2)}
    out["proof_check"] = checks
    return out


def proof_checks(ch: OperatorChain, reader: ChainReader, reports: list[BatchReport], rounds: int) -> dict:
    """Per-proof cost: 16 proofs in one batch check vs verifier.verify_proof one at a time (alternating)."""
    events = [e for e in reader.events(0, reader.head()) if e.name == "BatchAccepted"][:16]
    items = [([r.contract_input], reader.proof_of(posted_batch(e))) for r, e in zip(reports, events)]
    vk, batched, single = ch.key.pk.vk, [], []
    for _ in range(rounds):
        t = time.perf_counter()
        assert batch_verify(vk, items)
        batched.append((time.perf_counter() - t) / len(items))
        t = time.perf_counter()
        assert all(verify_proof(vk, *item) for item in items[:2])
        single.append((time.perf_counter() - t) / 2)
    b, s = statistics.median(batched), statistics.median(single)
    return {"proofs_per_batch_check": len(items), "batched_s_per_proof": round(b, 3), "single_s_per_proof": round(s, 3)}


def pause_latency(url: str, directory: Path) -> dict:
    ch = OperatorChain(url, "accept-any", None, directory)
    ch.register_and_deposit()
    ch.post(ch.next_deposit(), ch.next_deposit(), ch.next_deposit(), ch.tick(0, 3_000_000))
    procs = guardian_monitors(ch, directory, metrics_port=0)
    try:
        head = ch.w3.eth.block_number
        wait_for(lambda: min(p.checked_block() for p in procs) >= head, 120, "monitors at the head", 0.2)
        t0 = time.perf_counter()
        bad = ch.post_bad_root(ch.tick(0, 3_000_100))
        t_bad = time.perf_counter()
        wait_for(lambda: ch.l1.rollup.events.PauseVote().get_logs(from_block=bad), 60, "a vote", 0.01)
        t_vote = time.perf_counter()
        wait_for(ch.l1.paused, 60, "the pause", 0.01)
        t_pause = time.perf_counter()
    finally:
        for p in procs:
            p.stop()
    votes = ch.l1.rollup.events.PauseVote().get_logs(from_block=bad)
    (paused,) = ch.l1.rollup.events.Paused().get_logs(from_block=bad)
    return {
        "bad_batch_block": bad,
        "first_vote_blocks_after": min(v["blockNumber"] for v in votes) - bad,
        "pause_blocks_after": paused["blockNumber"] - bad,
        "first_vote_s_after_receipt": round(t_vote - t_bad, 3),
        "pause_s_after_receipt": round(t_pause - t_bad, 3),
        "submit_s": round(t_bad - t0, 3),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batches", type=int, default=32)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--pauses", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp, hardhat_node() as url:
        replay = replay_speed(url, Path(tmp), args.batches, args.rounds)
        print(json.dumps(replay, indent=1), flush=True)
        pauses = []
        for i in range(args.pauses):
            run_dir = Path(tmp) / f"pause{i}"
            run_dir.mkdir()
            pauses.append(pause_latency(url, run_dir))
            print(json.dumps(pauses[-1]), flush=True)
    doc = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_1m": os.getloadavg()[0]},
        "note": "shared 2-core machine, other jobs running; hardhat automine (one block per transaction)",
        "replay": replay,
        "pause": {"runs": pauses, "max_pause_blocks_after": max(p["pause_blocks_after"] for p in pauses)},
    }
    RESULTS.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
