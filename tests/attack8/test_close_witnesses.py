"""Attack8 (2): forged witnesses in a forced close.  The backstop flag set for a counterparty that is
not the backstop, a lying sign of the exiting position (``long_a``) or lying top bits of its new
collateral (``coll_bits``) to pass ``close_takes_all`` with a partial close, and a close where the
backstop is both sides.  Each is refused by a named constraint (no finding)."""

from __future__ import annotations

import pytest

from circuits.ledger.circuit import BatchCircuit
from rollup import errors as err
from rollup.ledger.batch import BatchResult, process_batch
from rollup.ledger.demo import funded_world
from rollup.ledger.types import Deposit, ForcedClose, ForcedExit
from tests.attack.scenarios import BTC, SMALL, exiting_long
from tests.attack.whatif import const, unsatisfied
from tests.batch_circuit_helpers import force_through, forced, prove_mode

BACKSTOP = SMALL.num_accounts - 1


def _forced_close(close: ForcedClose, error: type = err.BadForcedClose) -> BatchResult:
    """Account 0 long 300 BTC against 1 and long 50 ETH against 2, exiting; the close forced past `error`."""
    w, _ = funded_world(SMALL)
    exiting_long(w)
    with pytest.raises(error):
        process_batch(w.state.copy(), [close])
    with forced(error):
        return process_batch(w.state.copy(), [close])


def _forged(res: BatchResult, overrides: dict) -> list[str]:
    return unsatisfied(BatchCircuit(SMALL, res.witness, res.public_input), overrides)


def test_the_backstop_flag_cannot_free_a_counterparty_that_is_not_the_backstop():
    """Account 2 holds no BTC: taking 300 grows its position; honest flag 0 fails the shrink rule,
    the forged flag 1 fails the flag's own row."""
    res = _forced_close(ForcedClose(BTC, 0, 2, 300))
    assert prove_mode(res, SMALL).which_is_unsatisfied() == "slot0.close_counterparty_reduces"
    assert _forged(res, {"slot0.backstop": const(1)}) == ["slot0.backstop"]


@pytest.mark.parametrize(
    "forged, stopped_by",
    [({"slot0.liq_sign.b47": const(0)}, "slot0.liq_sign.pack"),  # "a is short": may_stay at low
     ({"slot0.a.in_range.bits.b63": const(1)}, "slot0.a.in_range.bits")],  # "collateral ≥ 2^62"
)  # fmt: skip
def test_a_partial_close_cannot_claim_its_rest_may_stay(forged, stopped_by):
    res = _forced_close(ForcedClose(BTC, 0, 1, 200))
    assert prove_mode(res, SMALL).which_is_unsatisfied() == "slot0.close_takes_all"
    assert _forged(res, forged)[0].startswith(stopped_by)


def test_the_backstop_cannot_close_into_itself():
    """The backstop takes account 0's 10 BTC long, then asks to leave itself: closing into itself (the
    one counterparty that may take any position) is refused by the spec and by ``distinct``."""
    w, _ = funded_world(SMALL)
    funding = Deposit(BACKSTOP, 1_000_000, w.wallets[3].pubkey)
    w.state.enqueue(funding.queue_item())
    w.apply(funding)
    w.apply(w.trade(BTC, 0, 1, 10, 3_000_000))
    w.enqueue_forced_exit(0)
    w.apply(ForcedClose(BTC, 0, BACKSTOP, 10))
    w.apply(ForcedExit(0))
    w.enqueue_forced_exit(BACKSTOP)
    assert w.state.accounts[BACKSTOP].sizes[BTC] == 10
    res, off = force_through(w.state.copy(), ForcedClose(BTC, BACKSTOP, BACKSTOP, 10))
    assert off == [err.SelfTrade] and res is not None
    assert prove_mode(res, SMALL).which_is_unsatisfied() == "slot0.distinct"
