"""Compile once, prove many: witness-only synthesis against matrices kept from SETUP mode."""

import pytest

from circuits.errors import SynthesisError
from circuits.examples import CubicCircuit, SquareChainCircuit, synthesize, witness_only
from circuits.r1cs import ConstraintSystem, Mode
from prover.compiled import CompiledCircuit
from prover.errors import UnsatisfiedConstraint
from tests.conftest import dev_setup
from verifier import verify_proof


def test_witness_only_equals_the_prove_mode_assignment():
    for circuit in (CubicCircuit(7), SquareChainCircuit(30, 5)):
        assert witness_only(circuit) == synthesize(circuit).assignment()


def test_compiled_circuit_proves_many_witnesses():
    compiled = CompiledCircuit.of(SquareChainCircuit(30))
    pk = dev_setup(compiled.matrices)
    for x in (2, 3):
        circuit = SquareChainCircuit(30, x)
        timings = {}
        proof = compiled.prove(pk, circuit, timings=timings)
        assert verify_proof(pk.vk, synthesize(circuit).public_inputs(), proof)
        assert "witness" in timings


class _Lying(CubicCircuit):
    """The cubic circuit whose 'cube' witness is off by one: its code path is the compiled one."""

    def generate_constraints(self, cs):
        x_val = self.x
        out = cs.new_input("out", lambda: x_val**3 + x_val + 5)
        x = cs.new_witness("x", lambda: x_val)
        sq = cs.new_witness("sq", lambda: x_val * x_val)
        cube = cs.new_witness("cube", lambda: x_val**3 + 1)
        cs.enforce(x, x, sq, "x*x=sq")
        cs.enforce(sq, x, cube, "sq*x=cube")
        cs.enforce(cube + x + 5, cs.one(), out, "cube+x+5=out")


def test_a_wrong_witness_is_named():
    compiled = CompiledCircuit.of(CubicCircuit())
    pk = dev_setup(compiled.matrices)
    with pytest.raises(UnsatisfiedConstraint, match="sq\\*x=cube"):
        compiled.prove(pk, _Lying(3))


def test_witness_only_system_has_no_matrices():
    with pytest.raises(SynthesisError):
        ConstraintSystem(Mode.SETUP, record_constraints=False)
    cs = ConstraintSystem(Mode.PROVE, record_constraints=False)
    CubicCircuit(3).generate_constraints(cs)
    assert cs.num_constraints == 0 and cs.assignment() == [1, 35, 3, 9, 27]
    with pytest.raises(SynthesisError):
        cs.to_matrices()


@pytest.mark.parametrize("length", ["2", 0, -1, 2.0, True])
def test_a_bad_chain_length_is_a_synthesis_error(length):
    with pytest.raises(SynthesisError, match="integer length"):
        synthesize(SquareChainCircuit(length), Mode.SETUP)
