"""Prover benchmark: zkdx vs the snarkjs CLI on the same .zkey + .wtns, as whole processes.

For circomlib Poseidon Merkle path circuits that fill 2^12, 2^14, 2^16 and 2^18 domains,
each prover runs as its own process, alternating, ``--reps`` times, on the same input
files and writing the same outputs (proof and public JSON):

* snarkjs: ``node node_modules/snarkjs/build/cli.cjs groth16 prove main.zkey main.wtns ...``
* zkdx:    ``zkdx prove --zkey main.zkey --wtns main.wtns ...`` (the CLI)
* zkdx-phases: ``benchmarks/prove.py --worker``: the same proof in a minimal process that
  reports the phases (imports, reading the files, witness map, each MSM).

Recorded per run: wall time and peak RSS (``wait4``); medians, the ratio zkdx/snarkjs,
the machine, the backend, cold and warm start-up and the load average go to
``benchmarks/results/prove.json``.  No assertions: figures only.

The key is a zkdx dev setup written as a .zkey (``prover.zkey_export``), so no powers of
tau are needed at 2^18; with ``--ptau FILE`` snarkjs makes its own key instead
(``snarkjs groth16 setup``) and both provers use that one.

    python benchmarks/prove.py [--sizes 12 14 16 18] [--reps 3] [--ptau pot.ptau]
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
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORK = ROOT / "benchmarks" / "work"
RESULTS = ROOT / "benchmarks" / "results" / "prove.json"
SNARKJS = ROOT / "node_modules" / "snarkjs" / "build" / "cli.cjs"
# constraints per Merkle level (circomlib Poseidon(2), the swap and the bit check) by circom level:
# --O2 folds the linear constraints away (too slow to compile at 2^18); --O1 keeps them (2^18 in 11 s)
PER_LEVEL = {"--O2": 240 + 2, "--O1": 521}
O1_FROM = 18  # sizes from 2^18 on are compiled with --O1


def circom_opt(log_size: int) -> str:
    return "--O1" if log_size >= O1_FROM else "--O2"


def depth_for(log_size: int) -> int:
    """Largest Merkle depth whose circuit fits a 2^k domain (constraints + inputs + 1 <= 2^k)."""
    return ((1 << log_size) - 4) // PER_LEVEL[circom_opt(log_size)]


def merkle_input(depth: int) -> str:
    path = [str(1000 + i) for i in range(depth)]
    return json.dumps({"leaf": "7", "path": path, "index": [str(i % 2) for i in range(depth)]})


def measure(cmd: list[str], env: dict | None = None) -> tuple[float, int, str, float]:
    """Wall seconds, peak RSS in MiB, stdout, CPU seconds (user + system, all threads; from wait4).

    CPU time is the load-independent figure on a shared machine: with 2 cores a quiet
    wall time is at least CPU/2."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=ROOT, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        out.seek(0)
        err.seek(0)
        if os.waitstatus_to_exitcode(status):
            raise RuntimeError(f"{cmd[:4]} failed: {err.read().decode()[-2000:]}")
        return wall, usage.ru_maxrss // 1024, out.read().decode(), usage.ru_utime + usage.ru_stime


def zkdx_worker(zkey: str, wtns: str, proof_out: str) -> None:
    """One proof from a .zkey with phase timings, printed as JSON (runs in its own process)."""
    t0 = time.perf_counter()
    import numpy as np

    from circuits.iden3 import read_wtns_array
    from prover.backend import get_backend
    from prover.prove import prove_zkey
    from prover.zkey import read_zkey
    from verifier.formats import proof_to_json

    backend = get_backend()
    timings = {"import": time.perf_counter() - t0}
    t1 = time.perf_counter()
    backend.first_off_curve(np.zeros((1, 2, 4), dtype=np.uint64))  # numba's target set-up, one kernel
    timings["numba_first_kernel"] = time.perf_counter() - t1
    t1 = time.perf_counter()
    z = read_wtns_array(wtns)
    pk, coeffs = read_zkey(zkey)
    timings["read_files"] = time.perf_counter() - t1
    proof = prove_zkey(pk, coeffs, z, timings=timings)
    Path(proof_out).write_text(json.dumps(proof_to_json(proof)))
    timings["total_in_process"] = time.perf_counter() - t0
    print(json.dumps(timings))


