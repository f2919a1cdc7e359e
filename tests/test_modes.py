"""Every gadget wires the same matrices in SETUP mode (no values) as in PROVE mode."""

import pytest

from circuits.gadgets import babyjubjub as bj
from circuits.gadgets import basic, bits
from circuits.gadgets.binding import pack_public, sha256_commitment
from circuits.gadgets.eddsa import verify_eddsa_poseidon
from circuits.gadgets.merkle import index_bits, merkle_update
from circuits.gadgets.poseidon import poseidon
from circuits.native import eddsa
from circuits.native.merkle import SparseMerkleTree
from circuits.r1cs import ConstraintSystem, Mode


def var(cs, name, value):
    return cs.new_witness(name, (lambda: value) if cs.mode is Mode.PROVE else None)


def g_basic(cs):
    x, y = var(cs, "x", 5), var(cs, "y", 9)
    basic.select(cs, var(cs, "c", 1), x, y, "s")
    basic.is_equal(cs, x, y, "e")
    bits.less_than(cs, x, y, 8, "lt")
    bits.divmod_const(cs, y, 4, 8, "d")
    bits.to_bits_strict(cs, x, "strict")


def g_poseidon(cs):
    poseidon(cs, [var(cs, f"i{k}", k) for k in range(5)])


def g_merkle(cs):
    tree = SparseMerkleTree(3, 4)
    tree.set_leaf(7, 11)
    path = tree.path(7)
    sibs = [[var(cs, f"s{k}.{j}", v) for j, v in enumerate(lv)] for k, lv in enumerate(path.siblings)]
    idx = index_bits(cs, 7 if cs.mode is Mode.PROVE else None, 4, 3, "i")
    merkle_update(cs, var(cs, "root", tree.root), var(cs, "old", 11), var(cs, "new", 12), idx, sibs, 4, "u")


def g_eddsa(cs):
    a = eddsa.public_key(b"m" * 32)
    sig = eddsa.sign(b"m" * 32, 5)
    pt = [var(cs, n, v) + 0 for n, v in (("ax", a[0]), ("ay", a[1]), ("rx", sig.r8[0]), ("ry", sig.r8[1]))]
    verify_eddsa_poseidon(cs, (pt[0], pt[1]), (pt[2], pt[3]), var(cs, "s", sig.s), var(cs, "m", 5))
    bj.assert_in_subgroup(cs, (pt[0], pt[1]), "sub")


def g_binding(cs):
    data = [basic.alloc_bit(cs, f"b{i}", (lambda i=i: i % 2) if cs.mode is Mode.PROVE else None) + 0 for i in range(80)]
    sha256_commitment(cs, data)
    pack_public(cs, data)


@pytest.mark.parametrize("build", [g_basic, g_poseidon, g_merkle, g_eddsa, g_binding], ids=lambda f: f.__name__)
def test_setup_and_prove_matrices_agree(build):
    setup_cs, prove_cs = ConstraintSystem(Mode.SETUP), ConstraintSystem(Mode.PROVE)
    build(setup_cs)
    build(prove_cs)
    assert setup_cs.to_matrices() == prove_cs.to_matrices()
    assert prove_cs.is_satisfied()
