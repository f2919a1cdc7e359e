"""``python -m rollup.cli`` runs the ``zkdx`` command (as ``benchmarks/prove.py`` calls it)."""

import sys

from rollup.cli.main import main

sys.exit(main())