def prepare(log_size: int, ptau: Path | None) -> dict:
    from tests.npm_tools import compile_merkle_path, run, witness

    depth, opt = depth_for(log_size), circom_opt(log_size)
    work = WORK / (f"merkle_d{depth}" + ("" if opt == "--O2" else opt.replace("--", "_")))
    if not (work / "main.r1cs").exists():
        compile_merkle_path(work, depth, opt)
    if not (work / "main.wtns").exists():
        witness(work, merkle_input(depth))
    zkey = work / ("snarkjs.zkey" if ptau else "zkdx.zkey")
    if not zkey.exists():
        if ptau:
            run("snarkjs", "groth16", "setup", "main.r1cs", ptau, zkey.name, cwd=work, timeout=7200)
        else:
            _zkdx_zkey(work, zkey)
    from circuits.iden3 import read_r1cs

    m = read_r1cs(work / "main.r1cs")
    source = "snarkjs groth16 setup" if ptau else "zkdx dev setup"
    return {"work": work, "zkey": zkey, "depth": depth, "circom": opt, "constraints": m.num_constraints,
            "variables": m.num_variables, "key_source": source}  # fmt: skip


def _zkdx_zkey(work: Path, zkey: Path) -> None:
    from circuits.iden3 import read_r1cs
    from prover.qap import qap_coefficients
    from prover.setup import InsecureSetupWarning, setup
    from prover.zkey_export import write_zkey

    m = read_r1cs(work / "main.r1cs")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsecureSetupWarning)
        t0 = time.perf_counter()
        pk = setup(m, quiet=True)
    print(f"  zkdx setup {m.num_constraints} constraints: {time.perf_counter() - t0:.1f}s", flush=True)
    write_zkey(pk, qap_coefficients(m), zkey)


def commands(info: dict) -> dict[str, list[str]]:
    work, zkey, wtns = info["work"], str(info["zkey"]), str(info["work"] / "main.wtns")
    return {
        "snarkjs": ["node", str(SNARKJS), "groth16", "prove", zkey, wtns, str(work / "sj_proof.json"),
                    str(work / "sj_public.json")],
        "zkdx": [str(Path(sys.executable).parent / "zkdx"), "prove", "--zkey", zkey, "--wtns", wtns,
                 "--proof", str(work / "zk_proof.json"), "--public", str(work / "zk_public.json")],
        "zkdx_phases": [sys.executable, __file__, "--worker", zkey, wtns, str(work / "zkw_proof.json")],
    }  # fmt: skip


def bench_size(info: dict, reps: int) -> dict:
    cmds = commands(info)
    runs: dict[str, list[dict]] = {name: [] for name in cmds}
    for _ in range(reps):  # alternate so that machine drift hits every tool alike
        for name, cmd in cmds.items():
            wall, rss, out, cpu = measure(cmd)
            extra = json.loads(out.strip().splitlines()[-1]) if name == "zkdx_phases" else {}
            runs[name].append({"wall": wall, "cpu": cpu, "rss_mib": rss, **extra})
    med = {name: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for name, rs in runs.items()}
    _check_proofs(info)
    return {
        **{k: info[k] for k in ("depth", "circom", "constraints", "variables", "key_source")},
        **med,
        "ratio_wall_zkdx_over_snarkjs": med["zkdx"]["wall"] / med["snarkjs"]["wall"],
        "ratio_wall_zkdx_phases_over_snarkjs": med["zkdx_phases"]["wall"] / med["snarkjs"]["wall"],
        "ratio_cpu_zkdx_over_snarkjs": med["zkdx"]["cpu"] / med["snarkjs"]["cpu"],
        "ratio_rss_zkdx_over_snarkjs": med["zkdx"]["rss_mib"] / med["snarkjs"]["rss_mib"],
        "runs": runs,
    }


