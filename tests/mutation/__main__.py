"""``make mutate``: constraint-removal mutation testing of the gadgets and the ledger circuits.

    python -m tests.mutation [--jobs N] [--only batch,exit,gadget/eddsa] [--out FILE]

Lists every mutant (``groups``), runs the corpus (the soundness tests' forced witnesses, then the
adversarial ones), kills each mutant some attack's failing rows fit in, rebuilds a sample of killed
mutants without their rows to confirm the kill, and writes
``benchmarks/results/mutation.json``.  Exits 1 if a survivor has no documented reason, an attack
satisfies an unmutated circuit, or a cross-check fails.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from tests.mutation import report
from tests.mutation.corpus import CIRCUITS, all_entries, escalations
from tests.mutation.runner import collect, default_jobs, verdicts

OUT = Path(__file__).resolve().parents[2] / "benchmarks" / "results" / "mutation.json"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.mutation", description=__doc__.split("\n\n")[0])
    ap.add_argument("--jobs", type=int, default=default_jobs(), help="worker processes (ZKDX_MUTATE_JOBS)")
    ap.add_argument("--only", default="", help="comma-separated circuits (default: all)")
    ap.add_argument("--out", type=Path, default=OUT, help="where to write the JSON report")
    ap.add_argument("--survivors", type=Path, default=None, help="also write the survivors, one a line")
    args = ap.parse_args(argv)
    only = [c for c in args.only.split(",") if c] or list(CIRCUITS)
    started = time.monotonic()
    entries = [e for e in all_entries() if e.circuit in only]
    outcomes = collect(entries, args.jobs)
    extra = escalations(outcomes)
    outcomes += collect(extra, args.jobs)
    by_circuit = {c: verdicts(CIRCUITS[c].mutants(), [o for o in outcomes if o.circuit == c]) for c in only}
    checks = report.cross_check(by_circuit, entries + extra, outcomes)
    doc = report.document(by_circuit, outcomes, checks, time.monotonic() - started, args.jobs)
    report.write(doc, args.out)
    if args.survivors:
        args.survivors.write_text("\n".join(s["mutant"] for c in doc["circuits"].values() for s in c["survivors"]))
    print(report.summary(doc))
    return 0 if report.ok(doc) else 1


if __name__ == "__main__":
    sys.exit(main())
