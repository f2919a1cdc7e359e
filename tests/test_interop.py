"""Interop with the pinned npm snarkjs and circom2, run by the tests themselves.

(1) a circom circuit (circomlib Poseidon Merkle path) proved by our prover is accepted
by `snarkjs groth16 verify` with our exported vk; (2) a snarkjs proof is accepted by our
verifier; (3) one of our circuits, handed to snarkjs as .r1cs + .wtns, is proved there
and verified here.
"""

import json

import pytest

from circuits.examples import SquareChainCircuit, synthesize
from circuits.iden3 import read_r1cs, read_wtns, write_r1cs, write_wtns
from prover.prove import create_proof
from tests.conftest import dev_setup
from tests.npm_tools import ToolFailed, compile_merkle_path, ptau, run, witness
from verifier import verify_proof
from verifier.formats import proof_from_json, proof_to_json, public_from_json, public_to_json, vk_from_json, vk_to_json

pytestmark = pytest.mark.interop
MERKLE_INPUT = '{"leaf": "7", "path": ["11", "13"], "index": ["1", "0"]}'


@pytest.fixture(scope="module")
def merkle(tmp_path_factory):
    work = compile_merkle_path(tmp_path_factory.mktemp("merkle"), depth=2)
    witness(work, MERKLE_INPUT)
    return work


@pytest.fixture(scope="module")
def small_ptau(tmp_path_factory):
    return ptau(tmp_path_factory.mktemp("ptau"), 9)


def test_circom_circuit_loads_and_is_pinned(merkle):
    m = read_r1cs(merkle / "main.r1cs")
    z = read_wtns(merkle / "main.wtns")
    assert (m.num_constraints, m.num_inputs) == (484, 2)  # 2 x Poseidon(2) at 240 + 2 bit checks
    assert m.which_is_unsatisfied(z) is None
    assert z[2] == 7  # public: [root (output), leaf]


def test_our_proof_of_a_circom_circuit_passes_snarkjs(merkle):
    m, z = read_r1cs(merkle / "main.r1cs"), read_wtns(merkle / "main.wtns")
    pk = dev_setup(m)
    proof = create_proof(pk, m, z)
    public = z[1 : 1 + m.num_inputs]
    (merkle / "ours_vk.json").write_text(json.dumps(vk_to_json(pk.vk)))
    (merkle / "ours_proof.json").write_text(json.dumps(proof_to_json(proof)))
    (merkle / "ours_public.json").write_text(json.dumps(public_to_json(public)))
    out = run("snarkjs", "groth16", "verify", "ours_vk.json", "ours_public.json", "ours_proof.json", cwd=merkle)
    assert "OK" in out
    (merkle / "ours_public.json").write_text(json.dumps(public_to_json([public[0], 8])))
    with pytest.raises(ToolFailed, match="Invalid proof"):
        run("snarkjs", "groth16", "verify", "ours_vk.json", "ours_public.json", "ours_proof.json", cwd=merkle)


def test_snarkjs_proof_passes_our_verifier(merkle, small_ptau):
    run("snarkjs", "groth16", "setup", "main.r1cs", small_ptau, "main.zkey", cwd=merkle)
    run("snarkjs", "zkey", "export", "verificationkey", "main.zkey", "vk.json", cwd=merkle)
    run("snarkjs", "groth16", "prove", "main.zkey", "main.wtns", "proof.json", "public.json", cwd=merkle)
    vk = vk_from_json((merkle / "vk.json").read_text())
    proof = proof_from_json((merkle / "proof.json").read_text())
    public = public_from_json((merkle / "public.json").read_text())
    assert verify_proof(vk, public, proof)
    assert not verify_proof(vk, [public[0], public[1] + 1], proof)


def test_our_circuit_proved_by_snarkjs(tmp_path, small_ptau):
    cs = synthesize(SquareChainCircuit(40, 12345))
    write_r1cs(cs.to_matrices(), tmp_path / "ours.r1cs")
    write_wtns(cs.assignment(), tmp_path / "ours.wtns")
    run("snarkjs", "wtns", "check", "ours.r1cs", "ours.wtns", cwd=tmp_path)
    run("snarkjs", "groth16", "setup", "ours.r1cs", small_ptau, "ours.zkey", cwd=tmp_path)
    run("snarkjs", "zkey", "export", "verificationkey", "ours.zkey", "vk.json", cwd=tmp_path)
    run("snarkjs", "groth16", "prove", "ours.zkey", "ours.wtns", "proof.json", "public.json", cwd=tmp_path)
    public = public_from_json((tmp_path / "public.json").read_text())
    assert public == cs.public_inputs()
    vk = vk_from_json((tmp_path / "vk.json").read_text())
    assert verify_proof(vk, public, proof_from_json((tmp_path / "proof.json").read_text()))
