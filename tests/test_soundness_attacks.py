"""The soundness review's attacks (issue 10), each forced through the circuit and refused by a named
constraint.  The spec refuses each of them too (tests/test_ledger_rules.py); here the native rule is
switched off (or the witness forged) so that the circuit is what has to stop it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from circuits.examples import synthesize
from circuits.field import R
from circuits.ledger.exit import ExitCircuit
from circuits.ledger.params import LedgerParams
from circuits.ledger.slot import Slot
from circuits.ledger.state import AccountLeaf
from rollup import errors as err
from rollup.ledger import transition
from rollup.ledger.batch import process_batch
from rollup.ledger.demo import FAR, ORACLE, World, funded_world
from rollup.ledger.escape import exit_for
from rollup.ledger.signing import Wallet, funding_tick
from rollup.ledger.types import ForcedExit
from tests.batch_circuit_helpers import forced, prove_mode

SMALL = LedgerParams(depth=2, batch_size=1)
BTC = 0
C63 = 1 << 63
HOUR = 3600


def _failing(res, params=SMALL):
    return prove_mode(res, params).which_is_unsatisfied()


def _forge(res, lane: str, **fields):
    slot = res.witness.slots[0]
    lw = getattr(slot, f"lane_{lane}")
    forged = replace(lw, account=replace(lw.account, **fields))
    return replace(res, witness=replace(res.witness, slots=(replace(slot, **{f"lane_{lane}": forged}),)))


def _unhealthy_long(w: World) -> None:
    w.apply(w.trade(BTC, 0, 1, 300, 3_000_000))
    w.apply(w.tick(BTC, 2_750_000))


# ---- 1. exit drain ----------------------------------------------------------------------------


@pytest.mark.parametrize("x", [1, 10**6, 1 << 40, R - 1])
def test_exit_drain_split_no_longer_opens_a_leaf(x):
    """The reported drain: nonce' = nonce − X·2^32, collateral' = collateral + X opened the same packed
    leaf.  Now the opening range-checks the nonce (first to fail), and the fields are separate hash
    inputs, so the forged account is another leaf."""
    w, _ = funded_world(SMALL)
    ex = exit_for(w.state, 2)
    acct = ex.witness.lane.account
    forged = replace(acct, nonce=(acct.nonce - x * (1 << 32)) % R, collateral=acct.collateral + x)
    assert forged.leaf() != acct.leaf()
    bad = replace(ex.witness, lane=replace(ex.witness.lane, account=forged))
    assert synthesize(ExitCircuit(SMALL, bad, ex.public_input)).which_is_unsatisfied() == "opened.nonce.pack"


def test_exit_with_in_range_forged_fields_fails_membership():
    w, _ = funded_world(SMALL)
    ex = exit_for(w.state, 2)
    forged = replace(ex.witness.lane.account, collateral=ex.witness.lane.account.collateral + 10**6)
    bad = replace(ex.witness, lane=replace(ex.witness.lane, account=forged))
    assert synthesize(ExitCircuit(SMALL, bad, ex.public_input)).which_is_unsatisfied() == "membership"


@pytest.mark.parametrize(
    "field, value, constraint",
    [
        ("collateral", 1 << 70, "opened.collateral"),
        ("nonce", 1 << 32, "opened.nonce"),
        ("sizes", (1 << 47, 0), "opened.size0"),
    ],
)
def test_exit_range_checks_every_opened_field(field, value, constraint):
    """Defense in depth: a leaf holding an out-of-range field (which no write can produce) pays nothing."""
    w, _ = funded_world(SMALL)
    acct = replace(w.state.accounts[2], **{field: value})
    w.state.write(2, acct, True)
    ex = exit_for(w.state, 2)
    failing = synthesize(ExitCircuit(SMALL, ex.witness, ex.public_input)).which_is_unsatisfied()
    assert failing is not None and failing.startswith(constraint), failing


def test_batch_split_of_nonce_and_collateral_no_longer_opens_a_leaf():
    w, start = funded_world(SMALL)
    res = process_batch(start, [w.trade(BTC, 0, 1, 10, 3_000_000)])
    acct = res.witness.slots[0].lane_a.account
    bad = _forge(res, "a", nonce=(acct.nonce + 1) % R, collateral=acct.collateral - pow(1 << 32, -1, R))
    assert "slot0.a.merkle.old_root" in prove_mode(bad, SMALL).unsatisfied()
    assert _failing(_forge(res, "a", collateral=acct.collateral + 1)) == "slot0.a.merkle.old_root"


def test_latent_without_the_forced_exit_payout_check_a_forged_liquidation_is_still_refused(monkeypatch):
    """Item 8: the batch circuit's leaf soundness used to rest on the forced-exit payout's range check
    in every slot.  A build with that check gated off still refuses the forged split at the opening."""
    monkeypatch.setattr(Slot, "_forced_amount", lambda self, a: None)
    w, _ = funded_world(SMALL)
    w.apply(w.trade(BTC, 0, 1, 300, 3_000_000))
    w.apply(w.tick(BTC, 2_700_000))
    start = w.state.copy()
    res = process_batch(start, [w.wallets[2].liquidate(start, BTC, 0, 2, 200, FAR)])
    assert _failing(res) is None  # the variant proves honest liquidations
    acct = res.witness.slots[0].lane_a.account
    bad = _forge(
        res, "a", nonce=acct.nonce + 3 * (1 << 30), collateral=acct.collateral - 3 * (1 << 30) * pow(1 << 32, -1, R)
    )
    assert "slot0.a.merkle.old_root" in prove_mode(bad, SMALL).unsatisfied()


# ---- 2. bad debt through "only reduces risk" ---------------------------------------------------


SELLER_CASES = [(300, 0), (100, 0), (100, 2_600_000), (400, 2_715_000)]  # (amount, price) of the sale


@pytest.mark.parametrize(
    "amount, price",
    SELLER_CASES,
    ids=["all at zero", "a third at zero", "a spread that lowers the ratio", "a flip that raises it"],
)
def test_an_unhealthy_seller_cannot_be_forced_through(amount, price):
    w, _ = funded_world(SMALL)
    _unhealthy_long(w)
    start = w.state.copy()
    tx = w.trade(BTC, 2, 0, amount, price)  # account 0 is the seller: lane b
    with pytest.raises(err.MarginViolation):
        process_batch(start, [tx])
    with forced(err.MarginViolation):
        res = process_batch(start, [tx])
    assert _failing(res) == "slot0.healthier_b"


def test_an_unhealthy_account_paying_a_small_spread_is_proven():
    w, _ = funded_world(SMALL)
    _unhealthy_long(w)
    start = w.state.copy()
    assert _failing(process_batch(start, [w.trade(BTC, 2, 0, 100, 2_700_000)])) is None


# ---- 3. operator-set funding --------------------------------------------------------------------


def _hour_later(w: World) -> None:
    w.clock += HOUR
    w.apply(w.tick(BTC, 3_000_000))


CASES = {
    "unsigned": (lambda w: funding_tick(w.state, Wallet(b"operator"), BTC, 5), err.BadSignature, "slot0.sig_a"),
    "beyond the cap": (lambda w: w.funding(BTC, 31), err.FundingOutOfBounds, "slot0.funding_bound"),
    "huge": (lambda w: w.funding(BTC, -(10**9)), err.FundingOutOfBounds, "slot0.funding_bound"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_funding_cannot_be_forced_through(case):
    make, error, constraint = CASES[case]
    w, _ = funded_world(SMALL)
    _hour_later(w)
    start = w.state.copy()
    tx = make(w)
    with forced(error):
        res = process_batch(start, [tx])
    failing = _failing(res)
    assert failing is not None and failing.startswith(constraint), failing


def test_a_replayed_funding_tick_is_refused():
    w, _ = funded_world(SMALL)
    _hour_later(w)
    tick = w.funding(BTC, 30)
    w.apply(tick)
    _hour_later(w)
    start = w.state.copy()
    with forced(err.BadSignature):
        res = process_batch(start, [tick])
    assert _failing(res).startswith("slot0.sig_a")


def test_funding_before_the_first_price_is_refused():
    w = World(SMALL)
    w.apply(w.enqueue_deposit(0, 10))
    start = w.state.copy()
    with forced(err.FundingOutOfBounds):
        res = process_batch(start, [funding_tick(start, ORACLE, BTC, 0)])
    assert _failing(res) == "slot0.funding_started"


# ---- 4. the L1 queue cannot jam ----------------------------------------------------------------


def _overflowing_deposit(w: World):
    w.apply(w.enqueue_deposit(0, C63 - 10))
    return w.enqueue_deposit(0, 11)


def test_an_overflowing_deposit_is_proven_as_a_refund():
    w = World(SMALL)
    tx = _overflowing_deposit(w)
    res = process_batch(w.state.copy(), [tx])
    assert res.effects[0].record.tx_type == 8 and _failing(res) is None


def test_an_overflowing_deposit_cannot_be_credited(monkeypatch):
    w = World(SMALL)
    tx = _overflowing_deposit(w)
    credited = transition._credited
    monkeypatch.setattr(transition, "_credited", lambda *a: (credited(*a)[0], True))
    with forced(err.RangeViolation):
        res = process_batch(w.state.copy(), [tx])
    assert res.effects[0].record.tx_type == 1 and _failing(res) == "slot0.a.collateral_range"


def test_a_deposit_that_fits_cannot_be_refunded(monkeypatch):
    w = World(SMALL)
    w.apply(w.enqueue_deposit(0, 10))
    tx = w.enqueue_deposit(0, 11)
    credited = transition._credited
    monkeypatch.setattr(transition, "_credited", lambda *a: (credited(*a)[0], False))
    res = process_batch(w.state.copy(), [tx])
    assert res.effects[0].record.tx_type == 8 and _failing(res) == "slot0.refund_reason"


def _beyond_range(w: World) -> None:
    w.apply(w.trade(BTC, 0, 1, 100, 3_000_000))
    m = w.state.markets[BTC]
    w.state.markets = (replace(m, funding_index=1 << 62), *w.state.markets[1:])
    w.enqueue_forced_exit(0)


def test_a_forced_exit_beyond_range_is_proven_paying_nothing():
    w, _ = funded_world(SMALL)
    _beyond_range(w)
    res = process_batch(w.state.copy(), [ForcedExit(0)])
    assert res.effects[0].record.amount == 0 and _failing(res) is None


def test_a_forced_exit_beyond_range_cannot_pay(monkeypatch):
    w, _ = funded_world(SMALL)
    _beyond_range(w)
    monkeypatch.setattr(transition, "forced_exit_amount", lambda state, account: 5)
    res = process_batch(w.state.copy(), [ForcedExit(0)])
    assert _failing(res) == "slot0.forced_amount"


def test_an_account_leaf_is_one_poseidon_input_per_field():
    acct = AccountLeaf((1, 2), 3, 4, (5, 6), (7, 8))
    assert len(acct.fields()) == 8 and acct.leaf() != replace(acct, nonce=4, collateral=3).leaf()


def test_a_refund_cannot_rest_on_a_forged_account(monkeypatch):
    """A lane opened only to prove a refusal is checked against the root like a written one: the
    operator cannot refund a deposit by claiming the account holds more than it does."""
    w = World(SMALL)
    w.apply(w.enqueue_deposit(0, 10))
    tx = w.enqueue_deposit(0, 11)
    credited = transition._credited
    monkeypatch.setattr(transition, "_credited", lambda *a: (credited(*a)[0], False))
    res = process_batch(w.state.copy(), [tx])
    bad = _forge(res, "a", collateral=C63 - 5)  # "the deposit would overflow"
    assert _failing(bad) == "slot0.a.merkle.old_root"


def test_a_forced_exit_cannot_be_refused_on_a_forged_account():
    w, _ = funded_world(SMALL)
    w.enqueue_forced_exit(1)
    res = process_batch(w.state.copy(), [ForcedExit(1)])
    assert res.effects[0].record.amount > 0 and _failing(res) is None
    forged = _forge(res, "a", collateral=-(1 << 70))  # "out of range: pays nothing"
    forged_rec = replace(forged.witness.slots[0], record=replace(forged.witness.slots[0].record, amount=0))
    bad = replace(forged, witness=replace(forged.witness, slots=(forged_rec,)))
    assert "slot0.a.merkle.old_root" in prove_mode(bad, SMALL).unsatisfied()
