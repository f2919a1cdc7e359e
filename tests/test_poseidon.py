"""Poseidon: constants and outputs equal circomlib's; gadget == native twin; tampering fails."""

import json
import random
import subprocess

import pytest
from hypothesis import given
from hypothesis import strategies as st

from circuits.errors import ParameterError
from circuits.field import R
from circuits.gadgets.poseidon import poseidon as poseidon_gadget
from circuits.native.poseidon import poseidon
from circuits.poseidon_constants import poseidon_params
from circuits.r1cs import ConstraintSystem, Mode
from tests.npm_tools import ROOT

CONSTANTS = ROOT / "node_modules" / "circomlibjs" / "src" / "poseidon_constants.json"
# constraints per arity (1..16), as circomlib's Poseidon(n) compiles with --O2 for n = 2
PINNED = [213, 240, 261, 297, 321, 354, 381, 402, 417, 459, 465, 504, 543, 537, 573, 609]


def test_outside_vector():
    assert poseidon([1, 2]) == 0x115CC0F5E7D690413DF64C6B9662E9CF2A3617F2743245519E19607A4417189A


def _check_width(t):
    ref = json.loads(CONSTANTS.read_text())
    p = poseidon_params(t)
    assert list(p.round_constants) == [int(c, 16) for c in ref["C"][t - 2]]
    assert [list(row) for row in p.mds] == [[int(c, 16) for c in row] for row in ref["M"][t - 2]]


@pytest.mark.parametrize("t", [2, 3, 5, 17])
def test_constants_equal_circomlibjs(t):
    _check_width(t)


@pytest.mark.slow
@pytest.mark.parametrize("t", range(2, 18))
def test_constants_equal_circomlibjs_every_width(t):
    _check_width(t)


NODE_VECTORS = """
import { buildPoseidonReference } from "circomlibjs";
const poseidon = await buildPoseidonReference();
const cases = JSON.parse(process.argv[1]);
console.log(JSON.stringify(cases.map(c => poseidon.F.toString(poseidon(c)))));
"""


def test_vectors_from_circomlibjs_every_arity():
    rng = random.Random(2026)
    cases = [[rng.randrange(R) for _ in range(n)] for n in range(1, 17)]
    cases += [[0], [R - 1, R - 1], [0] * 16]
    out = subprocess.run(
        ["node", "--input-type=module", "-e", NODE_VECTORS, json.dumps([[str(v) for v in c] for c in cases])],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    expected = [int(v) for v in json.loads(out.stdout)]
    for case, want in zip(cases, expected, strict=True):
        assert poseidon(case) == want
        cs = ConstraintSystem()
        ins = [cs.new_witness(f"in{i}", lambda v=v: v) for i, v in enumerate(case)]
        assert cs.value(poseidon_gadget(cs, ins)) == want and cs.is_satisfied()


def test_constraint_counts_are_pinned():
    for n, want in enumerate(PINNED, start=1):
        cs = ConstraintSystem(Mode.SETUP)
        poseidon_gadget(cs, [cs.new_witness(f"in{i}") for i in range(n)])
        assert cs.num_constraints == want, n


def test_constant_inputs_cost_less():
    cs = ConstraintSystem(Mode.SETUP)
    poseidon_gadget(cs, [cs.new_witness("a"), 7])  # a constant input skips its first-round S-box
    assert cs.num_constraints == 240 - 3


def test_bad_arity_is_typed():
    with pytest.raises(ParameterError):
        poseidon([])
    with pytest.raises(ParameterError):
        poseidon(list(range(17)))
    with pytest.raises(ParameterError):
        poseidon_gadget(ConstraintSystem(), [])


fr = st.integers(min_value=0, max_value=R - 1)


@given(st.lists(fr, min_size=1, max_size=4), st.data())
def test_gadget_equals_native_and_tampering_is_caught(values, data):
    cs = ConstraintSystem()
    ins = [cs.new_input(f"in{i}", lambda v=v: v) for i, v in enumerate(values)]
    out = poseidon_gadget(cs, ins)
    digest = cs.new_input("digest", lambda: cs.value(out))
    cs.enforce(out, cs.one(), digest, "digest")
    assert cs.value(digest) == poseidon(values)
    m, z = cs.to_matrices(), cs.assignment()
    assert m.which_is_unsatisfied(z) is None
    i = data.draw(st.integers(1, len(z) - 1))
    bad = list(z)
    bad[i] = (bad[i] + data.draw(st.integers(1, R - 1))) % R
    assert m.which_is_unsatisfied(bad) is not None
