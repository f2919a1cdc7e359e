"""Compiling Solidity with the pinned npm ``solc`` (solcjs), through standard JSON.

Settings are fixed (EVM version, optimizer runs) so that a source always compiles
to the same bytecode; ``contracts/artifacts`` holds the committed results.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import IO

from rollup.errors import RollupError
from verifier import jsonsafe

ROOT = Path(__file__).resolve().parents[2]
SOLCJS = ROOT / "node_modules" / ".bin" / "solcjs"
EVM_VERSION = "prague"
OPTIMIZER_RUNS = 200
MAX_OUTPUT_BYTES = 256 << 20  # solc's JSON for all our contracts is well under 1 MB


class CompileError(RollupError):
    """solc refused a source, or could not run."""


class SolcMissing(CompileError):
    """Node.js or the pinned npm solc is not installed (`npm ci` in the repository installs solc)."""


def settings() -> dict:
    return {
        "evmVersion": EVM_VERSION,
        "optimizer": {"enabled": True, "runs": OPTIMIZER_RUNS},
        "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"]}},
    }


def _check_installed() -> None:
    if shutil.which("node") is None:
        raise SolcMissing("Node.js (`node`) is not on PATH: install Node.js 20+, then run `npm ci` in " + str(ROOT))
    if not SOLCJS.exists():
        raise SolcMissing(f"the pinned solc is not installed ({SOLCJS} is missing): run `npm ci` in {ROOT}")


def _run(sources: dict[str, str], timeout: float) -> dict:
    _check_installed()
    request = {
        "language": "Solidity",
        "sources": {k: {"content": v} for k, v in sources.items()},
        "settings": settings(),
    }
    # files, not pipes: node truncates large output to a pipe at exit, and solcjs's
    # synchronous read of a pipe can fail with EAGAIN on large input
    with tempfile.TemporaryFile(mode="w+") as inp, tempfile.TemporaryFile(mode="w+") as out:
        json.dump(request, inp)
        inp.seek(0)
        done = _solcjs(inp, out, timeout)
        out.seek(0)
        raw = out.read()
    text = raw[raw.find("{") :] if "{" in raw else ""  # solcjs may print a notice first
    if not text:
        raise CompileError(f"solcjs gave no JSON (exit {done.returncode}): {done.stderr.strip()[:500]}")
    return jsonsafe.loads(text, CompileError, max_bytes=MAX_OUTPUT_BYTES)


def _solcjs(inp: IO[str], out: IO[str], timeout: float) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(
            [str(SOLCJS), "--standard-json"], stdin=inp, stdout=out, stderr=subprocess.PIPE, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired as exc:
        raise CompileError(f"solcjs did not finish within {timeout:.0f} s") from exc
    except OSError as exc:
        raise SolcMissing(f"cannot run {SOLCJS}: {exc.strerror or exc}; run `npm ci` in {ROOT}") from exc


def compile_sources(sources: dict[str, str], timeout: float = 300) -> dict[str, dict]:
    """{file name: source} -> {contract name: {"abi", "bytecode", "deployed"}}."""
    out = _run(sources, timeout)
    errors = [e for e in out.get("errors", []) if e.get("severity") == "error"]
    if errors:
        raise CompileError("\n".join(e.get("formattedMessage", e.get("message", "")) for e in errors))
    return {
        name: {
            "abi": c["abi"],
            "bytecode": c["evm"]["bytecode"]["object"],
            "deployed": c["evm"]["deployedBytecode"]["object"],
        }
        for file in out.get("contracts", {}).values()
        for name, c in file.items()
    }


def warnings_of(sources: dict[str, str], timeout: float = 300) -> list[str]:
    """solc's warnings for sources (empty for the generated contracts)."""
    out = _run(sources, timeout)
    return [e["formattedMessage"] for e in out.get("errors", []) if e.get("severity") == "warning"]
