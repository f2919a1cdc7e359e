"""Attack7 (2): the operator closes someone who is not (yet) exiting.  The circuit does not see the L1
queue, so a FORCED_CLOSE of any account with a position proves; only ``Rollup._settle`` stops it
(``NotExiting``).  On a hardhat node with real 1-slot proofs: accounts 1 then 0 ask to leave; a proved
close of account 0 while account 1's exit is at the head reverts; account 1's close and exit go through,
then account 0's exit (nothing left to close)."""

from __future__ import annotations

import pytest

from rollup import errors as err
from rollup.l1.client import L1Error, connect
from rollup.l1.devnode import hardhat_node
from rollup.ledger.batch import process_batch
from rollup.ledger.types import ForcedClose, ForcedExit
from rollup.pipeline import prove_batch
from tests.batch_circuit_helpers import forced
from tests.test_l1_rollup import Chain, Keys

BTC = 0
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def chain():
    with hardhat_node() as url:
        yield Chain(Keys(), connect(url))


def _positions(chain) -> None:
    """Both deposits in, BTC priced at block time, account 0 long 10 against account 1."""
    for _ in range(2):
        chain.submit(*chain.prove([chain.next_deposit()]))
    now = chain.w3.eth.get_block("latest")["timestamp"]
    w = chain.world
    w.state, w.clock = chain.state.copy(), now - 15  # the tick at now - 5
    res = process_batch(chain.state, [w.tick(BTC, 1_000)], now - 10)
    chain.submit(res, prove_batch(chain.pk, chain.state.params, res))
    w.state = chain.state.copy()
    chain.submit(*chain.prove([w.trade(BTC, 0, 1, 10, 1_000)]))


def test_a_proved_close_of_an_account_not_at_the_head_reverts(chain):
    _positions(chain)
    chain.l1.request_forced_exit(chain.users[1], 1)
    chain.l1.request_forced_exit(chain.users[0], 0)  # queued too, but behind account 1
    chain.sync()
    with pytest.raises(err.BadForcedClose):
        chain.prove([ForcedClose(BTC, 0, 1, 10)])
    with forced(err.BadForcedClose):  # the circuit has no queue rule: this (whole) close proves
        res, proof = chain.prove([ForcedClose(BTC, 0, 1, 10)])
    with pytest.raises(L1Error, match="NotExiting"):
        chain.l1.submit_batch(chain.operator, res.new_root, res.data, proof)
    chain.submit(*chain.prove([ForcedClose(BTC, 1, 0, 10)]))  # account 1's own close: fine
    chain.submit(*chain.prove([ForcedExit(1)]))
    chain.submit(*chain.prove([ForcedExit(0)]))
    functions = chain.l1.rollup.functions
    assert functions.pendingForcedExit(1).call() == 0 == functions.pendingForcedExit(0).call()
    assert chain.state.accounts[0].sizes[BTC] == 0 == chain.state.accounts[1].sizes[BTC]
