"""Run independent tasks on worker processes that share read-only data by fork.

``run_tasks(tasks, shared, workers)`` sets ``shared`` (e.g. the proving key's
queries) as a module global before forking, so workers read it without pickling;
each task is ``(function, args)`` with a module-level function ``f(shared, *args)``.
With one worker, or where fork is unavailable, tasks run in this process.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from typing import Any

Task = tuple[Callable[..., Any], tuple]
_SHARED: dict[str, Any] = {}


def default_workers() -> int:
    env = os.environ.get("ZKDX_WORKERS")
    if env and env.isdigit() and int(env) > 0:
        return int(env)
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def _call(indexed: tuple[int, Task]) -> tuple[int, Any]:
    i, (fn, args) = indexed
    return i, fn(_SHARED, *args)


def run_tasks(
    tasks: Sequence[Task],
    shared: dict[str, Any],
    workers: int | None = None,
    on_done: Callable[[int], None] | None = None,
) -> list[Any]:
    """Results in task order; ``on_done(i)`` is called as task i finishes."""
    global _SHARED
    workers = default_workers() if workers is None else workers
    results: list[Any] = [None] * len(tasks)
    if workers <= 1 or len(tasks) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        for i, (fn, args) in enumerate(tasks):
            results[i] = fn(shared, *args)
            if on_done:
                on_done(i)
        return results
    _SHARED = shared
    try:
        with multiprocessing.get_context("fork").Pool(min(workers, len(tasks))) as pool:
            for i, res in pool.imap_unordered(_call, list(enumerate(tasks))):
                results[i] = res
                if on_done:
                    on_done(i)
    finally:
        _SHARED = {}
    return results
