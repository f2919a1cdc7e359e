"""Attack 5: replaying a signature in another batch, deployment, market or transaction type.

Messages are Poseidon(domain, record, nonce_a + nonce_b·2^32, expiry): the record carries the type,
market and both accounts, the nonces move on every signed write, and the domain is the deployment's.
Each replay below is refused by the spec, and the circuit refuses the ones the spec is forced past.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from circuits.ledger.params import TxType
from circuits.ledger.records import Record
from rollup import errors as err
from rollup.ledger.demo import FAR, ORACLE, World, funded_world
from rollup.ledger.signing import oracle_tick
from tests.attack.scenarios import BTC, ETH, HOUR, SMALL, unhealthy_long
from tests.batch_circuit_helpers import refused_by_both


def _replayed(w: World, tx, error: type, constraint: str) -> None:
    failing = refused_by_both(w.state.copy(), tx, error, SMALL)
    assert failing is not None and failing.startswith(constraint), failing


def test_a_withdrawal_cannot_be_replayed_in_a_later_batch():
    w, _ = funded_world(SMALL)
    tx = w.wallets[0].withdraw(w.state, 0, 1_000, FAR)
    w.apply(tx)
    _replayed(w, tx, err.BadSignature, "slot0.sig_a")


def test_a_withdrawal_cannot_be_replayed_on_another_deployment():
    """The same account state (keys, nonce) on a deployment with another domain."""
    w, _ = funded_world(SMALL)
    elsewhere = w.state.copy()
    elsewhere.domain += 1
    tx = w.wallets[0].withdraw(elsewhere, 0, 1_000, FAR)
    _replayed(w, tx, err.BadSignature, "slot0.sig_a")


def test_a_trade_cannot_be_replayed():
    w, _ = funded_world(SMALL)
    tx = w.trade(BTC, 0, 1, 10, 3_000_000)
    w.apply(tx)
    with pytest.raises(err.BadSignature):
        w.apply(tx)


def test_a_liquidation_cannot_be_replayed():
    w, _ = funded_world(SMALL)
    unhealthy_long(w)
    tx = w.wallets[2].liquidate(w.state, BTC, 0, 2, 10, FAR)
    w.apply(tx)
    with pytest.raises(err.BadSignature):
        w.apply(tx)


def test_a_withdrawal_signature_is_no_trade_signature():
    """Same account, same nonce, same amount: the record's type (and market, b, price) differ."""
    w, _ = funded_world(SMALL)
    wd = w.wallets[0].withdraw(w.state, 0, 10, FAR)
    trade = w.trade(BTC, 0, 1, 10, 3_000_000)
    with pytest.raises(err.BadSignature):
        w.apply(replace(trade, buyer_signature=wd.signature))
    assert Record(TxType.WITHDRAW, 0, 0, 0, 10).to_int() >> 156 != Record(TxType.TRADE, 0, 0, 1, 10).to_int() >> 156


def test_an_oracle_tick_cannot_be_replayed_or_moved_to_another_market():
    w, _ = funded_world(SMALL)
    tick = w.tick(BTC, 3_100_000)
    w.apply(tick)
    _replayed(w, tick, err.StaleOraclePrice, "slot0.oracle_time")
    w.clock += 10
    btc = oracle_tick(w.state.domain, ORACLE, BTC, 3_000_000, w.clock)
    with pytest.raises(err.BadSignature):
        w.apply(replace(btc, market=ETH))


def test_a_funding_tick_applies_once():
    """A second tick at the same ledger time binds the new funding time and has no allowance left."""
    w, _ = funded_world(SMALL)
    w.clock += HOUR
    w.apply(w.tick(BTC, 3_000_000))
    w.apply(w.funding(BTC, 30))
    with pytest.raises(err.FundingOutOfBounds):
        w.apply(w.funding(BTC, 1))
