"""SHA-256 and packing bindings: gadget == native (hashlib), tampering caught, counts pinned."""

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from circuits.errors import ParameterError
from circuits.gadgets.basic import alloc_bit, lc
from circuits.gadgets.binding import pack_public, sha256_commitment
from circuits.native import binding
from circuits.r1cs import ConstraintSystem, Mode


def data_bits(cs, data):
    return [lc(alloc_bit(cs, f"d{i}", lambda b=b: b)) for i, b in enumerate(binding.to_bits(data))]


@pytest.mark.parametrize("n", [0, 1, 55, 56, 63, 64, 119])
def test_sha256_matches_hashlib_at_padding_edges(n):
    data = bytes((7 * i + n) % 256 for i in range(n))
    cs = ConstraintSystem()
    out = sha256_commitment(cs, data_bits(cs, data))
    assert cs.value(out) == binding.sha256_commitment(data)
    assert binding.sha256_commitment(data) == int(hashlib.sha256(data).hexdigest(), 16) % 2**253
    assert cs.is_satisfied()


@settings(max_examples=4)
@given(data=st.binary(min_size=1, max_size=40), flip=st.integers(0, 319))
def test_sha256_commitment_binds_the_data(data, flip):
    """The digest is a public input: changing one data bit (or the digest) breaks a constraint."""
    cs = ConstraintSystem()
    digest = cs.new_input("digest", lambda: binding.sha256_commitment(data))
    out = sha256_commitment(cs, data_bits(cs, data))
    cs.enforce(out, cs.one(), digest, "bind")
    m, z = cs.to_matrices(), cs.assignment()
    assert m.which_is_unsatisfied(z) is None
    bad = list(z)
    pos = 2 + flip % (8 * len(data))  # z = [1, digest, d0, d1, ...]
    bad[pos] ^= 1
    assert m.which_is_unsatisfied(bad) is not None
    bad = list(z)
    bad[1] = (bad[1] + 1) % 2**253
    assert m.which_is_unsatisfied(bad) is not None


@given(data=st.binary(min_size=1, max_size=100))
def test_packing_matches_native(data):
    cs = ConstraintSystem()
    chunks = pack_public(cs, data_bits(cs, data))
    assert [cs.value(c) for c in chunks] == binding.pack_public(data) == cs.public_inputs()
    assert cs.is_satisfied()


def test_costs_are_pinned():
    def sha_cost(n):
        cs = ConstraintSystem(Mode.SETUP)
        sha256_commitment(cs, [lc(cs.new_witness(f"b{i}")) for i in range(8 * n)])
        return cs.num_constraints

    def pack_cost(n):
        cs = ConstraintSystem(Mode.SETUP)
        pack_public(cs, [lc(cs.new_witness(f"b{i}")) for i in range(8 * n)])
        return cs.num_constraints, cs.num_inputs

    assert sha_cost(55) == 25813  # one block
    assert sha_cost(119) == 25813 + 26416  # the second block starts from a variable state
    assert pack_cost(62) == (2, 2)
    with pytest.raises(ParameterError):
        pack_public(ConstraintSystem(Mode.SETUP), [lc(0)] * 7)
