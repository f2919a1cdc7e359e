"""What the ``zkdx`` process loads and does around its command (issue 15: start-up is most of a
2^12 proof).  Structure only: which modules the parser needs, what the console script does
with the garbage collector; timings live in ``benchmarks/prove.py``."""

import gc
import subprocess
import sys
from pathlib import Path

import pytest

import rollup.cli
from rollup.cli import groth16

ZKDX = Path(sys.executable).parent / "zkdx"
HEAVY = ("numpy", "numba", "llvmlite", "asyncio", "cryptography", "aiohttp", "web3", "prover.prove")


def _loaded_after(code: str) -> list[str]:
    probe = f"import sys\n{code}\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    return done.stdout.split()


def test_building_the_parser_loads_no_heavy_module():
    """Every command group defers numpy, numba, the prover, asyncio and cryptography to the
    commands that use them: `zkdx --help` and `zkdx verify` never load them."""
    assert _loaded_after("from rollup.cli.main import parser\nparser()") == []


def test_the_zkey_prove_path_loads_the_prover_but_not_the_node():
    """Proving from a .zkey loads what it needs (numpy, the prover; numba once the backend is
    asked for) and nothing of the node, the RFQ gateway or the watchers."""
    code = "from rollup.cli import groth16\nimport prover.zkey, prover.prove, circuits.iden3\nprover.zkey.get_backend()"
    loaded = _loaded_after(code)
    assert {"numpy", "prover.prove"} <= set(loaded)
    assert not {"asyncio", "cryptography", "aiohttp", "web3"} & set(loaded)


def test_console_returns_mains_status_and_freezes_around_it(monkeypatch):
    calls = []
    monkeypatch.setattr(rollup.cli, "main", lambda: calls.append("main") or 7)
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
    assert rollup.cli.console() == 7
    assert calls == ["freeze", "main", "freeze"]


def test_console_script_is_the_installed_entry_point():
    if not ZKDX.exists():
        pytest.skip("zkdx is not installed in this interpreter's environment")
    assert "console" in ZKDX.read_text()
    done = subprocess.run([str(ZKDX), "--version"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.startswith("zkdx ")


def test_commands_import_the_prover_when_they_run():
    """The groth16 commands keep working with their imports inside (module-level names gone)."""
    assert not hasattr(groth16, "create_proof") and not hasattr(groth16, "read_zkey")
