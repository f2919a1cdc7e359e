"""Attack8 (1): split a forced close although a close must take all it can.  ``close_takes_all`` only
asks that the exiting account's or the counterparty's position end at 0, and trades are not queue
items, so the operator (holding two accounts of its own, 1 and 2) re-arms a counterparty with a
1-unit opposite position by a trade between its own accounts before every close: each 1-unit close
is a whole close for the counterparty and rounds once (floor(price / scale)) against the exiting
long.  FINDING (low, fixed): the split attack7 found was still open through manufactured
counterparties (the backstop account works the same way), < 1 collateral unit a piece.  Now an
exiting long's close is paid the ceiling of its quote (``close_round_up``; an exiting short pays the
floor), so every piece rounds in the exiting account's favour and a split costs it nothing."""

from __future__ import annotations

from rollup.ledger import margin
from rollup.ledger.batch import process_batch
from rollup.ledger.demo import World, funded_world
from rollup.ledger.types import ForcedClose, ForcedExit
from tests.attack.scenarios import BTC, SMALL
from tests.batch_circuit_helpers import prove_mode

PRICE, SIZE, PIECES = 3_000_099, 300, 12
EXITING, HOLDER, SPLITTER = 0, 1, 2  # 1 and 2 are the operator's own accounts


def _exiting_long() -> World:
    w, _ = funded_world(SMALL)
    w.apply(w.tick(BTC, PRICE))
    w.apply(w.trade(BTC, EXITING, HOLDER, SIZE, PRICE))
    w.enqueue_forced_exit(EXITING)
    return w


def _value(w: World) -> int:
    return margin.value_scaled(SMALL, w.state.accounts[EXITING], w.state.markets) // SMALL.scale_lcm


def _split_pieces(w: World, pieces: int) -> None:
    """Before each 1-unit close, the holder buys 1 back from the splitter (price irrelevant: both are
    the operator's), so the splitter holds exactly -1 and the close ends its position at 0."""
    for k in range(pieces):
        w.apply(w.trade(BTC, HOLDER, SPLITTER, 1, PRICE))
        res = process_batch(w.state, [ForcedClose(BTC, EXITING, SPLITTER, 1)])
        if k == 0:
            assert prove_mode(res, SMALL).is_satisfied()  # the circuit accepts the piece too
        w.state = res.state


def _paid_after_split(pieces: int) -> tuple[int, int]:
    w = _exiting_long()
    value = _value(w)
    _split_pieces(w, pieces)
    rest = w.state.accounts[EXITING].sizes[BTC]
    w.apply(ForcedClose(BTC, EXITING, HOLDER, rest))  # the holder is at -rest: a whole close
    return value, w.apply(ForcedExit(EXITING)).record.amount


def test_every_piece_is_a_whole_close_for_its_counterparty_and_is_accepted():
    w = _exiting_long()
    _split_pieces(w, 3)
    assert w.state.accounts[EXITING].sizes[BTC] == SIZE - 3 and w.state.accounts[SPLITTER].sizes[BTC] == 0


def test_an_exit_loses_nothing_however_the_operator_splits_the_closes():
    value, paid = _paid_after_split(PIECES)
    assert paid >= value, f"paid {paid} of value {value}: {value - paid} units lost to {PIECES} pieces"
