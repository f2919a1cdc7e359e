"""Attacks on commit 57a9a4e's ledger clock (batch time, oracle times, price times), forced through
the batch circuit; each names the constraint that stops it, or shows spec and circuit agree.

Stopped here:
- an oracle tick timed 0 (a priced market that would look never priced, so ageless): ``oracle_time``;
- a batch time of 2^40 (no 5-byte posting can carry it): ``batch_time_bits``;
- the posted batch time and the circuit's one differing (either side changed): ``commitment``;
- reachable states keep 0 < price time ≤ ledger time < 2^40 for a priced market and (0, 0) for one
  never priced (hypothesis over ticks, batch times and funding), so the 32-bit slack of
  ``price_fresh#`` never sees a price time after the clock or a wrapped difference.
Agreed but noted: a batch time of 2^40 − 1 is provable (only the contract's ``block.timestamp``
check refuses it, tests/attack5/test_l1_clock.py); after it no oracle tick fits below 2^40, so prices
age out for good.  Funding ticks do not read prices' ages: with the clock moved by the batch time
alone, a funding tick is capped by the stale price, in the spec and in the circuit alike.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from circuits.ledger.params import TIME_BITS
from circuits.ledger.state import header, public_input
from rollup import errors as err
from rollup.ledger.batch import process_batch
from rollup.ledger.demo import ORACLE, World, funded_world
from rollup.ledger.signing import oracle_tick
from tests.attack.scenarios import BTC, ETH, HOUR, SMALL
from tests.batch_circuit_helpers import prove_mode, refused_by_both

TOP = (1 << TIME_BITS) - 1


def test_an_oracle_tick_timed_zero_cannot_price_a_market_with_no_price_time():
    """At genesis (time 0) a tick timed 0 would leave price > 0 with price time 0: a price that
    never ages.  The spec (StaleOraclePrice) and ``slot0.oracle_time`` refuse it."""
    w = World(SMALL)
    w.apply(w.enqueue_deposit(0, 1_000))
    start = w.state.copy()
    assert start.time == 0
    tick = oracle_tick(start.domain, ORACLE, BTC, 3_000_000, 0)
    assert refused_by_both(start, tick, err.StaleOraclePrice, SMALL) == "slot0.oracle_time.pack"


def test_a_batch_time_of_2_40_is_unprovable():
    """The spec refuses it (StaleBatchTime); a witness carrying it fails ``batch_time_bits``."""
    _, start = funded_world(SMALL)
    with pytest.raises(err.StaleBatchTime):
        process_batch(start, [], 1 << TIME_BITS)
    res = process_batch(start, [], TOP)
    forged = replace(res, witness=replace(res.witness, batch_time=1 << TIME_BITS))
    assert prove_mode(forged, SMALL).which_is_unsatisfied().startswith("batch_time_bits")


def test_a_batch_time_of_2_40_minus_1_is_provable_and_ends_every_later_oracle_tick():
    """Spec and circuit accept the largest batch time; no tick can follow it (``oracle_time_u40``
    needs a timestamp below 2^40, ``oracle_time`` one after the clock), so after max_price_age no
    withdrawal, trade or liquidation is possible.  Only the contract's block.timestamp check
    keeps such a batch off L1."""
    w, start = funded_world(SMALL)
    res = process_batch(start, [], TOP)
    assert prove_mode(res, SMALL).which_is_unsatisfied() is None
    with pytest.raises((err.RangeViolation, err.StaleOraclePrice)):
        process_batch(res.state, [oracle_tick(start.domain, ORACLE, BTC, 3_000_000, TOP)])


def test_the_posted_batch_time_and_the_circuits_cannot_differ():
    """An asymmetric batch time (bytes 01 02 03 04 05) proves, so the bit order matches SHA-256's
    message; changing the posted bytes, or the circuit's batch time under the same posting, fails
    ``commitment``."""
    _, start = funded_world(SMALL)
    t = 0x0102030405
    res = process_batch(start, [], t)
    assert res.data[1:6] == bytes([1, 2, 3, 4, 5])
    assert prove_mode(res, SMALL).which_is_unsatisfied() is None
    other = res.data[:1] + (t + 1).to_bytes(5, "big") + res.data[6:]
    h = header(res.old_root, res.new_root, res.queue_before, res.queue_after)
    assert prove_mode(res, SMALL, public=public_input(h, other)).which_is_unsatisfied() == "commitment"
    shifted = replace(res, witness=replace(res.witness, batch_time=t + 1))
    assert prove_mode(shifted, SMALL).which_is_unsatisfied() == "commitment"


def test_a_funding_tick_after_the_clock_moved_alone_is_capped_by_the_stale_price_in_both():
    """Two hours without ticks: the batch time moves the clock; a funding tick (not margin-reading,
    so not age-gated) is bounded by cap × stale price × 2 h in the spec and the circuit alike."""
    w, _ = funded_world(SMALL)
    start = w.state.copy()
    later = start.time + 2 * HOUR
    res = process_batch(start, [w.funding(BTC, -50)], later)
    assert res.state.markets[BTC].funding_time == later
    assert prove_mode(res, SMALL).which_is_unsatisfied() is None


_STEP = st.one_of(
    st.tuples(st.just("tick"), st.sampled_from([BTC, ETH]), st.integers(1, 3 * HOUR)),
    st.tuples(st.just("batch"), st.just(0), st.integers(0, 3 * HOUR)),
)


@settings(max_examples=25, deadline=None)
@given(st.lists(_STEP, min_size=1, max_size=6))
def test_reachable_price_times_stay_at_or_before_the_clock(steps):
    """From genesis, any mix of oracle ticks (each after the clock) and batch times (never back)
    keeps, per market: price time 0 iff price 0, and price time ≤ ledger time < 2^40."""
    w = World(SMALL)
    state = w.state.copy()
    for kind, market, dt in steps:
        if kind == "tick":
            tick = oracle_tick(state.domain, ORACLE, market, 1_000_000 + dt, state.time + dt)
            state = process_batch(state, [tick]).state
        else:
            state = process_batch(state, [], state.time + dt).state
        for m in state.markets:
            assert (m.price_time == 0) == (m.price == 0)
            assert 0 <= m.price_time <= state.time < (1 << TIME_BITS)
