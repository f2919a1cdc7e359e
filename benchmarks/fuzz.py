"""What a step of the stateful ledger fuzz costs, written to benchmarks/results/fuzz.json.

    python benchmarks/fuzz.py [rounds]

Alternating rounds of the machine in ``tests/test_ledger_stateful.py`` (same hypothesis seed each
round): with the circuit sample off (only steps reaching a range limit are proven) and with every
step through the circuit. CPU time (process_time) per checked state and per circuit check, medians
over the rounds; wall time beside it. From these, the long run's time at the chosen sampling rate.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.ledger_fuzz_checks import STATS  # noqa: E402
from tests.test_ledger_stateful import LedgerMachine  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "fuzz.json"
OFF, EVERY = (4, 50), (1, 30)  # (examples, steps) of a round without and with every step proven


def one_round(circuit_every: int, size: tuple[int, int]) -> dict:
    """One run of examples × steps (the same inputs each round: derandomized); CPU and wall
    seconds, states checked and circuit checks."""
    start = Counter(STATS)
    machine = type("BenchMachine", (LedgerMachine,), {"circuit_every": circuit_every})
    cpu, wall = time.process_time(), time.perf_counter()
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=size[0],
            stateful_step_count=size[1],
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        ),
    )
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    got = STATS - start
    proven = sum(v for k, v in got.items() if isinstance(k, tuple) and k[0] == "circuit")
    return {"cpu_s": cpu, "wall_s": wall, "states": got["states checked"], "circuit_checks": proven}


def main(rounds: int) -> None:
    off, every = [], []
    for _ in range(rounds):
        off.append(one_round(1 << 30, OFF))
        every.append(one_round(1, EVERY))
    per_state = statistics.median(r["cpu_s"] / r["states"] for r in off)
    per_check = statistics.median((r["cpu_s"] - per_state * r["states"]) / max(r["circuit_checks"], 1) for r in every)
    out = {
        "machine": f"{platform.machine()} {os.cpu_count()} cores, shared with other engineers' test runs",
        "load_avg_1min": os.getloadavg()[0],
        "rounds": rounds,
        "steps_per_round": {"without_circuit": OFF[0] * OFF[1], "every_step": EVERY[0] * EVERY[1]},
        "cpu_ms_per_state_without_circuit": round(per_state * 1e3, 2),
        "cpu_ms_per_circuit_check": round(per_check * 1e3, 1),
        "wall_s_rounds_without_circuit": [round(r["wall_s"], 1) for r in off],
        "wall_s_rounds_every_step": [round(r["wall_s"], 1) for r in every],
        "cpu_s_rounds_every_step": [round(r["cpu_s"], 1) for r in every],
        "circuit_checks_per_round": {
            "without_sample": [r["circuit_checks"] for r in off],
            "every_step": [r["circuit_checks"] for r in every],
        },
        "long_run_cpu_min_estimate": {
            str(k): round(10_000 * (per_state + per_check / k) / 60, 1) for k in (1, 25, 40, 150)
        },
    }
    RESULTS.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
