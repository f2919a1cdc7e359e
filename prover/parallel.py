"""Run tasks on worker processes that share read-only data by fork.

``run_tasks(tasks, shared, workers)`` sets ``shared`` (e.g. the proving key's
queries) as a module global before forking, so workers read it without pickling;
each task is ``(function, args)`` with a module-level function ``f(shared, *args)``.
``then(i, result)`` may return follow-up tasks (e.g. the H MSM once h is known);
they are queued behind the others.  With one worker, or where fork is unavailable,
tasks run in this process in the same order.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import signal
from collections.abc import Callable, Sequence
from typing import Any

from prover.errors import ConfigError
from verifier.jsonsafe import excerpt

Task = tuple[Callable[..., Any], tuple]
FollowUp = Callable[[int, Any], Sequence[Task]]
_SHARED: dict[str, Any] = {}
WORKERS_ENV = "ZKDX_WORKERS"
MAX_WORKERS = 1024  # processes; more is a typo, not a machine


def default_workers() -> int:
    """``ZKDX_WORKERS`` when set (an integer 1..MAX_WORKERS), else every core this process may use.

    Raises ConfigError naming the variable for anything else (``abc``, ``0``, ``-2``): a typo
    must not silently fall back to another worker count."""
    env = os.environ.get(WORKERS_ENV, "").strip()
    if env:
        if not (env.isascii() and env.isdigit() and len(env) <= 6 and 1 <= int(env) <= MAX_WORKERS):
            raise ConfigError(f"{WORKERS_ENV}={excerpt(env)}: expected an integer from 1 to {MAX_WORKERS}")
        return int(env)
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def _ignore_interrupt() -> None:
    """In a worker: Ctrl-C reaches the whole process group; only the parent handles it (and
    terminates the pool), so workers print no traceback of their own."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _call(indexed: tuple[int, Task]) -> tuple[int, Any]:
    i, (fn, args) = indexed
    return i, fn(_SHARED, *args)


def run_tasks(
    tasks: Sequence[Task],
    shared: dict[str, Any],
    workers: int | None = None,
    on_done: Callable[[int], None] | None = None,
    then: FollowUp | None = None,
) -> list[Any]:
    """Results in task order (follow-ups after the tasks that spawned them)."""
    tasks = list(tasks)
    workers = default_workers() if workers is None else workers
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return _run_inline(tasks, shared, on_done, then)
    return _run_pool(tasks, shared, workers, on_done, then)


def _run_inline(tasks: list[Task], shared: dict, on_done: Callable | None, then: FollowUp | None) -> list[Any]:
    results = []
    for i, (fn, args) in enumerate(tasks):  # tasks may grow while we iterate
        results.append(fn(shared, *args))
        if on_done:
            on_done(i)
        if then:
            tasks.extend(then(i, results[i]))
    return results


def _run_pool(tasks: list[Task], shared: dict, workers: int, on_done: Callable | None, then: FollowUp | None) -> list:
    global _SHARED
    done: queue.SimpleQueue = queue.SimpleQueue()
    results: dict[int, Any] = {}
    _SHARED = shared
    try:
        with multiprocessing.get_context("fork").Pool(workers, initializer=_ignore_interrupt) as pool:

            def submit(i: int) -> None:
                pool.apply_async(_call, ((i, tasks[i]),), callback=done.put, error_callback=done.put)

            for i in range(len(tasks)):
                submit(i)
            while len(results) < len(tasks):
                item = done.get()
                if isinstance(item, BaseException):
                    raise item
                i, res = item
                results[i] = res
                if on_done:
                    on_done(i)
                for task in then(i, res) if then else ():
                    tasks.append(task)
                    submit(len(tasks) - 1)
    finally:
        _SHARED = {}
    return [results[i] for i in range(len(tasks))]
