"""Errors of the command line itself (bad arguments, unreadable input files)."""

from __future__ import annotations

from rollup.errors import RollupError


class UsageError(RollupError):
    """Bad command-line arguments or input files: exit status 2, one line, no traceback."""
