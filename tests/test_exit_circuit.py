"""ExitCircuit against the escape spec: pinned size, agreement, and a wrong amount is unprovable."""

from __future__ import annotations

import pytest

from circuits.examples import synthesize
from circuits.ledger.exit import ExitCircuit
from circuits.ledger.params import LedgerParams
from circuits.ledger.state import exit_public_input
from circuits.r1cs import Mode
from rollup.ledger.demo import funded_world
from rollup.ledger.escape import exit_for

PARAMS = LedgerParams(depth=2, batch_size=1)


@pytest.fixture(scope="module")
def world():
    w, _ = funded_world(PARAMS)
    w.apply(w.trade(0, 0, 1, 300, 3_000_000))  # 0 long, 1 short
    w.apply(w.tick(0, 2_600_000))  # 0 is under water: value -8,000,000 + 7,800,000 < 0
    w.clock += 3600 * 24
    w.apply(w.tick(0, 2_600_000))
    w.apply(w.funding(0, 5))
    return w


def test_size_is_pinned():
    assert synthesize(ExitCircuit(PARAMS), Mode.SETUP).num_constraints == 54_504  # +474: per-market hashes


@pytest.mark.parametrize("account, expected", [(0, 0), (1, 2_201_500), (2, 1_000_000), (3, 0)])
def test_exit_amounts_match_the_spec_and_satisfy_the_circuit(world, account, expected):
    ex = exit_for(world.state, account)
    assert ex.amount == expected  # 1: 10,000,000 - 7,800,000 + 300·5 of funding received
    cs = synthesize(ExitCircuit(PARAMS, ex.witness, ex.public_input))
    assert cs.which_is_unsatisfied() is None


@pytest.mark.parametrize("delta", [1, -1])
def test_a_wrong_amount_is_unprovable(world, delta):
    ex = exit_for(world.state, 2)
    claimed = exit_public_input(world.state.root, 2, ex.amount + delta)
    assert synthesize(ExitCircuit(PARAMS, ex.witness, claimed)).which_is_unsatisfied() == "commitment"
