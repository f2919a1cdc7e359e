"""Prometheus metrics of a monitor (``prometheus_client``, its own registry).

zkdx_monitor_l1_up                  1 if the last step read L1, else 0
zkdx_monitor_head_block             newest block seen
zkdx_monitor_last_checked_block     newest block whose checks all ran
zkdx_monitor_lag_blocks             head - last checked block
zkdx_monitor_lag_seconds            wall clock - timestamp of the last checked block
zkdx_monitor_check_firing{check}    1 while a check's alert is firing
zkdx_monitor_batches_replayed       batches replayed so far
zkdx_monitor_votes_total            pause votes this guardian cast
zkdx_monitor_alerts_total{alert,severity}
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest, start_http_server


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r, p = self.registry, "zkdx_monitor_"
        self.l1_up = Gauge(p + "l1_up", "1 if the last step read L1", registry=r)
        self.head = Gauge(p + "head_block", "newest block seen", registry=r)
        self.checked = Gauge(p + "last_checked_block", "newest block whose checks all ran", registry=r)
        self.lag_blocks = Gauge(p + "lag_blocks", "head minus last checked block", registry=r)
        self.lag_seconds = Gauge(p + "lag_seconds", "wall clock minus the last checked block's time", registry=r)
        self.firing = Gauge(p + "check_firing", "1 while the check's alert fires", ["check"], registry=r)
        self.batches = Gauge(p + "batches_replayed", "batches replayed", registry=r)
        self.votes = Counter(p + "votes", "pause votes cast", registry=r)
        self.alerts = Counter(p + "alerts", "alerts emitted", ["alert", "severity"], registry=r)
        self.server = None

    def serve(self, port: int, host: str = "127.0.0.1") -> int:
        """Serve /metrics over HTTP; the port bound (port 0 picks a free one)."""
        self.server, _ = start_http_server(port, host, registry=self.registry)
        return self.server.server_port

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def text(self) -> str:
        return generate_latest(self.registry).decode()
