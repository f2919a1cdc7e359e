"""Attack6 on the forced-exit price-age gate (spec ``_forced_exit`` / circuit ``_fresh_prices``):
boundary ages, exits of a missing account, a never-priced ledger; the spec and the circuit agree."""

from __future__ import annotations

import pytest

from rollup import errors as err
from rollup.ledger.batch import process_batch
from rollup.ledger.demo import World, funded_world
from rollup.ledger.types import ForcedExit
from tests.attack.scenarios import SMALL
from tests.batch_circuit_helpers import forced, prove_mode

MISSING = 3  # depth 2: accounts 0..3, 0..2 funded


def _queued(account: int):
    w, _ = funded_world(SMALL)
    w.enqueue_forced_exit(account)
    start = w.state.copy()
    oldest = min(m.price_time for m in start.markets)
    return start, oldest + SMALL.max_price_age


@pytest.mark.parametrize("account", [0, MISSING])
def test_an_exit_at_exactly_the_max_age_proves(account):
    start, edge = _queued(account)
    res = process_batch(start, [ForcedExit(account)], edge)
    assert prove_mode(res, SMALL).is_satisfied()


@pytest.mark.parametrize("account", [0, MISSING])
def test_an_exit_one_second_past_the_max_age_is_refused_by_both(account):
    start, edge = _queued(account)
    with pytest.raises(err.StaleOraclePrice):
        process_batch(start, [ForcedExit(account)], edge + 1)
    with forced(err.StaleOraclePrice):
        res = process_batch(start, [ForcedExit(account)], edge + 1)
    assert prove_mode(res, SMALL).which_is_unsatisfied().startswith("slot0.price_fresh")


def test_an_exit_on_a_never_priced_ledger_proves_days_later():
    w = World(SMALL)
    w.apply(w.enqueue_deposit(0, 1_000_000))
    w.enqueue_forced_exit(0)
    start = w.state.copy()
    res = process_batch(start, [ForcedExit(0)], start.time + 30 * 86_400)
    assert res.effects[0].record.amount == 1_000_000
    assert prove_mode(res, SMALL).is_satisfied()
