"""Slow: the gadgets through Groth16: a signed leaf update proved, verified, and forgeries refused."""

import pytest

from circuits.gadgets.eddsa import verify_eddsa_poseidon
from circuits.gadgets.merkle import index_bits, merkle_update
from circuits.gadgets.poseidon import poseidon
from circuits.native import eddsa
from circuits.native.merkle import SparseMerkleTree
from circuits.native.poseidon import poseidon as poseidon_native
from circuits.r1cs import ConstraintSystem, Mode
from prover.errors import UnsatisfiedConstraint
from prover.prove import create_proof
from tests.conftest import dev_setup
from verifier import verify_proof

pytestmark = pytest.mark.slow
KEY = b"trader".ljust(32, b"\0")
DEPTH, ARITY, INDEX = 4, 4, 37


class SignedUpdate:
    """Public: old root, new root. Private: a signed new leaf value and its Merkle path."""

    def __init__(self, tree=None, value=None, sig=None):
        self.tree, self.value, self.sig = tree, value, sig

    def generate_constraints(self, cs):
        prove = cs.mode is Mode.PROVE
        path = self.tree.path(INDEX).siblings if prove else [[None] * (ARITY - 1)] * DEPTH
        a = eddsa.public_key(KEY)
        old_leaf = self.tree.leaf(INDEX) if prove else None

        def w(name, v):
            return cs.new_witness(name, (lambda: v) if prove else None)

        old_root = cs.new_input("old_root", lambda: self.tree.root)
        new_root = cs.new_input("new_root", lambda: self._new_root())
        value = w("value", self.value)
        ax, ay = w("ax", a[0]), w("ay", a[1])
        rx, ry = w("rx", self.sig.r8[0] if prove else None), w("ry", self.sig.r8[1] if prove else None)
        verify_eddsa_poseidon(cs, (ax + 0, ay + 0), (rx + 0, ry + 0), w("s", self.sig.s if prove else None), value)
        leaf = poseidon(cs, [ax, ay, value], "leaf")
        sibs = [[w(f"s{k}.{j}", v) for j, v in enumerate(lv)] for k, lv in enumerate(path)]
        idx = index_bits(cs, INDEX, ARITY, DEPTH, "idx")
        root = merkle_update(cs, old_root, w("old_leaf", old_leaf), leaf, idx, sibs, ARITY, "upd")
        cs.enforce(root, cs.one(), new_root, "new_root")

    def _new_root(self):
        t = self.tree.copy()
        a = eddsa.public_key(KEY)
        t.set_leaf(INDEX, poseidon_native([a[0], a[1], self.value]))
        return t.root


def synth(circuit, mode):
    cs = ConstraintSystem(mode)
    circuit.generate_constraints(cs)
    return cs


def test_signed_update_end_to_end():
    tree = SparseMerkleTree(DEPTH, ARITY)
    tree.set_leaf(3, 99)
    m = synth(SignedUpdate(), Mode.SETUP).to_matrices()
    assert m.num_constraints == 3663 + 261 + 4 * (6 + 3 + 2 * 297) + 8 + 4 + 2 == 6350
    pk = dev_setup(m)
    honest = synth(SignedUpdate(tree, 500, eddsa.sign(KEY, 500)), Mode.PROVE)
    proof = create_proof(pk, honest.to_matrices(), honest.assignment())
    assert verify_proof(pk.vk, honest.public_inputs(), proof)
    old_root, new_root = honest.public_inputs()
    assert not verify_proof(pk.vk, [old_root, (new_root + 1) % (1 << 250)], proof)
    forged = synth(SignedUpdate(tree, 501, eddsa.sign(KEY, 500)), Mode.PROVE)  # signature for another value
    with pytest.raises(UnsatisfiedConstraint, match="eddsa"):
        create_proof(pk, forged.to_matrices(), forged.assignment())
