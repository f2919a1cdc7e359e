"""Soft confirmations: an operator-signed receipt verifies for that operator and deployment only,
any changed field breaks it, and malformed receipts are rejected without raising."""

from __future__ import annotations

import pytest
from eth_account import Account
from hypothesis import given
from hypothesis import strategies as st

from rollup.node.receipt import digest, sign_receipt, verify_receipt

OPERATOR = Account.from_key(b"\x11" * 32)
ROLLUP = "0x" + "ab" * 20
TX = "0x" + "cd" * 32


@pytest.fixture(scope="module")
def receipt():
    return sign_receipt(OPERATOR, ROLLUP, 7, TX, 3)


def test_a_receipt_verifies_for_its_operator_and_rollup(receipt):
    assert verify_receipt(receipt, OPERATOR.address, ROLLUP)
    assert verify_receipt(receipt, OPERATOR.address.lower())  # any address spelling; rollup optional
    assert not verify_receipt(receipt, Account.from_key(b"\x22" * 32).address)
    assert not verify_receipt(receipt, OPERATOR.address, "0x" + "ef" * 20)


@pytest.mark.parametrize(
    "field, value",
    [("seq", 8), ("batch", 4), ("tx_hash", "0x" + "ce" * 32), ("rollup", "0x" + "ac" * 20), ("operator", ROLLUP)],
)
def test_any_changed_field_breaks_the_receipt(receipt, field, value):
    assert not verify_receipt({**receipt, field: value}, OPERATOR.address)


def test_the_digest_is_the_abi_encoding_a_contract_would_hash():
    from eth_abi import encode
    from eth_utils import keccak

    words = encode(["address", "uint256", "bytes32", "uint256"], [ROLLUP, 7, bytes.fromhex(TX[2:]), 3])
    assert digest(ROLLUP, 7, TX, 3) == keccak(words) and len(words) == 128


JUNK = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=80), st.binary(max_size=70))


@given(field=st.sampled_from(["rollup", "seq", "tx_hash", "batch", "operator", "signature"]), value=JUNK)
def test_malformed_receipts_are_invalid_not_errors(receipt, field, value):
    assert verify_receipt({**receipt, field: value}, OPERATOR.address) is False or value == receipt[field]


@given(junk=st.one_of(JUNK, st.dictionaries(st.text(max_size=10), JUNK, max_size=8)))
def test_anything_else_is_invalid(junk):
    assert verify_receipt(junk, OPERATOR.address) is False
