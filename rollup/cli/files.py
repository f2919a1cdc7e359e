"""Files the CLI reads and writes: bounded reads, output checks before long work, atomic writes.

A command checks every output path (``check_outputs``) before it starts anything long,
so a missing directory is reported at once rather than after a setup; each output is
then written to a temporary file beside it and renamed over the target
(``write_atomic``), so an interrupted run never leaves a half-written key behind.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from rollup.cli.errors import UsageError
from verifier import jsonsafe
from verifier.errors import MalformedError

T = TypeVar("T")


def read_input(path: str | Path, max_bytes: int = jsonsafe.MAX_BYTES) -> bytes:
    """At most ``max_bytes`` of an input file; UsageError if unreadable, a device, or larger."""
    return jsonsafe.read_file(path, UsageError, max_bytes)


def read_json(path: str | Path, parse: Callable[[bytes], T]) -> T:
    """``parse`` (a ``verifier.formats`` reader) of a file's bytes; its typed error names the file."""
    data = read_input(path)
    try:
        return parse(data)
    except MalformedError as exc:
        raise type(exc)(f"{path}: {exc}") from exc


def check_outputs(*paths: str | Path) -> None:
    """Each path can be written: distinct, not a directory, in an existing writable directory."""
    resolved = [Path(p).resolve() for p in paths]
    if len(set(resolved)) != len(resolved):
        raise UsageError(f"output paths must differ: {', '.join(map(str, paths))}")
    for given, path in zip(paths, resolved):
        if path.is_dir():
            raise UsageError(f"{given}: is a directory, expected a file path")
        parent = path.parent
        if not parent.is_dir():
            raise UsageError(f"{given}: directory {parent} does not exist")
        if not os.access(parent, os.W_OK | os.X_OK):
            raise UsageError(f"{given}: directory {parent} is not writable")


def write_atomic(path: str | Path, data: bytes | str) -> None:
    """Write to a temporary file in the same directory, flush it to disk, rename it over path."""
    path = Path(path)
    raw = data.encode() if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), 0o666 & ~_umask())  # mkstemp makes 0600; give the file its usual mode
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
