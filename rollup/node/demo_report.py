"""The demo's readable timeline and summary: events with elapsed time, each batch as L1 accepts it
(transactions, root, prove seconds, gas, seal -> accepted), acknowledgement latencies."""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

from rollup.errors import NodeUnavailable
from rollup.l1.client import L1Client
from rollup.node.client import NodeClient


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in [0, 100]) of a non-empty list."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


class Timeline:
    def __init__(self) -> None:
        self.start = time.monotonic()
        self.acks: list[float] = []
        self.accepted: dict[int, dict] = {}
        self.final: dict = {}

    def say(self, msg: str) -> None:
        print(f"[{time.monotonic() - self.start:6.1f} s] {msg}", flush=True)

    def ack(self, seconds: float) -> None:
        self.acks.append(seconds)

    def poll_batches(self, api: NodeClient) -> None:
        """Print batches L1 accepted since the last poll."""
        try:
            batches = api.batches(len(self.accepted), 100)
        except NodeUnavailable:  # the node is restarting
            return
        for b in batches:
            if b["status"] != "accepted" or b["number"] in self.accepted:
                continue
            self.accepted[b["number"]] = b
            took = b["accepted_at"] - b["sealed_at"]
            self.say(
                f"batch {b['number']} accepted on L1: {b['tx_count']} txs, root {int(b['new_root']):#x}, "
                f"proved in {b['prove_seconds']:.1f} s, gas {b['gas_used'] or 0:,}, sealed->accepted {took:.1f} s"
            )

    def converged(self, api: NodeClient, l1: L1Client) -> None:
        state = api.state()
        root, count = l1.state_root(), l1.batch_count()
        same = int(state["accepted_root"]) == root and state["accepted_batch"] + 1 == count
        self.say(f"L1 holds {count} batches, root {root:#x}: {'the node agrees' if same else 'MISMATCH'}")
        self.final = {"l1_batches": count, "l1_root": hex(root), "node_agrees": same}
        if not same:
            raise RuntimeError("the node and L1 disagree on the accepted root")

    def summary(self, json_out: str | None) -> dict:
        batches = list(self.accepted.values())
        proves = [b["prove_seconds"] for b in batches if b["prove_seconds"]]
        out = {
            "seconds": round(time.monotonic() - self.start, 1),
            "batches": len(batches),
            "transactions": sum(b["tx_count"] for b in batches),
            "prove_seconds_mean": round(statistics.mean(proves), 1) if proves else None,
            "gas_per_batch_mean": round(statistics.mean(b["gas_used"] for b in batches if b["gas_used"]))
            if any(b["gas_used"] for b in batches)
            else None,
            "ack_ms_p50": round(1000 * percentile(self.acks, 50), 1) if self.acks else None,
            "ack_ms_p99": round(1000 * percentile(self.acks, 99), 1) if self.acks else None,
            **self.final,
        }
        print("== summary")
        for k, v in out.items():
            print(f"   {k:<20} {v}")
        if json_out:
            Path(json_out).write_text(json.dumps({"summary": out, "batches": batches}, indent=1, default=str))
        return out
