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
from collections.abc import Callable, Sequence
from typing import Any

Task = tuple[Callable[..., Any], tuple]
FollowUp = Callable[[int, Any], Sequence[Task]]
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
        with multiprocessing.get_context("fork").Pool(workers) as pool:

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
