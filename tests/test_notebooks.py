"""Every notebook executes in a kernel (notebooks/build.py, the code `make notebooks` runs) and draws its figures.

Needs the ``notebooks`` extra (``make test`` installs it); without it these tests skip, except
under CI (``CI`` set), where a missing extra is a failure: a notebook that breaks must fail CI.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
FIGURES = {
    "01_prover_scaling": ["time_vs_constraints", "memory_vs_constraints", "phases", "ratio", "batch_phases"],
    "02_trade_constraints": ["per_trade_components", "batch_size", "sha256_vs_packing", "merkle_arity"],
    "03_l1_cost": ["gas_per_batch", "gas_per_trade", "break_even", "operations"],
    "04_node_latency": ["ack_latency", "batch_timeline", "throughput", "ack_parts"],
    "05_own_circuit": ["constraints_by_part"],
}
NODE_HERE = importlib.util.find_spec("rollup.node") is not None


@pytest.fixture(scope="module")
def build():
    try:
        import ipykernel  # noqa: F401
        import jupytext  # noqa: F401
        import matplotlib  # noqa: F401
        import nbclient  # noqa: F401
    except ImportError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"the notebooks extra is not installed in CI: {exc}")
        pytest.skip(f"pip install -e '.[notebooks]' to execute the notebooks ({exc})")
    sys.path.insert(0, str(NOTEBOOKS))
    import build as module

    return module


@pytest.fixture
def out(tmp_path, monkeypatch):
    for name in ("ZKDX_NB_MEASURE", "ZKDX_NB_RESULTS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ZKDX_NB_OUT", str(tmp_path / "out"))
    return tmp_path / "out"


def run(build, name: str, out: Path) -> str:
    """Execute one notebook into out; the text it printed."""
    import nbformat

    nb = nbformat.read(build.execute(NOTEBOOKS / f"{name}.py", out), as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    return "".join(o.get("text", "") for o in outputs if o.output_type == "stream")


def assert_figures(out: Path, name: str, expected: list[str]) -> None:
    written = sorted(p.stem for p in (out / name).glob("*.png"))
    assert written == sorted(expected)
    assert all((out / name / f"{f}.png").stat().st_size > 10_000 for f in expected)  # a drawn figure, not a blank
    nb = json.loads((out / f"{name}.ipynb").read_text())
    shown = [o for c in nb["cells"] for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(shown) == len(expected)  # each figure is also in the rendered notebook


@pytest.mark.parametrize("name", ["01_prover_scaling", "02_trade_constraints", "03_l1_cost"])
def test_notebook_runs_on_the_committed_results(build, out, name):
    text = run(build, name, out)
    assert_figures(out, name, FIGURES[name])
    assert "committed results: benchmarks/results/" in text


def test_own_circuit_notebook_is_checked_by_snarkjs_and_a_solidity_verifier(build, out):
    text = run(build, "05_own_circuit", out)
    assert_figures(out, "05_own_circuit", FIGURES["05_own_circuit"])
    assert "the proof verifies: True" in text and "with threshold 6,000 instead: False" in text
    assert "first unsatisfied constraint: solvency/surplus_fits.pack" in text
    assert "WITNESS IS CORRECT" in text and "OK!" in text
    assert "contract accepts the proof: True" in text and "contract, threshold 6,000: False" in text


def node_results(latencies: bool) -> dict:
    """A node.json in the schema of benchmarks/node.py (numbers made up, shapes real)."""
    seq = {"n": 6, "p50_ms": 120.0, "p99_ms": 260.0, "trades_per_s": 7.5}
    if latencies:
        seq["latencies_ms"] = [100.0, 110.0, 120.0, 125.0, 200.0, 260.0]
    batch = {"params": "d8-n4-m2", "setup_s": 60.0, "tx_count": 4, "seal_to_proved_s": 61.0, "prove_s": 60.0,
             "proved_to_accepted_s": 2.0, "seal_to_accepted_s": 63.0, "first_trade_to_accepted_s": 70.0,
             "gas_used": 337_000}  # fmt: skip
    return {
        "machine": "2 cores",
        "ack": {"params": "d8-n16-m2", "sequential": seq,
                "concurrent": {"clients": 16, "n": 6, "trades_per_s": 8.0, "p50_ms": 1900.0, "p99_ms": 2500.0},
                "parts": {"spec_check_trade_ms_median": 2.1, "receipt_sign_ms_median": 0.3,
                          "commit_fsync_ms_median": 1.6}},
        "batches": {"4": batch, "16": "not run: too slow today"},
        "demo_defaults": {"batches": [{"number": 0, "tx_count": 4, "prove_seconds": 100.0, "gas_used": 376_000,
                                       "seal_to_accepted_s": 120.0}]},
    }  # fmt: skip


@pytest.mark.parametrize("latencies", [True, False], ids=["histogram", "percentiles only"])
def test_node_notebook_draws_a_results_file_in_the_node_benchmark_schema(build, out, tmp_path, monkeypatch, latencies):
    results = tmp_path / "results"
    results.mkdir()
    (results / "node.json").write_text(json.dumps(node_results(latencies)))
    monkeypatch.setenv("ZKDX_NB_RESULTS", str(results))
    text = run(build, "04_node_latency", out)
    assert_figures(out, "04_node_latency", FIGURES["04_node_latency"])
    assert "batch of 16: not run: too slow today" in text
    assert "batch of 4: 70 s to L1" in text


@pytest.mark.skipif(not (ROOT / "benchmarks" / "results" / "node.json").exists(), reason="no committed node.json yet")
def test_node_notebook_runs_on_the_committed_results(build, out):
    text = run(build, "04_node_latency", out)
    assert "committed results: benchmarks/results/node.json" in text
    for name in ("ack_latency", "throughput", "ack_parts"):  # the batch timeline only if batches were timed
        assert (out / "04_node_latency" / f"{name}.png").stat().st_size > 10_000


@pytest.mark.skipif(NODE_HERE, reason="with the node here a missing node.json is re-measured (slow test below)")
def test_node_notebook_without_node_or_results_says_so_and_draws_nothing(build, out, tmp_path, monkeypatch):
    monkeypatch.setenv("ZKDX_NB_RESULTS", str(tmp_path))
    text = run(build, "04_node_latency", out)
    assert "Nothing to plot: this checkout has no operator node" in text
    assert not list((out / "04_node_latency").glob("*.png"))


def test_a_missing_results_file_is_re_measured_at_a_small_size(build, out, tmp_path, monkeypatch):
    monkeypatch.setenv("ZKDX_NB_RESULTS", str(tmp_path))  # no constraints.json there
    text = run(build, "02_trade_constraints", out)
    assert "constraints.json not found: re-measuring at a small size" in text
    assert "re-measured now at a small size" in text
    assert_figures(out, "02_trade_constraints", FIGURES["02_trade_constraints"])
    measured = json.loads((out / "measured" / "constraints.json").read_text())
    assert set(measured["ledger"]["batches"]["2^16_accounts"]) == {"batch_1", "batch_2"}


def test_a_missing_batch_proof_file_is_re_measured_with_batch_prove_py(build, out, tmp_path, monkeypatch):
    (tmp_path / "prove.json").write_text((ROOT / "benchmarks" / "results" / "prove.json").read_text())
    monkeypatch.setenv("ZKDX_NB_RESULTS", str(tmp_path))  # prove.json committed, batch_prove.json missing
    text = run(build, "01_prover_scaling", out)
    assert "batch_prove.json not found: re-measuring at a small size" in text
    assert "A batch of 1 at 16 accounts" in text
    assert_figures(out, "01_prover_scaling", FIGURES["01_prover_scaling"])
    measured = json.loads((out / "measured" / "batch_prove.json").read_text())
    assert set(measured) == {"d2-n1-m2"}


def test_build_exits_1_and_names_the_notebook_when_a_cell_fails(build, out):
    env = dict(os.environ, ZKDX_NB_MEASURE="yes")
    proc = subprocess.run([sys.executable, str(NOTEBOOKS / "build.py"), "03_l1_cost"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=600)  # fmt: skip
    assert proc.returncode == 1
    assert "FAILED 03_l1_cost.py" in proc.stderr and "ZKDX_NB_MEASURE must be 0 or 1" in proc.stderr
    assert (out / "03_l1_cost.ipynb").exists()  # rendered with the error, for reading


@pytest.mark.slow
@pytest.mark.interop
@pytest.mark.timeout(3600)
@pytest.mark.parametrize("name", ["01_prover_scaling", "03_l1_cost"])
def test_re_measurement_through_the_benchmark_scripts(build, out, monkeypatch, name):
    """ZKDX_NB_MEASURE=1: prove.py at 2^10 with snarkjs (~25 s) and batch_prove.py at 2^4 accounts (~15 s);
    gas.py at 4^2 on hardhat (two setups and eleven batch proofs: about 3.5 minutes on the numba prover,
    over 15 on gmpy2, on the loaded 2-core machine)."""
    monkeypatch.setenv("ZKDX_NB_MEASURE", "1")
    text = run(build, name, out)
    assert "ZKDX_NB_MEASURE=1: re-measuring at a small size" in text
    assert_figures(out, name, FIGURES[name])


@pytest.mark.slow
@pytest.mark.skipif(not NODE_HERE, reason="the operator node (rollup.node) is not in this checkout")
def test_node_re_measurement_keeps_every_latency(build, out, monkeypatch):
    monkeypatch.setenv("ZKDX_NB_MEASURE", "1")
    run(build, "04_node_latency", out)
    measured = json.loads((out / "measured" / "node.json").read_text())["ack"]
    assert len(measured["sequential"]["latencies_ms"]) == measured["sequential"]["n"]
    assert (out / "04_node_latency" / "ack_latency.png").exists()
