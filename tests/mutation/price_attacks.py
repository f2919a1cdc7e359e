"""Price ages and the batch clock (``tests/test_price_age.py``, ``tests/attack3/test_priced.py``):
the statements the spec refuses for a stale price, a batch time that goes back or an oracle
timestamp past 2^40, and adversarial witnesses for the rows that enforce them.

Statements (lane a the withdrawer or liquidated account):

* ``refused_withdraw_eth_stale`` / ``refused_trade_btc_eth_stale``: ETH's tick is max_price_age + 1
  behind the ledger clock; a withdrawal (margin values the ETH long) and a BTC trade are refused
  (``price_fresh1``).
* ``refused_liquidation_btc_day_old``: the operator ticks ETH a day later and withholds BTC's
  ticks, keeping the dip that makes account 0 liquidatable (``price_fresh0``).
* ``refused_liquidation_frozen_clock``: no tick for two hours; the batch posts the time it is
  proven at (the contract ties it to the block), so BTC's dip is two hours old (``price_fresh0``).
  ``valid_liquidation_clock_kept`` is the same liquidation at the ledger's own time.
* ``refused_batch_time_goes_back``: a batch time one second before the ledger time (``batch_clock``).
* ``refused_oracle_time_2_40``: an oracle tick timed 2^40 (``oracle_time_u40``).

Witnesses: the freshness gate or its product dropped to 0, a stale market claimed unpriced, ETH's
start price time one second later with its market hash steered to the stored one, an oracle tick
that writes another price time than its timestamp, a batch time whose bits spell a later time than
the clock the slots run from.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from circuits.ledger.params import TIME_BITS
from circuits.native.poseidon import poseidon
from rollup import errors as err
from rollup.ledger.batch import process_batch
from rollup.ledger.demo import FAR, ORACLE, World, funded_world
from rollup.ledger.signing import oracle_tick
from rollup.ledger.state import LedgerState
from rollup.ledger.types import Transaction
from tests import test_price_age as tpa
from tests.batch_circuit_helpers import forced
from tests.mutation.judge import BatchStatement
from tests.mutation.tamper import Tamper, TamperedCS
from tests.mutation.tamperers import Value, bump, const, setw, steer

BTC, ETH = 0, 1
DAY, FROZEN = 86_400, 2 * 3600


def timed(
    name: str, start: LedgerState, txs: Sequence[Transaction], batch_time: int | None, *rules: type
) -> BatchStatement:
    """The batch at ``batch_time`` as the spec proves it, with ``rules`` forced off (refused iff any
    rule is named; the spec must then refuse it without forcing)."""
    start = start.copy()
    if rules:
        try:
            process_batch(start, txs, batch_time)
        except rules:
            pass
        else:
            raise AssertionError(f"{name}: the spec accepts it")
    with forced(*rules):
        res = process_batch(start, txs, batch_time)
    return BatchStatement(name, start, res, bool(rules))


def _eth_stale() -> World:
    w = tpa._eth_long()
    tpa._age_eth_by(w, tpa.AGE + 1)
    return w


def _withdraw_eth_stale() -> BatchStatement:
    w = _eth_stale()
    tx = w.wallets[0].withdraw(w.state, 0, 10, FAR)
    return timed("refused_withdraw_eth_stale", w.state, [tx], None, err.StaleOraclePrice)


def _trade_eth_stale() -> BatchStatement:
    w = _eth_stale()
    return timed("refused_trade_btc_eth_stale", w.state, [w.trade(BTC, 1, 2, 1, 3_000_000)], None, err.StaleOraclePrice)


def _dip() -> World:
    """Account 0 long 300 BTC at 30,000.00, then BTC's dip to 27,000.00: liquidatable."""
    w, _ = funded_world(tpa.SMALL)
    w.apply(w.trade(BTC, 0, 1, 300, 3_000_000))
    w.apply(w.tick(BTC, 2_700_000))
    return w


def _liquidation_day_old() -> BatchStatement:
    w = _dip()
    w.clock += DAY
    w.apply(w.tick(ETH, 2_000_000))  # the ledger clock moves a day; BTC's ticks withheld
    liq = w.wallets[2].liquidate(w.state, BTC, 0, 2, 200, FAR)
    return timed("refused_liquidation_btc_day_old", w.state, [liq], None, err.StaleOraclePrice)


def _liquidation_at(name: str, later: int) -> BatchStatement:
    w = _dip()
    liq = w.wallets[2].liquidate(w.state, BTC, 0, 2, 100, FAR)
    return timed(
        name, w.state, [liq], w.state.time + later if later else None, *((err.StaleOraclePrice,) if later else ())
    )


def _batch_time_back() -> BatchStatement:
    w, _ = funded_world(tpa.SMALL)
    return timed("refused_batch_time_goes_back", w.state, [], w.state.time - 1, err.StaleBatchTime)


def _oracle_2_40() -> BatchStatement:
    w, _ = funded_world(tpa.SMALL)
    tick = oracle_tick(w.state.domain, ORACLE, BTC, 3_000_000, 1 << TIME_BITS)
    return timed("refused_oracle_time_2_40", w.state, [tick], None, err.RangeViolation)


STATEMENTS = {
    "refused_withdraw_eth_stale": _withdraw_eth_stale,
    "refused_trade_btc_eth_stale": _trade_eth_stale,
    "refused_liquidation_btc_day_old": _liquidation_day_old,
    "refused_liquidation_frozen_clock": lambda: _liquidation_at("refused_liquidation_frozen_clock", FROZEN),
    "valid_liquidation_clock_kept": lambda: _liquidation_at("valid_liquidation_clock_kept", 0),
    "refused_batch_time_goes_back": _batch_time_back,
    "refused_oracle_time_2_40": _oracle_2_40,
}


@functools.cache
def _statement(name: str) -> BatchStatement:
    from tests.mutation.statements import batch_statement

    return batch_statement(name)


def stored_market_hash(name: str, m: int) -> Value:
    """Market m's hash in the stored old root (what a forged opening of its fields must reach)."""
    return lambda cs: poseidon(_statement(name).start.markets[m].fields())


def later_batch_time(later: int) -> Tamper:
    """The batch time's bits spell ``later`` seconds after the clock the slots start from."""

    def hook(cs: TamperedCS, a: object, b: object, c: object) -> None:
        t = cs.get("batch_time") + later
        for i in range(TIME_BITS):
            cs.set(f"batch_time_bits.b{i}", (t >> i) & 1)

    return Tamper(f"batch time bits spell +{later} s", hooks={"batch_time_bits.pack": hook})


STALE = "refused_withdraw_eth_stale"


def attacks() -> list[tuple[str, Tamper]]:
    from tests.mutation.hash_attacks import KINDS, MARKET

    market_hash = stored_market_hash(STALE, ETH)
    return [
        (STALE, setw("slot0.fresh_gate1", const(0))),  # the freshness check gated off
        (STALE, setw("slot0.fresh_slack1", const(0))),  # its product 0: age never compared
        (STALE, setw("slot0.unpriced1.inv", const(0)) + setw("slot0.unpriced1.out", const(1))),  # "never priced"
        *[(STALE, bump("start.ptime1", 1) + steer("old_root.market1", MARKET, market_hash, k)) for k in KINDS],
        ("valid_oracle", bump("slot0.ptime0", 3600)),  # the tick writes an hour later than its timestamp
        ("valid_oracle", bump("slot0.ptime1", 3600)),  # a BTC tick refreshes ETH's price time
        ("valid_liquidation_clock_kept", later_batch_time(FROZEN)),
    ]
