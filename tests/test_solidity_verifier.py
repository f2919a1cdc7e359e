"""The rendered Solidity verifier on the in-process EVM agrees with the Python verifier."""

from __future__ import annotations

import pytest
from py_ecc.optimized_bn128 import field_modulus, normalize

from circuits.field import R
from rollup.l1.solc import compile_sources, warnings_of
from tests.test_verifier_malformed import _g2_off_subgroup
from verifier.formats import proof_to_calldata
from verifier.solidity import HEADER, render_verifier

web3 = pytest.importorskip("web3")
Q = field_modulus


@pytest.fixture(scope="module")
def deployed(cubic_key):
    _, pk = cubic_key
    src = render_verifier(pk.vk)
    art = compile_sources({"Groth16Verifier.sol": src})["Groth16Verifier"]
    w3 = web3.Web3(web3.EthereumTesterProvider())
    tx = w3.eth.contract(abi=art["abi"], bytecode=art["bytecode"]).constructor().transact({"from": w3.eth.accounts[0]})
    address = w3.eth.wait_for_transaction_receipt(tx).contractAddress
    return w3, w3.eth.contract(address=address, abi=art["abi"]), src


def _args(words, public):
    return [words[0], words[1]], [[words[2], words[3]], [words[4], words[5]]], [words[6], words[7]], list(public)


def _call(contract, words, public) -> bool:
    return contract.functions.verifyProof(*_args(words, public)).call()


def test_source_is_marked_generated_and_compiles_without_warnings(deployed):
    _, _, src = deployed
    assert src.startswith(HEADER) and "0x08" in src and "0x07" in src and "0x06" in src
    assert warnings_of({"Groth16Verifier.sol": src}) == []


def test_valid_proof_is_accepted_in_a_transaction(deployed, cubic_proof):
    w3, contract, _ = deployed
    proof, public = cubic_proof
    words = proof_to_calldata(proof)
    assert _call(contract, words, public)
    tx = contract.functions.verifyProof(*_args(words, public)).transact({"from": w3.eth.accounts[0], "gas": 400_000})
    assert w3.eth.wait_for_transaction_receipt(tx).status == 1


def _off_curve(w):
    return [w[0], (w[1] + 1) % Q, *w[2:]]


def _b_outside_subgroup(w):
    x, y, z = _g2_off_subgroup()
    (bx, by) = normalize((x, y, z))
    return [*w[:2], int(bx.coeffs[1]), int(bx.coeffs[0]), int(by.coeffs[1]), int(by.coeffs[0]), *w[6:]]


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda w, p: (w, [p[0] + 1]), id="wrong public input"),
        pytest.param(lambda w, p: (w, [p[0] + R]), id="public input >= r"),
        pytest.param(lambda w, p: (_off_curve(w), p), id="A off the curve"),
        pytest.param(lambda w, p: ([w[0], w[1] + Q, *w[2:]], p), id="A.y >= q (same point)"),
        pytest.param(lambda w, p: ([*w[:6], w[6] + Q, w[7]], p), id="C.x >= q"),
        pytest.param(lambda w, p: ([*w[:2], w[2] + Q, *w[3:]], p), id="B coordinate >= q"),
        pytest.param(lambda w, p: (_b_outside_subgroup(w), p), id="B outside the subgroup"),
        pytest.param(lambda w, p: ([w[6], w[7], *w[2:6], w[0], w[1]], p), id="A and C swapped"),
    ],
)
def test_invalid_or_malformed_proofs_are_rejected(deployed, cubic_proof, tamper):
    _, contract, _ = deployed
    proof, public = cubic_proof
    words, inputs = tamper(proof_to_calldata(proof), public)
    if all(w < 2**256 for w in words + inputs):
        assert _call(contract, words, inputs) is False
    else:  # not even ABI-encodable as uint256
        with pytest.raises(Exception):  # noqa: B017
            _call(contract, words, inputs)
