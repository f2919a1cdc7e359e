"""BatchCircuit against the native spec: counts, one code path, differential and soundness tests."""

from __future__ import annotations

from dataclasses import replace

import pytest

from circuits.examples import synthesize
from circuits.ledger.circuit import BatchCircuit
from circuits.ledger.params import LedgerParams
from circuits.ledger.state import queue_step
from circuits.r1cs import Mode
from rollup import errors as err
from rollup.ledger.batch import process_batch
from rollup.ledger.demo import FAR, funded_world
from rollup.ledger.signing import Wallet, oracle_tick
from rollup.ledger.types import Deposit, ForcedExit, Withdraw
from tests.batch_circuit_helpers import forced, prove_mode, public_with_queue_head, refused_by_both

SMALL = LedgerParams(depth=2, batch_size=1)
BTC = 0


@pytest.fixture(scope="module")
def small_setup():
    return synthesize(BatchCircuit(SMALL), Mode.SETUP).to_matrices()


def test_constraint_count_is_pinned(small_setup):
    # 68,780 since the batch time and price ages: a per-market Poseidon(4) in each root, 72 a slot for
    # price ages, and one SHA-256 block more (at one slot the 5-byte batch time crosses a 64-byte block);
    # 68,408 with forced closes: +20 (a type flag, the backstop flag, the counterparty and whole-close
    # rules, the close's rounding up, 3 a market for fe_closed#), −392 (the payout is max(collateral, 0))
    assert (small_setup.num_constraints, small_setup.num_inputs) == (68_408, 1)


def test_setup_and_prove_build_the_same_matrices(small_setup):
    w, start = funded_world(SMALL)
    res = process_batch(start, [w.trade(BTC, 0, 1, 10, 3_000_000)])
    cs = prove_mode(res, SMALL)
    assert cs.to_matrices().digest == small_setup.digest
    assert cs.which_is_unsatisfied() is None and cs.public_inputs() == [res.public_input]


def _long(w):
    """Account 0 long 100 BTC at 30,000.00: collateral -2,000,000, value 1,000,000."""
    w.apply(w.trade(BTC, 0, 1, 100, 3_000_000))


def _underwater(w):
    w.apply(w.trade(BTC, 0, 1, 300, 3_000_000))
    w.apply(w.tick(BTC, 2_700_000))


def _spend(w):
    """Apply a withdrawal before the batch; the case replays it."""
    w.spent = w.wallets[0].withdraw(w.state, 0, 10, FAR)
    w.apply(w.spent)


def _wrong_nonce(w):
    from rollup.ledger.transition import message_for, record_of

    tx = w.wallets[0].withdraw(w.state, 0, 10, FAR)
    w.state.accounts[0] = w.state.accounts[0].__class__(**{**w.state.accounts[0].__dict__, "nonce": 1})
    sig = w.wallets[0].sign(message_for(w.state, record_of(tx), FAR))
    w.state.accounts[0] = w.state.accounts[0].__class__(**{**w.state.accounts[0].__dict__, "nonce": 0})
    return Withdraw(0, 10, FAR, sig)


