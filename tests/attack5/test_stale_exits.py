"""Attacks on commit 57a9a4e's price ages through the forced-exit path, each forced through the circuit.

Forced exits deliberately skipped the price-age rule (so the L1 queue never jams) and paid
``max_withdrawable`` under the ledger's current prices.  FINDING (high, fixed: forced exits now
need fresh prices like every margin-reading type): that was a
withdrawal at a stale price, the very attack the price ages were added to stop.  The operator
withholds one market's ticks (or posts no ticks at all: the batch time alone moves the clock); an
account whose position lost since the last posted tick asks for a forced exit on L1 and is paid
what the stale price allows; the withheld tick then shows the account under water.  A withdrawal
of the same state is refused (``slot0.price_fresh1``), liquidations too, so nothing stops the exit
first.  Steps: account 0 short 4,000 ETH at 2,000.000 (value 1,000,000, 800,000 initial risk);
the oracle signs ETH at 2,250.000 two hours later, the operator leaves it out; account 0's forced
exit in a batch timed two hours on pays 200,000 (the spec accepts, the circuit proves); once the
tick is applied the account's value is −200,000: bad debt its counterparty's gain is not backed by.
"""

from __future__ import annotations

import pytest

from rollup import errors as err
from rollup.ledger.batch import process_batch
from rollup.ledger.demo import FAR, ORACLE, funded_world
from rollup.ledger.forced import queue_txs
from rollup.ledger.signing import oracle_tick
from rollup.ledger.types import ForcedExit
from tests.attack.scenarios import ETH, HOUR, SMALL
from tests.batch_circuit_helpers import forced, prove_mode

SHORT, LONG = 0, 1


def _short_eth_then_withheld_rise():
    """Account 0 short 4,000 ETH at 2,000.000 and asking for a forced exit; returns (world, start,
    the ETH tick at 2,250.000 the oracle signed two hours later and the operator withholds)."""
    w, _ = funded_world(SMALL)
    w.apply(w.trade(ETH, LONG, SHORT, 4_000, 2_000_000))
    start = w.state.copy()
    later = start.time + 2 * HOUR
    withheld = oracle_tick(start.domain, ORACLE, ETH, 2_250_000, later)
    w.enqueue_forced_exit(SHORT)
    return w, w.state.copy(), withheld


def test_the_same_state_refuses_a_withdrawal_and_a_liquidation():
    """The price-age rule holds for the margin-reading types: the stale ETH price cannot pay a
    withdrawal, nor can anyone liquidate the short before its exit (no tick, no liquidation)."""
    w, start, withheld = _short_eth_then_withheld_rise()
    later = withheld.timestamp - 1
    with pytest.raises(err.StaleOraclePrice):
        process_batch(start, [w.wallets[SHORT].withdraw(start, SHORT, 1, FAR)], later)
    with pytest.raises(err.StaleOraclePrice):
        process_batch(start, [w.wallets[2].liquidate(start, ETH, SHORT, 2, 10, FAR)], later)


def test_a_forced_exit_at_a_stale_price_is_refused_until_the_tick_is_posted():
    """Fixed: the exit (and since forced closes, the close of its position first) reads the price, so
    it needs fresh prices too.  Two hours on, the spec refuses the close (StaleOraclePrice) and,
    forced through, ``slot0.price_fresh#`` stops it: at the stale price the short would leave with
    1,000,000.  With the withheld tick posted first, close and exit pay what the fresh price leaves (0)."""
    w, start, withheld = _short_eth_then_withheld_rise()
    later = withheld.timestamp - 1
    close, exit_ = queue_txs(start, start.pending[0])
    with pytest.raises(err.StaleOraclePrice):
        process_batch(start, [close], later)
    with forced(err.StaleOraclePrice):
        res = process_batch(start, [close], later)
    assert res.state.accounts[SHORT].collateral == 1_000_000  # what the stale exit would then pay
    assert prove_mode(res, SMALL).which_is_unsatisfied() == "slot0.price_fresh0.pack"  # both markets are stale
    btc = oracle_tick(start.domain, ORACLE, 0, 3_000_000, withheld.timestamp + 1)  # BTC ticks as well
    ticked = process_batch(process_batch(start, [withheld], later).state, [btc]).state
    for tx in queue_txs(ticked, ticked.pending[0]):
        paid = process_batch(ticked, [tx]).effects[0].record.amount
        ticked = process_batch(ticked, [tx]).state
    assert paid == 0 and exit_ == ForcedExit(SHORT) and ticked.accounts[SHORT].collateral == 0
