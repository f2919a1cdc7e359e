"""The mutation report: counts, survivors with their reasons, cross-checks."""

from __future__ import annotations

import json
import os
import platform
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from tests.mutation.groups import Mutant
from tests.mutation.judge import Outcome
from tests.mutation.runner import Entry, Verdicts
from tests.mutation.survivors import reason
from tests.mutation.tamper import rebuilt_without

CROSS_CHECKS = 6  # killed mutants rebuilt per circuit


def _sample(killed: list[Mutant], n: int) -> list[Mutant]:
    """n killed mutants spread over the sorted list (deterministic), whole rules and kinds alike."""
    ordered = sorted(killed, key=lambda m: m.label)
    step = max(1, len(ordered) // n)
    return ordered[::step][:n]


def cross_check(by_circuit: dict[str, Verdicts], entries: Sequence[Entry], outcomes: Sequence[Outcome]) -> list[dict]:
    """Rebuild a sample of killed mutants without their rows and rerun the killing witness: the
    rebuilt circuit must accept it."""
    entry_of = {id(o): e for e, o in zip(entries, outcomes)}
    out = []
    for circuit, v in by_circuit.items():
        killed = [m for m, ks in v.killers.items() if ks]
        for m in _sample(killed, CROSS_CHECKS):
            killer = v.killers[m][0]
            e = entry_of[id(killer)]
            with rebuilt_without(m):
                again = e.run(e.statement, e.tamper)
            out.append(
                {
                    "mutant": m.label,
                    "circuit": circuit,
                    "witness": f"{e.statement} / {e.tamper.label}",
                    "fails_unmutated": list(killer.unsatisfied),
                    "rebuilt_accepts": not again.unsatisfied and again.attack,
                }
            )
    return out


def _circuit_doc(v: Verdicts) -> dict:
    survivors = []
    for m in v.survivors:
        why = reason(m)
        status, text = why if why else (None, None)
        survivors.append({"mutant": m.label, "rows": v.mutants[m], "status": status, "reason": text})
    return {
        "mutants": len(v.mutants),
        "killed": len(v.mutants) - len(v.survivors),
        "survivors_by_status": dict(Counter(s["status"] or "unexplained" for s in survivors)),
        "survivors": survivors,
        "holes": [f"{o.statement} / {o.tamper}" for o in v.holes],
        "kills": {m.label: f"{ks[0].statement} / {ks[0].tamper}" for m, ks in v.killers.items() if ks},
    }


def document(
    by_circuit: dict[str, Verdicts],
    outcomes: Sequence[Outcome],
    checks: list[dict],
    seconds: float,
    jobs: int,
) -> dict:
    circuits = {c: _circuit_doc(v) for c, v in by_circuit.items()}
    return {
        "generated_by": "make mutate (python -m tests.mutation)",
        "machine": f"{platform.machine()}, {os.cpu_count()} cores (shared), {jobs} worker processes",
        "seconds": round(seconds),
        "totals": {
            "mutants": sum(c["mutants"] for c in circuits.values()),
            "killed": sum(c["killed"] for c in circuits.values()),
            "survivors": sum(len(c["survivors"]) for c in circuits.values()),
            "survivors_by_status": dict(sum((Counter(c["survivors_by_status"]) for c in circuits.values()), Counter())),
            "witnesses": len(outcomes),
            "attacks": sum(o.attack for o in outcomes),
        },
        "circuits": circuits,
        "tamper_errors": [f"{o.statement} / {o.tamper}: {o.why}" for o in outcomes if o.why.startswith("tamper error")],
        "cross_checks": checks,
    }


def ok(doc: dict) -> bool:
    unexplained = [s for c in doc["circuits"].values() for s in c["survivors"] if s["reason"] is None]
    holes = [h for c in doc["circuits"].values() for h in c["holes"]]
    bad_checks = [c for c in doc["cross_checks"] if not c["rebuilt_accepts"]]
    return not (unexplained or holes or bad_checks or doc["tamper_errors"])


def summary(doc: dict) -> str:
    t = doc["totals"]
    lines = [f"mutation: {t['mutants']} mutants, {t['killed']} killed, {t['survivors']} survive ({doc['seconds']} s)"]
    for name, c in doc["circuits"].items():
        lines.append(f"  {name:16s} {c['mutants']:4d} mutants {c['killed']:4d} killed {len(c['survivors']):3d} survive")
        lines += [f"    survives: {s['mutant']}  ({s['status'] or 'NO REASON'})" for s in c["survivors"]]
        lines += [f"    HOLE: {h}" for h in c["holes"]]
    lines += [f"  cross-check FAILED: {c['mutant']}" for c in doc["cross_checks"] if not c["rebuilt_accepts"]]
    lines += [f"  tamper error: {e}" for e in doc["tamper_errors"]]
    return "\n".join(lines)


def write(doc: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=1, sort_keys=False) + "\n")
