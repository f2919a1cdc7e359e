"""Differential test of the native spec against BatchCircuit on random transactions.

A transaction the spec accepts must satisfy the circuit with the spec's public input
(so the circuit computed the same new root).  A transaction the spec rejects is
pushed through anyway with the violated rules switched off; the resulting witness
must fail a named constraint (or the L1 queue check, for queue mismatches), or be
impossible to build at all.
"""

from __future__ import annotations

import os

from hypothesis import event, given, settings
from hypothesis import strategies as st

from circuits.ledger.params import LedgerParams
from circuits.ledger.state import queue_step
from rollup import errors as err
from rollup.ledger.batch import process_batch
from rollup.ledger.demo import FAR, ORACLE, funded_world
from rollup.ledger.signing import Wallet, funding_tick, oracle_tick
from rollup.ledger.types import Deposit
from tests.batch_circuit_helpers import force_through, prove_mode, public_with_queue_head

SMALL = LedgerParams(depth=2, batch_size=1)
ACCT = st.integers(0, 3)  # 3 does not exist
MARKET = st.integers(0, 2)  # 2 is not configured
AMOUNT = st.sampled_from(
    [0, 1, 10, 300, 999_999, 1_000_001, 10**12, (1 << 47) - 1, 1 << 47, (1 << 63) - 1, (1 << 64) - 1]
)
PRICE = st.sampled_from([0, 1, 2_700_000, 3_000_000, 10**12, (1 << 40) - 1])
EXPIRY = st.sampled_from([FAR, FAR, FAR, 0])


def _withdraw(acct, amount, signer, expiry):
    return lambda w: w.wallets[signer].withdraw(w.state, acct, amount, expiry) if acct < 3 else None


def _trade(m, a, b, amount, price, expiry):
    return lambda w: w.trade(m, a, b, amount, price, expiry) if max(a, b) < 3 and m < 2 else None


def _oracle(m, price, dt, honest):
    signer = ORACLE if honest else Wallet(b"mallory")
    return lambda w: oracle_tick(w.state.domain, signer, m, price, max(0, w.state.time + dt))


def _funding(m, delta, honest):
    signer = ORACLE if honest else Wallet(b"mallory")
    return lambda w: funding_tick(w.state, signer, m, delta) if m < 2 else None


def _liquidate(m, a, b, amount, signer):
    return lambda w: w.wallets[signer].liquidate(w.state, m, a, b, amount, FAR) if b < 3 and m < 2 else None


def _deposit(acct, amount, honest_key):
    def make(w):
        queued = w.enqueue_deposit(acct, amount)
        return queued if honest_key else Deposit(acct, amount, w.wallets[(acct + 1) % 4].pubkey)

    return make


def _forced_exit(acct):
    return lambda w: w.enqueue_forced_exit(acct)


ACTIONS = st.one_of(
    st.builds(_withdraw, ACCT, AMOUNT, ACCT, EXPIRY),
    st.builds(_trade, MARKET, ACCT, ACCT, AMOUNT, PRICE, EXPIRY),
    st.builds(_oracle, MARKET, PRICE, st.sampled_from([-5, 0, 5]), st.booleans()),
    st.builds(_funding, MARKET, st.sampled_from([-(10**9), -5, 0, 5, 30, 10**6, -(1 << 63)]), st.booleans()),
    st.builds(_liquidate, MARKET, ACCT, ACCT, AMOUNT, ACCT),
    st.builds(_deposit, ACCT, AMOUNT, st.booleans()),
    st.builds(_forced_exit, ACCT),
)


@settings(max_examples=int(os.environ.get("ZKDX_DIFFERENTIAL_EXAMPLES", "12")))
@given(ACTIONS, st.booleans())
def test_native_and_circuit_agree(action, underwater):
    w, _ = funded_world(SMALL)
    w.clock += 3600  # an hour of funding allowance
    if underwater:  # make liquidations and the StarkEx exemption possible
        w.apply(w.trade(0, 0, 1, 300, 3_000_000))
        w.apply(w.tick(0, 2_700_000))
    else:
        w.apply(w.tick(0, 3_000_000))
    tx = action(w)
    if tx is None:
        event("not constructible")
        return
    start = w.state.copy()
    try:
        res = process_batch(start, [tx])
    except err.InvalidTransaction:
        _check_unprovable(start, tx)
        return
    event(f"valid {type(tx).__name__}")
    cs = prove_mode(res, SMALL)
    assert cs.which_is_unsatisfied() is None and cs.public_inputs() == [res.public_input]


def _check_unprovable(start, tx):
    res, off = force_through(start, tx)
    event(f"invalid {type(tx).__name__}: {'forced' if res else 'not forceable'} past {[e.__name__ for e in off]}")
    if res is None:
        return
    public = res.public_input
    if err.QueueMismatch in off and start.pending:  # the contract hashes its own queue item
        it = start.pending[0]
        public = public_with_queue_head(res, queue_step(start.queue_head, it.kind, it.account, it.amount, it.pubkey))
    assert prove_mode(res, SMALL, public=public).which_is_unsatisfied() is not None, off