def _check_proofs(info: dict) -> None:
    """Both tools' proofs verify under the key's vk (snarkjs verifies zkdx's proof)."""
    from tests.npm_tools import run

    work = info["work"]
    if not (work / "vk.json").exists():
        run("snarkjs", "zkey", "export", "verificationkey", info["zkey"].name, "vk.json", cwd=work)
    for proof, public in (("zk_proof.json", "zk_public.json"), ("sj_proof.json", "sj_public.json")):
        if "OK" not in run("snarkjs", "groth16", "verify", "vk.json", public, proof, cwd=work):
            raise RuntimeError(f"{proof} does not verify")


def start_up() -> dict:
    """Cold (empty numba cache: compile everything) and warm start-up of the prover's kernels."""
    warm_cmd = [sys.executable, "-m", "prover.backend.warm"]
    wall, _, _, cpu = measure(warm_cmd)
    out = {"warm_s": wall, "warm_cpu_s": cpu}
    with tempfile.TemporaryDirectory() as cold:
        wall, _, _, cpu = measure(warm_cmd, dict(os.environ, NUMBA_CACHE_DIR=cold))
        out.update(cold_s=wall, cold_cpu_s=cpu)
    return out


def compile_bytecode() -> None:
    """Write the project's bytecode before timing, as an install does (``make install`` runs
    compileall; pip compiles a wheel's modules).  With ``PYTHONDONTWRITEBYTECODE`` set, as in
    this workplace's shells, every zkdx process would otherwise recompile its ~120 modules
    from source (0.1-0.3 s of a 2^12 proof), a cost no installed zkdx pays."""
    import compileall

    for package in ("circuits", "prover", "verifier", "rollup"):
        compileall.compile_dir(ROOT / package, quiet=1)


def machine() -> dict:
    from prover.backend import get_backend

    return {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
            "node": subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip(),
            "backend": get_backend().NAME, "load_average_start": os.getloadavg()}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[12, 14, 16, 18])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--ptau", type=Path, help="let snarkjs make the key from this prepared ptau")
    ap.add_argument("--no-cold", action="store_true", help="skip the cold-cache start-up measurement")
    ap.add_argument("--update", action="store_true", help="keep the other sizes already in the results file")
    ap.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        zkdx_worker(*args.worker)
        return
    compile_bytecode()
    note = "shared machine: other engineers' jobs ran meanwhile (see load_average_*)"
    results = {"machine": machine(), "workers": os.environ.get("ZKDX_WORKERS", "all cores"), "reps": args.reps,
               "bytecode": "compiled before timing", "note": note, "sizes": {}}  # fmt: skip
    results["start_up"] = {} if args.no_cold else start_up()
    if args.update and RESULTS.exists():
        results["sizes"] = json.loads(RESULTS.read_text())["sizes"]
    for k in args.sizes:
        info = prepare(k, args.ptau)
        print(f"2^{k}: depth {info['depth']}, {info['constraints']} constraints ...", flush=True)
        load_start = os.getloadavg()
        res = {"reps": args.reps, "load_average_start": load_start, **bench_size(info, args.reps),
               "load_average_end": os.getloadavg()}  # fmt: skip
        results["sizes"][f"2^{k}"] = res
        zk, zp, sj = res["zkdx"], res["zkdx_phases"], res["snarkjs"]
        print(f"  zkdx CLI {zk['wall']:.2f}s ({zk['cpu']:.2f}s CPU, {zk['rss_mib']} MiB)  worker {zp['wall']:.2f}s  "
              f"snarkjs {sj['wall']:.2f}s ({sj['cpu']:.2f}s CPU, {sj['rss_mib']} MiB)  "
              f"ratio {res['ratio_wall_zkdx_over_snarkjs']:.2f} (CPU {res['ratio_cpu_zkdx_over_snarkjs']:.2f})",
              flush=True)  # fmt: skip
    results["machine"]["load_average_end"] = os.getloadavg()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
