"""The stateful ledger fuzz's own checks: each invariant fails when the rule it guards is switched
off (in the spec or in the circuit), and what the fuzz found, kept as regression tests."""

from __future__ import annotations

from dataclasses import replace

import pytest

from circuits.ledger.slot import Slot
from rollup import errors as err
from rollup.ledger import margin, transition
from rollup.ledger.state import LedgerState
from rollup.ledger.transition import process_tx, record_of
from tests import ledger_fuzz_txs as txs
from tests.batch_circuit_helpers import forced, refused_by_both
from tests.ledger_fuzz_model import C63
from tests.test_ledger_stateful import DOMAIN, SMALL, LedgerMachine


def test_a_funding_tick_for_an_unconfigured_market_is_a_typed_refusal():
    """Found by this machine (fixed on main): a funding tick naming market 2 of 2 (the record's
    4-bit market field holds it) raised IndexError in ``transition._verify``."""
    state = LedgerState.genesis(SMALL, DOMAIN)
    with pytest.raises(err.UnknownMarket):
        process_tx(state, txs.funding_tick(state, 2, 0, honest=True))


@pytest.mark.xfail(strict=True, raises=AssertionError, reason="circuit: expiry range-checked as expiry − time only")
def test_an_expiry_of_2_64_is_refused_by_the_circuit_too():
    """Found by this machine: the spec refuses a user expiry ≥ 2^64 (``RangeViolation``), but the
    slot only range-checks expiry − time to 64 bits, so once the ledger time is t > 0 an expiry in
    [2^64, 2^64 + t), honestly signed, satisfies the circuit: the circuit is more lenient than the
    spec (no funds at stake: the signer chose the expiry).  The machine's "beyond" expiry is
    2^64 + time until this is fixed (``txs.expiry``)."""
    m = _scripted()  # ledger time 20 after the two price ticks
    state = m.state
    tx = txs.withdraw(state, m.wallet(0), 0, 1, 1 << 64)
    assert state.time > 0
    assert refused_by_both(state, tx, err.RangeViolation, SMALL) is not None, "the circuit is satisfied"


# ---- the invariants fail when a rule breaks (each rule switched off in the spec or the circuit) ----


def _scripted(underwater: bool = False, eth: int = 2_000_000) -> LedgerMachine:
    """The machine driven by hand: four accounts of 1,000,000, BTC at 30,000.00, ETH at 2,000.000
    (or at `eth`; 0 leaves it unpriced)."""
    m = type("Scripted", (LedgerMachine,), {"circuit_every": 1 << 30})()
    m.fund([10**6] * 4, (3_000_000, eth), underwater)
    return m


def test_a_trade_beyond_margin_is_caught(monkeypatch):
    m = _scripted()
    monkeypatch.setattr(margin, "trade_allowed", lambda *a: True)
    with pytest.raises(AssertionError, match="below margin and not healthier"):
        m.trade_any(0, (0, 1), "x25", "oracle", "far", True)


def test_unpaid_funding_is_caught(monkeypatch):
    m = _scripted()
    m.trade_any(0, (0, 1), "x5", "oracle", "far", True)
    m.oracle_tick(0, "same", 3600, True)
    m.funding_tick(0, "cap", True)
    m.invariants_hold()
    unpaid = lambda acct, markets: replace(acct, caches=tuple(x.funding_index for x in markets))  # noqa: E731
    monkeypatch.setattr(margin, "settle_funding", unpaid)
    m.deposit_on_l1(("registered", 1), 5, 1)  # a deposit settles funding (the short is owed 30 a unit)
    m.process_queue_head()
    with pytest.raises(AssertionError, match="differs from what L1 holds"):
        m.invariants_hold()


def test_a_liquidation_of_a_healthy_account_is_caught(monkeypatch):
    m = _scripted()
    m.trade_any(0, (0, 1), "x5", "oracle", "far", True)
    monkeypatch.setattr(margin, "liquidatable", lambda *a: True)
    with pytest.raises(AssertionError, match="covering maintenance margin"):
        m.liquidate(0, (0, 2), "half", True)


def test_a_deposit_that_jams_the_queue_is_caught(monkeypatch):
    """The queue before issue 10: an overflowing deposit was refused instead of refunded."""
    m = _scripted()
    monkeypatch.setattr(
        transition, "_deposit_or_refund", lambda state, tx: transition._deposit(state, record_of(tx), tx.pubkey)
    )
    m.deposit_on_l1(("registered", 0), C63 - 1, 0)
    with pytest.raises(AssertionError, match="stuck"):
        m.invariants_hold()


def test_a_spec_more_lenient_than_the_circuit_is_caught():
    m = _scripted()
    m.ledger.circuit_every = 1
    with forced(err.Expired), pytest.raises(AssertionError):
        m.withdraw(0, "one", True, "expired")


def test_a_circuit_more_lenient_than_the_spec_is_caught(monkeypatch):
    """With the StarkEx exemption's constraint gone, a trade the spec refuses satisfies the circuit."""
    m = _scripted()
    m.ledger.circuit_every = 1
    monkeypatch.setattr(Slot, "_healthier", lambda self, *a: None)
    with pytest.raises(AssertionError, match="the circuit is satisfied"):
        m.trade_any(0, (0, 1), "x25", "oracle", "far", True)


def test_a_trade_in_an_unpriced_market_is_caught(monkeypatch):
    m = _scripted(eth=0)
    monkeypatch.setattr(transition, "_priced", lambda state, market: None)
    with pytest.raises(AssertionError, match="without a positive oracle price"):
        m.trade_any(1, (0, 1), 1000, "zero", "far", True)  # at the oracle's 0 nothing is at risk


def test_a_spec_stricter_than_the_model_is_caught(monkeypatch):
    """A liquidation the model allows (the account is below maintenance margin), refused."""
    m = _scripted(underwater=True)
    monkeypatch.setattr(margin, "liquidatable", lambda *a: False)
    with pytest.raises(AssertionError, match="from a liquidatable account"):
        m.liquidate(0, ("unhealthy", 2), "half", True)


def test_a_margin_refusal_the_model_allows_is_caught(monkeypatch):
    m = _scripted()
    monkeypatch.setattr(margin, "trade_allowed", lambda *a: False)
    with pytest.raises(AssertionError, match="for margin that keeps"):
        m.trade_any(0, (0, 1), "one", "oracle", "far", True)
