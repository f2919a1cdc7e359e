"""Attacker's review (attack2): the node's store as a hostile file, and soft-confirmation receipts.

``xfail(strict=True)`` tests assert the secure behaviour and fail today (findings); the others
show attacks that were stopped.
"""

from __future__ import annotations

import os
import sqlite3

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct

from rollup.errors import StateCodecError
from rollup.ledger import state_codec
from rollup.node.receipt import digest, low_s, sign_receipt, verify_receipt
from rollup.node.sequencer import Sequencer
from rollup.node.store import Store
from tests.node_helpers import PARAMS, node_dir

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
OPERATOR = Account.from_key(b"\x11" * 32)
ROLLUP = "0x" + "ab" * 20
TX = "0x" + "cd" * 32


class _Marker:
    """Unpickling this creates a directory: any code could run in its place."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (os.mkdir, (self.path,))


def test_a_hostile_store_does_not_run_code(tmp_path):
    """S1 (fixed): states are stored in rollup.ledger.state_codec's format; a pickled blob (an old
    store, or a hostile one) is refused with a typed error and never unpickled, at start-up and in
    the prover job."""
    cfg = node_dir(tmp_path / "node", key=False)
    marker = tmp_path / "code-ran"
    with sqlite3.connect(cfg.store_path) as db:  # what an attacker with the file (not the code) can do
        db.execute("UPDATE states SET blob = ? WHERE batch = -1", (__import__("pickle").dumps(_Marker(str(marker))),))
    store = Store(cfg.store_path)
    try:
        with pytest.raises(StateCodecError, match="old pickle format"):
            Sequencer(store, PARAMS, lambda seq, h, batch: {}, 1.0)
        with pytest.raises(StateCodecError, match="old pickle format"):
            state_codec.decode(store.state_after(-1)["blob"], PARAMS)
    finally:
        store.close()
    assert not marker.exists(), "unpickling the store's state ran the attacker's code"


def _malleated(signature: str) -> str:
    """The same ECDSA signature with s -> n - s and the recovery id flipped."""
    sig = bytes.fromhex(signature[2:])
    s, v = int.from_bytes(sig[32:64], "big"), sig[64]
    return "0x" + (sig[:32] + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - v])).hex()


def test_a_receipt_has_one_valid_signature():
    """C1 (fixed): receipts are signed and accepted with s ≤ n/2 only."""
    r = sign_receipt(OPERATOR, ROLLUP, 7, TX, 3)
    assert verify_receipt(r, OPERATOR.address, ROLLUP)
    twin = _malleated(r["signature"])
    assert (
        Account.recover_message(  # the twin does recover the operator: only the s ≤ n/2 rule stops it
            encode_defunct(primitive=digest(ROLLUP, 7, TX, 3)), signature=bytes.fromhex(twin[2:])
        )
        == OPERATOR.address
    )
    assert not verify_receipt({**r, "signature": twin}, OPERATOR.address, ROLLUP)
    assert low_s(*(int(twin[k : k + 64], 16) for k in (2, 66)), int(twin[130:], 16)).hex() == r["signature"][2:]


def test_stopped_receipt_forgeries_and_replays():
    """A receipt re-targeted to another deployment, seq, batch or transaction, or signed by someone else."""
    r = sign_receipt(OPERATOR, ROLLUP, 7, TX, 3)
    eve = Account.from_key(b"\x22" * 32)
    forged = sign_receipt(eve, ROLLUP, 7, TX, 3)
    assert not verify_receipt(forged, OPERATOR.address, ROLLUP)  # signed by eve
    assert not verify_receipt({**forged, "operator": OPERATOR.address}, OPERATOR.address, ROLLUP)
    assert not verify_receipt(r, OPERATOR.address, "0x" + "ac" * 20)  # replayed on another deployment
    for field, value in [("seq", 6), ("batch", 2), ("tx_hash", "0x" + "ce" * 32), ("seq", True), ("batch", 3.0)]:
        assert not verify_receipt({**r, field: value}, OPERATOR.address, ROLLUP), field
    assert not verify_receipt({**r, "signature": r["signature"][:-2] + "1b1b"}, OPERATOR.address)  # extra byte
    assert not verify_receipt({**r, "extra": 1}, OPERATOR.address)
