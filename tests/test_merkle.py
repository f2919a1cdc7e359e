"""Sparse Merkle tree: native tree == gadget, updates, tampering, pinned counts."""

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from circuits.errors import ParameterError, RangeError
from circuits.gadgets.merkle import index_bits, merkle_root, merkle_update
from circuits.native.merkle import MerklePath, SparseMerkleTree, root_from_path
from circuits.native.poseidon import poseidon
from circuits.r1cs import ConstraintSystem, Mode

SHAPES = [(2, 5), (4, 3)]


def test_empty_tree_roots_are_zero_hashes():
    t = SparseMerkleTree(2, 2)
    z1 = poseidon([0, 0])
    assert t.root == poseidon([z1, z1])
    t.set_leaf(3, 9)
    assert t.root == poseidon([z1, poseidon([0, 9])])
    c = t.copy()
    t.set_leaf(3, 0)  # back to empty: nothing stored
    assert t.root == poseidon([z1, z1]) and t.stored_nodes == 0
    assert c.root == poseidon([z1, poseidon([0, 9])]) and c.leaf(3) == 9


def _update_circuit(cs, arity, depth, idx, old_root, old_leaf, new_leaf, path):
    r = cs.new_input("old_root", lambda: old_root)
    ol = cs.new_witness("old_leaf", lambda: old_leaf)
    nl = cs.new_witness("new_leaf", lambda: new_leaf)
    sibs = [[cs.new_witness(f"s{k}.{j}", lambda v=v: v) for j, v in enumerate(lv)] for k, lv in enumerate(path)]
    bits = index_bits(cs, idx, arity, depth, "idx")
    new_root = merkle_update(cs, r, ol, nl, bits, sibs, arity, "upd")
    out = cs.new_input("new_root", lambda: cs.value(new_root))
    cs.enforce(new_root, cs.one(), out, "new_root")
    return cs


@pytest.mark.parametrize("arity,depth", SHAPES)
@settings(max_examples=8)
@given(seed=st.integers(0, 2**32), data=st.data())
def test_update_gadget_matches_native_and_rejects_tampering(arity, depth, seed, data):
    rng = random.Random(seed)
    tree = SparseMerkleTree(depth, arity)
    for _ in range(rng.randrange(0, 8)):
        tree.set_leaf(rng.randrange(arity**depth), rng.randrange(1, 10**12))
    idx = rng.randrange(arity**depth)
    path, old_root, old_leaf = tree.path(idx), tree.root, tree.leaf(idx)
    assert root_from_path(old_leaf, path, arity) == old_root
    new_leaf = rng.randrange(10**12)
    tree.set_leaf(idx, new_leaf)
    cs = _update_circuit(ConstraintSystem(), arity, depth, idx, old_root, old_leaf, new_leaf, path.siblings)
    assert cs.is_satisfied() and cs.public_inputs() == [old_root, tree.root]
    m, z = cs.to_matrices(), cs.assignment()
    # a wrong old root, a different old leaf, a different sibling or index bit: some constraint fails
    target = data.draw(st.sampled_from(["old_root", "old_leaf", "s0.0", f"s{depth - 1}.0", "idx.idx0"]))
    pos = next(i for i in range(len(z)) if _name(cs, i) == target)
    bad = list(z)
    bad[pos] = (bad[pos] + 1) % (1 << 2) if target.startswith("idx") else bad[pos] + 1
    assert m.which_is_unsatisfied(bad) is not None


def _name(cs, z_index):
    return cs.variable_name(z_index)


@pytest.mark.parametrize("arity,depth", SHAPES)
def test_membership_gadget(arity, depth):
    tree = SparseMerkleTree(depth, arity)
    tree.set_leaf(5, 77)
    cs = ConstraintSystem()
    leaf = cs.new_witness("leaf", lambda: 77)
    path = tree.path(5)
    sibs = [
        [cs.new_witness(f"s{k}.{j}", lambda v=v: v) for j, v in enumerate(lv)] for k, lv in enumerate(path.siblings)
    ]
    root = merkle_root(cs, leaf, index_bits(cs, 5, arity, depth, "i"), sibs, arity, "m")
    assert cs.value(root) == tree.root and cs.is_satisfied()


def test_update_counts_are_pinned():
    """Constraints per update: a level places the old node (1 or 6), moves it to the new one (arity - 1),
    hashes both paths with Poseidon(arity); plus index bits (and indicators) and 1 root check."""

    def count(arity, depth):
        cs = ConstraintSystem(Mode.SETUP)
        sibs = [[cs.new_witness(f"s{k}{j}") for j in range(arity - 1)] for k in range(depth)]
        bits = index_bits(cs, None, arity, depth, "i")
        merkle_update(cs, cs.new_input("r"), cs.new_witness("o"), cs.new_witness("n"), bits, sibs, arity, "u")
        return cs.num_constraints

    assert count(2, 20) == 20 + 20 * 2 * (1 + 240) + 1 == 9661
    assert count(4, 10) == 20 + 10 + 10 * (6 + 3 + 2 * 297) + 1 == 6061


def test_bad_shapes_and_indices():
    with pytest.raises(ParameterError):
        SparseMerkleTree(3, 3)
    with pytest.raises(RangeError):
        SparseMerkleTree(2, 2).set_leaf(4, 1)
    with pytest.raises(RangeError):
        root_from_path(1, MerklePath(-1, ((0,),)), 2)
    cs = ConstraintSystem(Mode.SETUP)
    with pytest.raises(ParameterError):
        merkle_root(cs, 0, [], [[0, 0]], 2, "m")  # two siblings for arity 2
