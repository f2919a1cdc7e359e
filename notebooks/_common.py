"""What every notebook shares: where results are read and written, the re-measure flag, figures.

Environment (all optional):

* ``ZKDX_NB_MEASURE``: ``1`` re-measures at a small size instead of reading the committed
  ``benchmarks/results/*.json``; ``0`` or unset reads them (and re-measures only a missing file).
* ``ZKDX_NB_RESULTS``: directory of the committed results (default ``benchmarks/results``).
* ``ZKDX_NB_OUT``: where figures and re-measured JSON go (default ``build/notebooks``).

Figures are drawn with matplotlib's Agg backend, saved as PNG and closed; inside a Jupyter
kernel the saved PNG is also displayed, so the rendered notebook shows it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg", force=True)
import matplotlib.pyplot as plt

plt.rcParams["figure.constrained_layout.use"] = True  # panels, labels and legends do not overlap

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
MEASURE_SCRIPT = NOTEBOOKS / "_measure.py"
FLAG_VALUES = {"": False, "0": False, "1": True}


class NotebookError(Exception):
    """A notebook cannot go on: bad configuration, or a re-measurement that failed."""


def measure_requested() -> bool:
    """True when ``ZKDX_NB_MEASURE=1``; any value other than 0/1/unset is an error."""
    raw = os.environ.get("ZKDX_NB_MEASURE", "").strip()
    if raw not in FLAG_VALUES:
        raise NotebookError(f"ZKDX_NB_MEASURE must be 0 or 1, not {raw!r}")
    return FLAG_VALUES[raw]


def results_dir() -> Path:
    return Path(os.environ.get("ZKDX_NB_RESULTS") or ROOT / "benchmarks" / "results")


def out_dir() -> Path:
    return Path(os.environ.get("ZKDX_NB_OUT") or ROOT / "build" / "notebooks")


def load_results(name: str, remeasure: Callable[[Path], None] | None) -> tuple[dict | None, str]:
    """The benchmark results ``name``.json and where they came from.

    Reads the committed file unless ``ZKDX_NB_MEASURE=1`` or the file is missing; then
    ``remeasure(path)`` writes a small run's JSON (same schema) to ``build/.../measured/``
    and that is read.  Without a ``remeasure`` a missing file gives ``(None, reason)``."""
    committed = results_dir() / f"{name}.json"
    wanted = measure_requested()
    if not wanted and committed.exists():
        return json.loads(committed.read_text()), f"committed results: {_shown(committed)}"
    why = "ZKDX_NB_MEASURE=1" if wanted else f"{_shown(committed)} not found"
    if remeasure is None:
        return None, f"{why}, and it cannot be re-measured here"
    target = out_dir() / "measured" / f"{name}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    print(f"{why}: re-measuring at a small size into {_shown(target)} ...", flush=True)
    remeasure(target)
    return json.loads(target.read_text()), f"re-measured now at a small size: {_shown(target)}"


def run_measurement(name: str, target: Path, *args: str, timeout: float = 3600) -> None:
    """Run ``notebooks/_measure.py name target args...`` from the repository root.

    The benchmark scripts are used as they are (``benchmarks/<name>.py``); only their output
    path is redirected, so a committed file is never overwritten."""
    cmd = [sys.executable, str(MEASURE_SCRIPT), name, str(target), *args]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0 or not target.exists():
        tail = (proc.stdout + proc.stderr)[-3000:]
        raise NotebookError(f"re-measuring {name} failed (exit {proc.returncode}):\n{tail}")
    print(proc.stdout[-1500:], end="")


def _shown(path: Path) -> str:
    """A path relative to the repository when it lies inside it."""
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


class Figures:
    """Saves a notebook's figures as ``<out>/<notebook>/<name>.png`` and closes each one."""

    def __init__(self, notebook: str) -> None:
        self.dir = out_dir() / notebook
        self.dir.mkdir(parents=True, exist_ok=True)
        self.saved: list[Path] = []

    def save(self, fig: plt.Figure, name: str) -> Path:
        path = self.dir / f"{name}.png"
        fig.savefig(path, dpi=150, bbox_inches="tight")
        plt.close(fig)
        self.saved.append(path)
        _display(path)
        return path

    def finish(self) -> list[Path]:
        """Check that every figure was closed; list what was written."""
        still_open = plt.get_fignums()
        if still_open:
            raise NotebookError(f"figures left open: {still_open}")
        for path in self.saved:
            print(f"wrote {_shown(path)}")
        return self.saved


def _display(path: Path) -> None:
    """Show a saved PNG inline when running in a Jupyter kernel (no-op as a plain script)."""
    if "ipykernel" not in sys.modules:
        return
    from IPython.display import Image, display

    display(Image(filename=str(path)))


def log_axes(ax: plt.Axes, xlabel: str, ylabel: str, title: str, *, x_base: int = 10, y_log: bool = True) -> None:
    """Labels and title, a logarithmic x axis (and y unless ``y_log`` is False), a light grid."""
    ax.set_xscale("log", base=x_base)
    if y_log:
        ax.set_yscale("log")
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    ax.grid(True, which="both", alpha=0.3)


def thousands(ax: plt.Axes, which: str) -> None:
    """Tick labels with thousands separators on the x or y axis; on a log axis the minor ticks at
    2 and 5 times a power of ten are labelled too (others stay blank, so labels never collide)."""
    axis = ax.xaxis if which == "x" else ax.yaxis
    axis.set_major_formatter(matplotlib.ticker.FuncFormatter(_tick))
    axis.set_minor_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: _tick(v) if f"{v:.0e}"[0] in "25" else ""))


def _tick(v: float, _: object = None) -> str:
    return f"{v:,.0f}" if v >= 1 else f"{v:g}"


def pow2_label(n: float) -> str:
    """'2^k' for powers of two, else the number with thousands separators."""
    k = int(n).bit_length() - 1
    return f"$2^{{{k}}}$" if n > 0 and int(n) == 1 << k else f"{n:,.0f}"
