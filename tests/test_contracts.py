"""Contract sources compile to the committed artifacts; Poseidon on L1 equals the circuit's."""

from __future__ import annotations

import random

import pytest

from circuits.native.poseidon import poseidon
from rollup.l1.client import connect
from rollup.l1.contracts import BUILT, build, generated_sources, load_artifact, sources
from rollup.l1.poseidon_sol import deploy_bytecode, render_poseidon
from rollup.l1.solc import compile_sources


def test_sources_compile_to_the_committed_artifacts():
    assert {k: v for k, v in sources().items() if k in generated_sources()} == generated_sources()
    built = build()
    for name in BUILT:
        assert built[name] == load_artifact(name), f"{name}: run `python -m rollup.l1.contracts` and commit"


@pytest.mark.parametrize("n_inputs", [2, 4])
def test_poseidon_on_l1_matches_native(n_inputs):
    t = n_inputs + 1
    art = compile_sources({f"PoseidonT{t}.sol": render_poseidon(n_inputs)})[f"PoseidonT{t}"]
    w3 = connect()
    code = "0x" + deploy_bytecode(art["deployed"], n_inputs)
    tx = w3.eth.send_transaction({"from": w3.eth.accounts[0], "data": code, "gas": 10_000_000})
    h = w3.eth.contract(address=w3.eth.wait_for_transaction_receipt(tx).contractAddress, abi=art["abi"])
    rng = random.Random(n_inputs)
    cases = [[1, 2]] if n_inputs == 2 else []
    cases += [[rng.randrange(1 << 254) % (1 << 253) for _ in range(n_inputs)] for _ in range(3)]
    cases += [[0] * n_inputs]
    for xs in cases:
        assert h.functions.hash(xs).call() == poseidon(xs)
    with pytest.raises(Exception):  # noqa: B017 (an input >= r reverts)
        h.functions.hash([2**256 - 1] * n_inputs).call()


def test_poseidon_sparse_form_equals_the_plain_permutation():
    from circuits.native.poseidon import poseidon_permutation
    from rollup.l1.poseidon_opt import permutation

    rng = random.Random(7)
    for t in (3, 5, 9):
        state = [rng.randrange(1 << 254) for _ in range(t)]
        assert permutation(state) == poseidon_permutation(state)
