"""Slow: a batch of four trades through Groth16 (setup, prove, Python verify), and forgeries refused."""

from __future__ import annotations

import pytest

from circuits.ledger.params import LedgerParams
from rollup.ledger.batch import process_batch
from rollup.ledger.demo import funded_world, trades
from rollup.pipeline import prove_batch, setup_batch, verify_batch
from verifier import verify_proof

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::prover.setup.InsecureSetupWarning")]
PARAMS = LedgerParams(depth=8, batch_size=4)  # 2^16 accounts


def four_trades():
    w, start = funded_world(PARAMS)
    return start, process_batch(start, trades(w, 4))


def test_four_trades_prove_and_verify():
    start, res = four_trades()
    pk = setup_batch(PARAMS, quiet=True)
    proof = prove_batch(pk, PARAMS, res)
    assert verify_batch(pk.vk, res, proof)
    assert not verify_proof(pk.vk, [res.public_input ^ 1], proof)  # other data or roots
    other = process_batch(start, [])  # an empty batch from the same state
    assert not verify_batch(pk.vk, other, proof)
