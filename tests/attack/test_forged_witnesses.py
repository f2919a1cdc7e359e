"""Attack 2 by hand: the prover's own assignment, not the spec's.

Each test forges chosen witnesses with ``tests.attack.whatif`` (every later witness is recomputed
from the forgery, and the public input follows it, as an operator posting the implied root and
data would) and names the ledger constraint that still refuses it.  Where a forged write also
breaks a later Merkle opening (the spec's path for lane b was made for the honest tree), the test
names the rule constraint, which fails whatever path the attacker supplies.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from circuits.field import R
from circuits.ledger.circuit import BatchCircuit
from circuits.ledger.exit import ExitCircuit
from circuits.ledger.state import AccountLeaf
from circuits.ledger.witness import LaneWitness
from rollup.ledger.demo import funded_world
from rollup.ledger.escape import exit_for
from tests.attack.scenarios import SCENARIOS, SMALL
from tests.attack.whatif import const, plus, unsatisfied
from tests.batch_circuit_helpers import prove_mode

SCALE_BTC = 100


def _batch(case: str, overrides, follow_commitment: bool = True) -> list[str]:
    res = SCENARIOS[case]()
    return unsatisfied(BatchCircuit(SMALL, res.witness, res.public_input), overrides, follow_commitment)


def test_the_harness_leaves_an_honest_assignment_satisfied():
    assert _batch("trade", {}, follow_commitment=False) == []


def test_type_flags_cannot_be_split_into_a_non_boolean_selection():
    """Σ t = 1 and Σ k·t_k = 3 also hold for t0 = −1, t1 = t2 = 1 (a deposit and a withdrawal on a
    trade's record): each flag is boolean."""
    failing = _batch("trade", {"slot0.t3": const(0), "slot0.t0": const(-1), "slot0.t1": const(1), "slot0.t2": const(1)})
    assert failing[0] == "slot0.t0.bit"


@pytest.mark.parametrize(
    "dq, stopped_by", [(-1, "slot0.quote_rem_below_scale.pack"), (1, "slot0.quote_rem_range.pack")]
)
def test_the_quote_cannot_move_by_a_whole_scale(dq, stopped_by):
    """q ± 1 with the remainder ∓ scale: the remainder is range-checked on both sides."""
    failing = _batch("trade", {"slot0.quote": plus(dq), "slot0.quote_rem": plus(-dq * SCALE_BTC)})
    assert stopped_by in failing


def test_the_quote_cannot_wrap_the_field():
    """rem = 1 makes q = (notional − 1)/scale a huge field element: the buyer's collateral after
    paying it leaves every range."""
    inv = pow(SCALE_BTC, -1, R)
    failing = _batch("trade", {"slot0.quote": lambda q: (q * SCALE_BTC - 1) * inv, "slot0.quote_rem": const(1)})
    assert {"slot0.a.in_range.bits.pack", "slot0.a.collateral_range"} <= set(failing)


def test_the_liquidated_side_cannot_be_flipped():
    failing = _batch("liquidation_long", {"slot0.liq_sign.b47": const(0)})
    assert failing[0] == "slot0.liq_sign.pack" and "slot0.liquidation_reduces" in failing


@pytest.mark.parametrize(
    "forged, stopped_by",
    [({"slot0.a.in_range.bits.b64": const(0)}, "slot0.a.in_range.bits.pack"),
     ({"slot0.a.in_range.high.out": const(1)}, "slot0.a.in_range.high.zero")],
)  # fmt: skip
def test_an_overflowing_deposit_cannot_be_called_in_range(forged, stopped_by):
    """The refund's proof: lane a's collateral after the deposit is 2^63 + 1; claiming it in range
    (so the deposit is credited, not refunded) needs its high bits to vanish."""
    assert stopped_by in _batch("refund", forged)


def test_a_deposit_key_is_bound_by_the_l1_queue_hash_alone():
    """On an existing account the key must match (deposit_key); on a new one nothing but the queue
    chain binds it: a forged key commits to a queue head L1 never computed."""
    assert _batch("deposit_existing", {"slot0.item_pk0": plus(1)}) == ["slot0.deposit_key0"]
    assert _batch("deposit_new_account", {"slot0.item_pk0": plus(1)}) == []
    assert _batch("deposit_new_account", {"slot0.item_pk0": plus(1)}, follow_commitment=False) == ["commitment"]


def test_a_forced_exit_cannot_pay_more_than_its_collateral():
    assert _batch("forced_exit", {"slot0.fe_pay": plus(1000)}) == ["slot0.fe_pay", "slot0.forced_amount"]


def test_an_oracle_tick_has_expiry_zero():
    """The oracle signs price ticks with expiry 0; the circuit pins it (it used to rest on the
    signature alone) and the signature check fails too."""
    failing = _batch("oracle", {"slot0.expiry": const(1)})
    assert failing[0] == "slot0.oracle_expiry_zero" and "slot0.sig_a/x" in failing


def test_a_trade_needs_a_positive_oracle_price():
    assert _batch("trade_healthier", {"slot0.market_priced.inv": const(0)}) == ["slot0.market_priced"]


def test_a_lane_that_is_not_opened_is_inert():
    """A deposit does not open lane b: whatever account the prover puts there, the proof and the
    root are the same (so no value can leak from an unchecked lane into the ledger)."""
    res = SCENARIOS["deposit_existing"]()
    slot = res.witness.slots[0]
    junk = LaneWitness(True, AccountLeaf((5, 7), 3, -12345, (99, -7), (1, 2)), ((11, 12, 13),) * SMALL.depth)
    forged = replace(res, witness=replace(res.witness, slots=(replace(slot, lane_b=junk),)))
    assert prove_mode(forged, SMALL).which_is_unsatisfied() is None  # same public input: same root


def test_a_lane_that_is_opened_must_be_the_account_under_the_root():
    res = SCENARIOS["trade"]()
    slot = res.witness.slots[0]
    lane_b = replace(slot.lane_b, account=replace(slot.lane_b.account, collateral=slot.lane_b.account.collateral + 1))
    forged = replace(res, witness=replace(res.witness, slots=(replace(slot, lane_b=lane_b),)))
    assert prove_mode(forged, SMALL).which_is_unsatisfied() == "slot0.b.merkle.old_root"


@pytest.mark.parametrize(
    "forged, stopped_by",
    [({"account": plus(16)}, "account_bits.pack"),  # the same leaf under an aliased index
     ({"amount.q": plus(1)}, "amount.div"),
     ({"exit.exists": const(0)}, "exit.empty.pk_x")],
)  # fmt: skip
def test_an_exit_cannot_be_inflated(forged, stopped_by):
    w, _ = funded_world(SMALL)
    ex = exit_for(w.state, 0)
    assert unsatisfied(ExitCircuit(SMALL, ex.witness, ex.public_input), forged)[0] == stopped_by


def test_the_what_if_harness_refuses_a_forgery_that_changes_nothing():
    with pytest.raises(KeyError, match="honest values"):
        _batch("refund", {"slot0.a.in_range.bits.b113": const(1)})  # bit k is already 1: z ≥ 0
