"""The ``zkdx`` command line: one module per command group, registered in ``main``."""

from rollup.cli.main import main

__all__ = ["main"]
