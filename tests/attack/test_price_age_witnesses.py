"""Price ages and the batch clock in the mutation corpus: adversarial witnesses the spec refuses, each
stopped by one kind of row (``tests/mutation/price_attacks.py``; issue 10, ``make mutate``).

Each test forces the witness through the batch circuit with the mutation judge (the public input is
what the contract computes from the posted data, batch time included, and the claimed root), names
the rows the honest circuit fails, and rebuilds the circuit without that kind of row to show it is
all that stands in the way."""

from __future__ import annotations

import pytest

from tests.mutation import price_attacks as pa
from tests.mutation.groups import Mutant
from tests.mutation.hash_attacks import MARKET
from tests.mutation.judge import run_batch
from tests.mutation.statements import batch_statement
from tests.mutation.tamper import HONEST, Tamper, rebuilt_without
from tests.mutation.tamperers import bump, const, setw, steer

STALE = pa.STALE


def _stopped(statement: str, tamper: Tamper = HONEST) -> tuple[str, ...]:
    out = run_batch(batch_statement(statement), tamper)
    assert out.attack, f"the spec must refuse {statement}: {out.why}"
    return out.unsatisfied


def _accepted_without(statement: str, tamper: Tamper, rule: str, kind: str | None) -> None:
    with rebuilt_without(Mutant("batch", rule, kind)):
        assert run_batch(batch_statement(statement), tamper).unsatisfied == ()


CASES = {
    "freshness gate 0": (STALE, setw("slot0.fresh_gate1", const(0)), ("slot0.fresh_gate1",), "slot#.fresh_gate#", None),
    "age product 0": (STALE, setw("slot0.fresh_slack1", const(0)), ("slot0.fresh_slack1",), "slot#.fresh_slack#", None),
    "stale market claimed unpriced": (
        STALE,
        setw("slot0.unpriced1.inv", const(0)) + setw("slot0.unpriced1.out", const(1)),
        ("slot0.unpriced1.zero",),
        "slot#.unpriced#",
        "zero",
    ),
    "ETH's price time opened 1 s later": (
        STALE,
        bump("start.ptime1", 1) + steer("old_root.market1", MARKET, pa.stored_market_hash(STALE, pa.ETH), "x5"),
        ("old_root.market1/r67.s0.x5",),
        "old_root",
        "market#/r#.s#.x5",
    ),
    "a tick writes a later price time": (
        "valid_oracle",
        bump("slot0.ptime0", 3600),
        ("slot0.ptime0",),
        "slot#.ptime#",
        None,
    ),
    "batch time bits spell 2 h later": (
        "valid_liquidation_clock_kept",
        pa.later_batch_time(pa.FROZEN),
        ("batch_time_bits.pack",),
        "batch_time_bits",
        "pack",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_price_age_witness_is_stopped_by_one_kind_of_row(case):
    statement, tamper, failing, rule, kind = CASES[case]
    assert _stopped(statement, tamper) == failing
    _accepted_without(statement, tamper, rule, kind)


def test_posting_a_later_batch_time_than_the_clock_the_slots_ran_is_refused_on_replay():
    """The liquidation proven at the ledger's own clock, posted as two hours later (what the contract
    would take from a block two hours on): replaying the posting makes BTC's dip two hours old."""
    out = run_batch(batch_statement("valid_liquidation_clock_kept"), pa.later_batch_time(pa.FROZEN))
    assert out.why == "the spec refuses the posted data: StaleOraclePrice"


@pytest.mark.parametrize(
    "statement, failing",
    [
        ("refused_withdraw_eth_stale", ("slot0.price_fresh1.pack",)),
        ("refused_trade_btc_eth_stale", ("slot0.price_fresh1.pack",)),
        ("refused_liquidation_btc_day_old", ("slot0.price_fresh0.pack",)),
        ("refused_liquidation_frozen_clock", ("slot0.price_fresh0.pack", "slot0.price_fresh1.pack")),
        ("refused_batch_time_goes_back", ("batch_clock.pack",)),
        ("refused_oracle_time_2_40", ("slot0.oracle_time_u40",)),
    ],
)
def test_the_forced_price_age_statements_fail_only_their_rule(statement, failing):
    assert _stopped(statement) == failing