# (prepare the start state, build the invalid tx, the native error, the constraint that must fail)
CASES = {
    "overdraft": (_long, lambda w: w.wallets[0].withdraw(w.state, 0, 10, FAR), err.Overdraft, "slot0.overdraft"),
    "bad_signature": (None, lambda w: Withdraw(0, 10, FAR, w.wallets[1].sign(0)), err.BadSignature, "slot0.sig_a"),
    "reused_signature": (_spend, lambda w: w.spent, err.BadSignature, "slot0.sig_a"),
    "wrong_nonce": (None, _wrong_nonce, err.BadSignature, "slot0.sig_a"),
    "margin_breach": (None, lambda w: w.trade(BTC, 0, 1, 10_000, 3_000_000), err.MarginViolation, "slot0.healthier_a"),
    "healthy_liquidation": (
        _long,
        lambda w: w.wallets[2].liquidate(w.state, BTC, 0, 2, 10, FAR),
        err.NotLiquidatable,
        "slot0.margin_a",
    ),
    "stale_oracle": (
        None,
        lambda w: oracle_tick(w.state.domain, Wallet(b"zkdx demo oracle key"), BTC, 5, w.state.time),
        err.StaleOraclePrice,
        "slot0.oracle_time",
    ),
    "unsigned_oracle": (
        None,
        lambda w: oracle_tick(w.state.domain, Wallet(b"mallory"), BTC, 5, w.state.time + 1),
        err.BadSignature,
        "slot0.sig_a",
    ),
    "funding_beyond_bound": (None, lambda w: w.funding(BTC, 10**9), err.FundingOutOfBounds, "slot0.funding_bound"),
    "expired": (None, lambda w: w.wallets[0].withdraw(w.state, 0, 10, w.state.time - 1), err.Expired, "slot0.expiry"),
    "self_trade": (None, lambda w: w.trade(BTC, 0, 0, 5, 3_000_000), err.SelfTrade, "slot0.distinct"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_invalid_transactions_cannot_be_forced_through(case):
    prepare, make, error, constraint = CASES[case]
    w, _ = funded_world(SMALL)
    if prepare:
        prepare(w)
    start = w.state.copy()
    failing = refused_by_both(start, make(w), error, SMALL)
    assert failing is not None and failing.startswith(constraint), failing


def _trade_batch():
    w, start = funded_world(SMALL)
    return w, start, process_batch(start, [w.trade(BTC, 0, 1, 10, 3_000_000)])


def test_a_wrong_old_root_is_unprovable():
    _, _, res = _trade_batch()
    bad = replace(res.witness, accounts_root=res.witness.accounts_root + 1)
    failing = synthesize(BatchCircuit(SMALL, bad, res.public_input)).which_is_unsatisfied()
    assert failing == "slot0.a.merkle.old_root"


def test_data_other_than_what_was_proven_is_unprovable():
    w, start, res = _trade_batch()
    other = process_batch(start, [w.trade(BTC, 0, 1, 11, 3_000_000)])
    assert prove_mode(res, SMALL, public=other.public_input).which_is_unsatisfied() == "commitment"


def test_a_deposit_other_than_the_l1_queue_item_is_unprovable():
    w, _ = funded_world(SMALL)
    queued = w.enqueue_deposit(3, 5)
    start = w.state.copy()
    tx = replace(queued, amount=50)
    with forced(err.QueueMismatch):
        res = process_batch(start, [tx])
    assert prove_mode(res, SMALL).which_is_unsatisfied() is None  # consistent with itself...
    it = queued.queue_item()
    l1_head = queue_step(start.queue_head, it.kind, it.account, it.amount, it.pubkey)
    l1_public = public_with_queue_head(res, l1_head)  # ...but not with the contract's queue
    assert prove_mode(res, SMALL, public=l1_public).which_is_unsatisfied() == "commitment"


def test_a_forced_exit_must_pay_exactly_what_margin_allows():
    w, _ = funded_world(SMALL)
    w.enqueue_forced_exit(1)
    start = w.state.copy()
    res = process_batch(start, [ForcedExit(1)])
    slot = res.witness.slots[0]
    for delta in (1, -1):
        rec = replace(slot.record, amount=slot.record.amount + delta)
        bad = replace(res.witness, slots=(replace(slot, record=rec),))
        failing = synthesize(BatchCircuit(SMALL, bad, res.public_input)).which_is_unsatisfied()
        assert failing == "slot0.forced_amount"


def test_a_mixed_batch_threads_state_through_four_slots():
    """Deposit (new account), liquidation, oracle tick and forced exit in one batch."""
    params = LedgerParams(depth=2, batch_size=4)
    w, _ = funded_world(params)
    w.apply(w.trade(BTC, 0, 1, 300, 3_000_000))
    w.enqueue_deposit(3, 2_000)
    w.enqueue_forced_exit(3)
    start = w.state.copy()
    txs = [w.tick(BTC, 2_700_000)]
    txs.append(w.wallets[2].liquidate(start, BTC, 0, 2, 200, FAR))
    txs += [Deposit(3, 2_000, w.wallets[3].pubkey), ForcedExit(3)]
    res = process_batch(start, txs)
    assert res.effects[3].record.amount == 2_000 and res.state.accounts[3].collateral == 0
    assert res.state.accounts[0].sizes[BTC] == 100
    cs = prove_mode(res, params)
    assert cs.which_is_unsatisfied() is None
