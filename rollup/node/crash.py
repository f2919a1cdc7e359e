"""Crash hooks for the crash-safety tests: ``ZKDX_CRASH_AT=point[:n]`` SIGKILLs the node at point.

Points (in lifecycle order):
  after_ack        a group of transactions is committed, before the replies go out
  after_seal       a batch is sealed (row, job and state committed)
  while_proving    a worker has claimed a job: it kills the node, then itself
  after_broadcast  a submission is broadcast, before its receipt is stored
  after_receipt    a submission's receipt is stored
With ``:n`` the n-th time the point is reached (default the first).  Unset, the hooks cost
one dictionary lookup.
"""

from __future__ import annotations

import os
import signal

POINTS = ("after_ack", "after_seal", "while_proving", "after_broadcast", "after_receipt")
ENV = "ZKDX_CRASH_AT"
_seen: dict[str, int] = {}


def _target() -> tuple[str, int] | None:
    spec = os.environ.get(ENV, "")
    if not spec:
        return None
    name, _, count = spec.partition(":")
    return name, int(count) if count.isascii() and count.isdigit() else 1


def crash_point(name: str, also: int | None = None) -> None:
    """SIGKILL this process (and first ``also``, e.g. the parent node) if the hook names this point."""
    target = _target()
    if target is None or target[0] != name:
        return
    _seen[name] = _seen.get(name, 0) + 1
    if _seen[name] == target[1]:
        if also is not None:
            os.kill(also, signal.SIGKILL)
        os.kill(os.getpid(), signal.SIGKILL)
