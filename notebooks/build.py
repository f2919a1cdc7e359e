"""Execute the notebooks and write the rendered ``.ipynb`` (with their figures) under build/notebooks/.

    python notebooks/build.py [NAME ...]      # default: every notebooks/NN_*.py

Each notebook is a jupytext percent-format ``.py`` file; it is converted in memory, run in a
fresh IPython kernel with the ``notebooks/`` directory as working directory, and saved as
``<out>/<name>.ipynb`` (``ZKDX_NB_OUT``, default ``build/notebooks``), also when a cell fails,
so the failing output can be read.  Exit status 1 names the notebooks that failed.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from traitlets.config import Config

NOTEBOOKS = Path(__file__).resolve().parent
CELL_TIMEOUT_S = 1800


def notebook_paths(names: list[str] | None = None) -> list[Path]:
    """The notebooks by name (``01_prover_scaling`` or its file name), or all of them in order."""
    found = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))
    if not names:
        return found
    by_name = {p.stem: p for p in found}
    missing = [n for n in names if Path(n).stem not in by_name]
    if missing:
        raise SystemExit(f"no notebook {', '.join(missing)}; there are: {', '.join(by_name)}")
    return [by_name[Path(n).stem] for n in names]


def out_dir() -> Path:
    return Path(os.environ.get("ZKDX_NB_OUT") or NOTEBOOKS.parent / "build" / "notebooks")


def execute(path: Path, out: Path | None = None) -> Path:
    """Run one notebook; write the executed .ipynb (raises CellExecutionError after writing)."""
    nb = jupytext.read(path)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    target = (out or out_dir()) / f"{path.stem}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="zkdx-kernel-") as sockets:
        # the kernel talks over IPC sockets in a private directory, not TCP on loopback
        config = Config({"KernelManager": {"transport": "ipc", "ip": str(Path(sockets) / "kernel")}})
        resources = {"metadata": {"path": str(NOTEBOOKS)}}  # the kernel's working directory
        client = NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name="python3", config=config, resources=resources)
        try:
            client.execute()
        finally:
            nbformat.write(nb, target)
    return target


def main() -> int:
    failed = []
    for path in notebook_paths(sys.argv[1:]):
        start = time.perf_counter()
        try:
            target = execute(path)
        except CellExecutionError as exc:
            failed.append(path.stem)
            print(f"FAILED {path.name}: {str(exc).strip().splitlines()[-1]}", file=sys.stderr)
            continue
        print(f"{path.name}: {time.perf_counter() - start:.0f} s -> {target}", flush=True)
    if failed:
        print(f"{len(failed)} notebook(s) failed: {', '.join(failed)} (rendered with the error in {out_dir()})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
