"""Prometheus metrics of one node (its own registry, so several nodes can live in one test process).

zkdx_acknowledged_total                    transactions acknowledged (by source: api, l1)
zkdx_refused_total{reason}                 refused by the spec, by error class
zkdx_ack_seconds                           submit -> receipt, per transaction
zkdx_batch_stage_seconds{stage}            seal->proved, proved->accepted, seal->accepted
zkdx_prove_seconds                         per batch, in the prover worker
zkdx_l1_gas_used_total                     gas of accepted submissions
zkdx_queue_depth{queue}                    open batch, L1 queue items not included, batches by status
"""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

ACK_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0)
STAGE_BUCKETS = (1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800)


class Metrics:
    def __init__(self) -> None:
        self.registry = r = CollectorRegistry()
        self.acknowledged = Counter("zkdx_acknowledged", "transactions acknowledged", ["source"], registry=r)
        self.refused = Counter("zkdx_refused", "transactions refused by the spec", ["reason"], registry=r)
        self.ack_seconds = Histogram("zkdx_ack_seconds", "submit to receipt", buckets=ACK_BUCKETS, registry=r)
        self.stage_seconds = Histogram(
            "zkdx_batch_stage_seconds", "batch lifecycle stages", ["stage"], buckets=STAGE_BUCKETS, registry=r
        )
        self.prove_seconds = Histogram("zkdx_prove_seconds", "proof per batch", buckets=STAGE_BUCKETS, registry=r)
        self.gas = Counter("zkdx_l1_gas_used", "gas of accepted batch submissions", registry=r)
        self.queue_depth = Gauge("zkdx_queue_depth", "work waiting", ["queue"], registry=r)

    def batch_accepted(self, batch: dict, gas: int | None) -> None:
        """Record a batch's lifecycle from its store row (called once, when the sender sees it accepted)."""
        if gas is not None:
            self.gas.inc(gas)
        if batch.get("prove_seconds") is not None:
            self.prove_seconds.observe(batch["prove_seconds"])
        sealed, proved, now = batch.get("sealed_at"), batch.get("proved_at"), time.time()
        if sealed is not None and proved is not None:
            self.stage_seconds.labels("seal_to_proved").observe(proved - sealed)
            self.stage_seconds.labels("proved_to_accepted").observe(now - proved)
        if sealed is not None:
            self.stage_seconds.labels("seal_to_accepted").observe(now - sealed)

    def depths(self, open_txs: int, l1_pending: int, batch_counts: dict[str, int]) -> None:
        self.queue_depth.labels("open_batch").set(open_txs)
        self.queue_depth.labels("l1_pending").set(l1_pending)
        for status in ("sealed", "proving", "proved", "submitted", "failed"):
            self.queue_depth.labels(f"batches_{status}").set(batch_counts.get(status, 0))

    def text(self) -> bytes:
        return generate_latest(self.registry)
