"""Attack9 (1): the +1 of ``close_round_up`` only where it belongs.  An exiting long's forced close
with a remainder is paid the ceiling, an exiting short pays the floor, an exact close and every
other type with a remainder (trade, liquidation) move the floor; spec and circuit agree, and a
forged +1 (or a forged remainder or exactness flag) is refused by a named constraint (no finding)."""

from __future__ import annotations

import pytest

from circuits.ledger.circuit import BatchCircuit
from rollup.ledger.batch import BatchResult, process_batch
from rollup.ledger.demo import FAR, funded_world
from rollup.ledger.types import ForcedClose
from tests.attack.scenarios import BTC, SMALL
from tests.attack.whatif import const, unsatisfied
from tests.batch_circuit_helpers import prove_mode

PRICE = 3_000_001  # 299 BTC at this price: notional 897,000,299 over scale 100, remainder 99
FLOOR, CEIL = 8_970_002, 8_970_003


def _close(size: int, short: bool = False) -> BatchResult:
    """Account 0 long (or short) `size` BTC against account 1, exiting; one whole forced close."""
    w, _ = funded_world(SMALL)
    w.apply(w.tick(BTC, PRICE))
    a, b = (1, 0) if short else (0, 1)
    w.apply(w.trade(BTC, a, b, size, PRICE))
    w.enqueue_forced_exit(0)
    return process_batch(w.state.copy(), [ForcedClose(BTC, 0, 1, size)])


def _trade() -> BatchResult:
    w, _ = funded_world(SMALL)
    w.apply(w.tick(BTC, PRICE))
    return process_batch(w.state.copy(), [w.trade(BTC, 0, 1, 299, PRICE)])


def _liquidation() -> BatchResult:
    """Account 0 long 300 at 30,000.00, price falls to 27,000.01; account 2 takes 299 (remainder 99)."""
    w, _ = funded_world(SMALL)
    w.apply(w.trade(BTC, 0, 1, 300, 3_000_000))
    w.apply(w.tick(BTC, 2_700_001))
    start = w.state.copy()
    return process_batch(start, [w.wallets[2].liquidate(start, BTC, 0, 2, 299, FAR)])


def _delta_a(res: BatchResult) -> int:
    sw = res.witness.slots[0]
    return res.state.accounts[sw.record.a].collateral - sw.lane_a.account.collateral


CASES = {
    "close_long_remainder": (lambda: _close(299), CEIL),
    "close_short_remainder": (lambda: _close(299, short=True), -FLOOR),
    "close_long_exact": (lambda: _close(300), 9_000_003),
    "trade_remainder": (_trade, -FLOOR),
    "liquidation_remainder": (_liquidation, 299 * 2_700_001 // 100),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_plus_one_goes_to_an_exiting_long_only(name):
    build, expected = CASES[name]
    res = build()
    assert _delta_a(res) == expected
    assert prove_mode(res, SMALL).is_satisfied()


@pytest.mark.parametrize(
    "name", ["close_short_remainder", "close_long_exact", "trade_remainder", "liquidation_remainder"]
)
def test_a_forged_plus_one_is_refused(name):
    res = CASES[name][0]()
    failed = unsatisfied(BatchCircuit(SMALL, res.witness, res.public_input), {"slot0.close_round_up": const(1)})
    assert failed and failed[0] == "slot0.close_round_up"


@pytest.mark.parametrize(
    "forged, stopped_by",
    [({"slot0.close_exact.out": const(1)}, "slot0.close_exact"),  # "exact": the long loses its +1
     ({"slot0.close_exact.inv": const(0)}, "slot0.close_exact"),
     ({"slot0.quote_rem": const(0)}, "slot0.quote"),  # remainder 0 with the honest floor
     ({"slot0.quote_rem": lambda h: h + 100}, "slot0.quote"),  # past the scale
     ({"slot0.quote": lambda h: h + 1, "slot0.quote_rem": lambda h: h - 100}, "slot0.quote_rem_range")],
)  # fmt: skip
def test_the_remainder_and_its_flag_cannot_be_forged(forged, stopped_by):
    res = _close(299)
    failed = unsatisfied(BatchCircuit(SMALL, res.witness, res.public_input), forged)
    assert failed and failed[0].startswith(stopped_by), failed[:3]
