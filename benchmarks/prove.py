"""Prover benchmark: zkdx vs the snarkjs CLI on the same circom .r1cs + .wtns.

For circomlib Poseidon Merkle path circuits of about 2^10, 2^12, 2^14 and 2^16
constraints, each prover runs as its own process, alternating, ``--reps`` times.
Recorded per run: wall time and peak RSS (wait4); for zkdx also per-phase times
(load, witness map, each MSM).  Medians and the ratio zkdx/snarkjs go to
``benchmarks/results/prove.json``.  No assertions: figures only.

    python benchmarks/prove.py [--sizes 10 12 14 16] [--reps 3]

Keys and the snarkjs powers of tau are cached under ``benchmarks/work/``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.npm_tools import compile_merkle_path, run, witness  # noqa: E402

WORK = ROOT / "benchmarks" / "work"
RESULTS = ROOT / "benchmarks" / "results" / "prove.json"
SNARKJS = ROOT / "node_modules" / ".bin" / "snarkjs"
POSEIDON2 = 240  # constraints of circomlib Poseidon(2); one per level, plus one bit check


def depth_for(log_size: int) -> int:
    """Largest Merkle depth whose circuit fits a 2^k domain (constraints + inputs + 1 <= 2^k)."""
    return ((1 << log_size) - 4) // (POSEIDON2 + 2)


def merkle_input(depth: int) -> str:
    path = [str(1000 + i) for i in range(depth)]
    return json.dumps({"leaf": "7", "path": path, "index": [str(i % 2) for i in range(depth)]})


def measure(cmd: list[str]) -> tuple[float, int, str]:
    """Wall seconds, peak RSS in MiB (largest of the process and its reaped children), stdout."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode:
            raise RuntimeError(f"{cmd[:3]} failed: {err.read().decode()[-2000:]}")
        return wall, usage.ru_maxrss // 1024, out.read().decode()


def zkdx_worker(r1cs: str, wtns: str, pk_path: str) -> None:
    """One zkdx proof with phase timings, printed as JSON (runs in its own process)."""
    from circuits.iden3 import read_r1cs, read_wtns
    from prover.keys import load_proving_key
    from prover.prove import create_proof

    t0 = time.perf_counter()
    m, z = read_r1cs(r1cs), read_wtns(wtns)
    pk = load_proving_key(pk_path)
    timings = {"load": time.perf_counter() - t0}
    create_proof(pk, m, z, timings=timings)
    timings["total_in_process"] = time.perf_counter() - t0
    print(json.dumps(timings))


def prepare(log_size: int, ptau: Path) -> dict:
    depth = depth_for(log_size)
    work = WORK / f"merkle_d{depth}"
    if not (work / "main.r1cs").exists():
        compile_merkle_path(work, depth)
    if not (work / "main.wtns").exists():
        witness(work, merkle_input(depth))
    if not _key_usable(work):
        subprocess.run(
            [
                sys.executable,
                "-m",
                "rollup.cli",
                "setup",
                "--r1cs",
                str(work / "main.r1cs"),
                "--pk",
                str(work / "zkdx.pk"),
                "--vk",
                str(work / "zkdx_vk.json"),
            ],
            check=True,
            cwd=ROOT,
        )
    if not (work / "main.zkey").exists():
        run("snarkjs", "groth16", "setup", "main.r1cs", ptau, "main.zkey", cwd=work)
    from circuits.iden3 import read_r1cs

    m = read_r1cs(work / "main.r1cs")
    return {"work": work, "depth": depth, "constraints": m.num_constraints, "variables": m.num_variables}


def _key_usable(work: Path) -> bool:
    """A cached zkdx key that loads and was made for this circuit (else it is rebuilt)."""
    from circuits.iden3 import read_r1cs
    from prover.errors import KeyFormatError
    from prover.keys import load_proving_key

    if not (work / "zkdx.pk").exists():
        return False
    try:
        return load_proving_key(work / "zkdx.pk").circuit_digest == read_r1cs(work / "main.r1cs").digest
    except KeyFormatError:
        return False


def ensure_ptau(power: int) -> Path:
    path = WORK / "ptau" / f"pot{power}.ptau"
    if path.exists():
        return path
    from tests.npm_tools import ptau

    made = ptau(WORK / "ptau" / f"build{power}", power)
    made.rename(path)
    return path


def bench_size(info: dict, reps: int) -> dict:
    work = info["work"]
    zk_cmd = [
        sys.executable,
        __file__,
        "--worker",
        str(work / "main.r1cs"),
        str(work / "main.wtns"),
        str(work / "zkdx.pk"),
    ]
    sj_cmd = [
        str(SNARKJS),
        "groth16",
        "prove",
        str(work / "main.zkey"),
        str(work / "main.wtns"),
        str(work / "sj_proof.json"),
        str(work / "sj_public.json"),
    ]
    zk_runs, sj_runs = [], []
    for _ in range(reps):  # alternate so that machine drift hits both alike
        wall, rss, out = measure(zk_cmd)
        zk_runs.append({"wall": wall, "rss_mib": rss, **json.loads(out.strip().splitlines()[-1])})
        wall, rss, _ = measure(sj_cmd)
        sj_runs.append({"wall": wall, "rss_mib": rss})
    zk = {k: statistics.median(r[k] for r in zk_runs) for k in zk_runs[0]}
    sj = {k: statistics.median(r[k] for r in sj_runs) for k in sj_runs[0]}
    return {
        "depth": info["depth"],
        "constraints": info["constraints"],
        "variables": info["variables"],
        "zkdx": zk,
        "snarkjs": sj,
        "ratio_wall_zkdx_over_snarkjs": zk["wall"] / sj["wall"],
        "runs": {"zkdx": zk_runs, "snarkjs": sj_runs},
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[10, 12, 14, 16])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        zkdx_worker(*args.worker)
        return
    ptau = ensure_ptau(max(args.sizes))
    results = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "workers": os.environ.get("ZKDX_WORKERS", "all cores"),
        "reps": args.reps,
        "sizes": {},
    }
    for k in args.sizes:
        info = prepare(k, ptau)
        print(f"2^{k}: depth {info['depth']}, {info['constraints']} constraints ...", flush=True)
        res = bench_size(info, args.reps)
        results["sizes"][f"2^{k}"] = res
        zk, sj = res["zkdx"], res["snarkjs"]
        print(f"  zkdx {zk['wall']:.2f}s ({zk['rss_mib']} MiB)  snarkjs {sj['wall']:.2f}s ({sj['rss_mib']} MiB)")
        print(f"  ratio zkdx/snarkjs {res['ratio_wall_zkdx_over_snarkjs']:.2f}", flush=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
