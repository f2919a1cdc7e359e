"""zkdx rollup: ledger, sequencer, L1 client and the ``zkdx`` command line."""
