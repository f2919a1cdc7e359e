"""Attack7 (1): forced exits at the edges of ``may_stay_open`` (collateral ±2^62 and one off, sizes
±1, both markets).  The circuit reads the rule from the top two bits of ``in_signed_range``'s
decomposition and the margin's sign bits; it must accept exactly the exits the spec accepts."""

from __future__ import annotations

from dataclasses import replace

import pytest

from rollup import errors as err
from rollup.ledger import margin
from rollup.ledger.batch import process_batch
from rollup.ledger.demo import funded_world
from rollup.ledger.types import ForcedExit
from tests.attack.scenarios import SMALL
from tests.batch_circuit_helpers import forced, prove_mode

Q = 1 << 62
EDGES = (Q - 1, Q, -Q - 1, -Q)  # the four sides of the two boundaries: in the default suite
MORE = (Q + 1, -Q + 1, (1 << 63) - 1, -(1 << 63), 0, -1)  # the full grid is slow (~2 s a case)
GRID = [(c, s) for c in EDGES for s in ((1, 0), (-1, 0))]
GRID += [pytest.param(c, s, marks=pytest.mark.slow) for c in EDGES for s in ((0, 1), (0, -1), (1, -1))]
GRID += [pytest.param(c, s, marks=pytest.mark.slow) for c in MORE for s in ((1, 0), (-1, 0), (0, 1), (0, -1))]


@pytest.mark.parametrize(("collateral", "sizes"), GRID)
def test_the_circuit_accepts_exactly_the_exits_the_spec_accepts(collateral: int, sizes: tuple[int, int]):
    w, _ = funded_world(SMALL)
    w.state.write(0, replace(w.state.accounts[0], collateral=collateral, sizes=sizes), True)
    w.state.write(1, replace(w.state.accounts[1], sizes=tuple(-s for s in sizes)), True)
    w.enqueue_forced_exit(0)
    stays = all(s == 0 or margin.may_stay_open(collateral, s) for s in sizes)
    try:
        res = process_batch(w.state.copy(), [ForcedExit(0)])
    except err.PositionsOpen:
        assert not stays
        with forced(err.PositionsOpen):
            res = process_batch(w.state.copy(), [ForcedExit(0)])
        assert prove_mode(res, SMALL).which_is_unsatisfied().startswith("slot0.fe_closed")
    else:
        assert stays
        assert prove_mode(res, SMALL).which_is_unsatisfied() is None
