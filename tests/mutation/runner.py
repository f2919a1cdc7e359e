"""Run a corpus of (statement, tamper) entries, decide which mutants each attack kills, report.

An entry's outcome is an attack (the spec refuses what the prover claims) failing some rows; every
mutant whose dropped rows contain all of them would prove it (``groups.accepted_by``).  An attack
failing no row is a soundness hole of the circuit itself.  Entries run in worker processes
(``jobs``) that inherit the corpus by fork; statements are built once per process.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from circuits.errors import SynthesisError
from tests.mutation.groups import Mutant, accepted_by
from tests.mutation.judge import Outcome
from tests.mutation.tamper import Tamper, TamperError


@dataclass(frozen=True)
class Entry:
    circuit: str  # "batch", "exit", or "gadget/<module>"
    statement: str
    tamper: Tamper
    run: Callable[[str, Tamper], Outcome]  # (statement name, tamper) -> outcome


_ENTRIES: Sequence[Entry] = ()


def _run_one(i: int) -> Outcome:
    e = _ENTRIES[i]
    try:
        return e.run(e.statement, e.tamper)
    except (TamperError, SynthesisError) as exc:  # a tamper that does not fit: reported, never a kill
        cause = exc.__cause__ if isinstance(exc.__cause__, TamperError) else exc
        return Outcome(e.circuit, e.statement, e.tamper.label, (), False, f"tamper error: {cause}")
    except Exception as exc:
        return Outcome(e.circuit, e.statement, e.tamper.label, (), False, f"tamper error: {type(exc).__name__}: {exc}")


def collect(entries: Sequence[Entry], jobs: int = 1) -> list[Outcome]:
    """Outcomes in entry order (fork-based workers when jobs > 1)."""
    global _ENTRIES
    _ENTRIES = entries
    if jobs <= 1 or len(entries) < 2:
        return [_run_one(i) for i in range(len(entries))]
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(min(jobs, len(entries))) as pool:
        return pool.map(_run_one, range(len(entries)), chunksize=1)


def default_jobs() -> int:
    return max(1, min(int(os.environ.get("ZKDX_MUTATE_JOBS", "2")), os.cpu_count() or 1))


@dataclass
class Verdicts:
    """Which attack kills which mutant."""

    mutants: dict[Mutant, int]  # mutant -> rows dropped
    killers: dict[Mutant, list[Outcome]]
    holes: list[Outcome]  # attacks the unmutated circuit accepts

    @property
    def survivors(self) -> list[Mutant]:
        return [m for m in self.mutants if not self.killers.get(m)]


def verdicts(mutants: dict[Mutant, int], outcomes: Sequence[Outcome]) -> Verdicts:
    killers: dict[Mutant, list[Outcome]] = {m: [] for m in mutants}
    holes = []
    for o in outcomes:
        if not o.attack:
            continue
        if not o.unsatisfied:
            holes.append(o)
        for m in accepted_by(o.circuit, o.unsatisfied):
            if m in killers:
                killers[m].append(o)
    return Verdicts(mutants, killers, holes)
