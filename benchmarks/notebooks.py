"""What the notebooks cost to run: each executed in a kernel (notebooks/build.py, as `make notebooks`
and the tests do) and as a plain script, alternating, on the committed results.

    python benchmarks/notebooks.py [--reps 3] [NAME ...]

Per notebook and mode: median wall and CPU seconds (this process's children: the kernel or the
script, and what they start) over ``--reps`` runs, into ``benchmarks/results/notebooks.json``.
The machine is shared: the load average is recorded; CPU time is the comparable figure.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
RESULTS = ROOT / "benchmarks" / "results" / "notebooks.json"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd: list[str], out: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one run in its own process (the kernel is a child of build.py)."""
    env = dict(os.environ, ZKDX_NB_OUT=str(out))
    env.pop("ZKDX_NB_MEASURE", None)
    t, c = time.perf_counter(), _children_cpu()
    subprocess.run(cmd, cwd=NOTEBOOKS, env=env, check=True, capture_output=True, timeout=1800)
    return time.perf_counter() - t, _children_cpu() - c


def bench(name: str, reps: int) -> dict:
    modes = {
        "kernel": [sys.executable, str(NOTEBOOKS / "build.py"), name],
        "script": [sys.executable, str(NOTEBOOKS / f"{name}.py")],
    }
    runs: dict[str, list[tuple[float, float]]] = {mode: [] for mode in modes}
    with tempfile.TemporaryDirectory() as out:
        for _ in range(reps):  # alternate, so that load drift hits both modes alike
            for mode, cmd in modes.items():
                runs[mode].append(timed(cmd, Path(out)))
    return {
        mode: {
            "wall_s": round(statistics.median(w for w, _ in r), 2),
            "cpu_s": round(statistics.median(c for _, c in r), 2),
        }
        for mode, r in runs.items()
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("names", nargs="*", help="notebooks (default: all)")
    args = ap.parse_args()
    names = args.names or sorted(p.stem for p in NOTEBOOKS.glob("[0-9][0-9]_*.py"))
    out: dict = {"machine": f"{os.cpu_count()} cores, shared with other work", "reps": args.reps,
                 "load_average_start": os.getloadavg(), "notebooks": {}}  # fmt: skip
    for name in names:
        out["notebooks"][name] = bench(name, args.reps)
        print(name, out["notebooks"][name], flush=True)
    for key in ("wall_s", "cpu_s"):
        out[f"all_in_kernels_{key}"] = round(sum(n["kernel"][key] for n in out["notebooks"].values()), 1)
    out["load_average_end"] = os.getloadavg()
    RESULTS.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
