"""Per-identity token buckets: ``rate`` messages a second with bursts of ``burst``.

The gateway keys its message limit by owner (identity key (firm, trader), account) from
certificates, so reconnecting or opening more connections does not buy more messages, and a
certificate for another account with the same names does not spend someone else's bucket;
addresses play no part.  Per-connection keys are dropped with ``forget``.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class RateLimiter:
    def __init__(self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.burst, self.clock = rate, burst, clock
        self._buckets: dict[object, tuple[float, float]] = {}  # key -> (tokens, last refill)

    def allow(self, key: object, cost: float = 1.0) -> bool:
        """Take cost tokens from key's bucket if it has them."""
        now = self.clock()
        tokens, last = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        ok = tokens >= cost
        self._buckets[key] = (tokens - cost if ok else tokens, now)
        return ok

    def forget(self, key: object) -> None:
        self._buckets.pop(key, None)
