"""Small example circuits for the demo, the tests and the benchmarks.

A circuit is data plus one method, ``generate_constraints(cs)``; witness values
come from closures that only PROVE mode calls, so SETUP and PROVE share one path.
"""

from __future__ import annotations

from dataclasses import dataclass

from circuits.errors import SynthesisError
from circuits.field import R
from circuits.r1cs import ConstraintSystem, Mode


@dataclass(frozen=True)
class CubicCircuit:
    """Knowledge of x with x^3 + x + 5 = out.  Public: out.  Three constraints:
    x·x = sq, sq·x = cube, (cube + x + 5)·1 = out."""

    x: int | None = None

    def generate_constraints(self, cs: ConstraintSystem) -> None:
        x_val = self.x
        out = cs.new_input("out", lambda: x_val**3 + x_val + 5)
        x = cs.new_witness("x", lambda: x_val)
        sq = cs.new_witness("sq", lambda: x_val * x_val)
        cube = cs.new_witness("cube", lambda: x_val**3)
        cs.enforce(x, x, sq, "x*x=sq")
        cs.enforce(sq, x, cube, "sq*x=cube")
        cs.enforce(cube + x + 5, cs.one(), out, "cube+x+5=out")


@dataclass(frozen=True)
class SquareChainCircuit:
    """w_0 = x (private), w_(i+1) = w_i^2 + i + 1; public: x·x (a 'seed') and w_length.
    ``length + 1`` constraints; used for sizing benchmarks and property tests."""

    length: int
    x: int | None = None

    def generate_constraints(self, cs: ConstraintSystem) -> None:
        if type(self.length) is not int or self.length < 1:
            raise SynthesisError(f"SquareChainCircuit needs an integer length >= 1, got {self.length!r:.40}")
        values = self._values() if cs.mode is Mode.PROVE else None
        seed = cs.new_input("seed", lambda: values[0] * values[0])
        out = cs.new_input("out", lambda: values[-1])
        w = cs.new_witness("w0", lambda: values[0])
        cs.enforce(w, w, seed, "seed")
        for i in range(self.length):
            nxt = cs.new_witness(f"w{i + 1}", lambda i=i: values[i + 1])
            cs.enforce(w, w, nxt - (i + 1), f"step{i}")
            w = nxt
        cs.enforce(w, cs.one(), out, "out")

    def _values(self) -> list[int]:
        if self.x is None:
            raise SynthesisError("SquareChainCircuit: x is required to prove")
        vals = [self.x % R]
        for i in range(self.length):
            vals.append((vals[-1] ** 2 + i + 1) % R)
        return vals


def synthesize(circuit: object, mode: Mode = Mode.PROVE) -> ConstraintSystem:
    """Run a circuit's constraint generation in one mode and return the system."""
    cs = ConstraintSystem(mode)
    circuit.generate_constraints(cs)  # type: ignore[attr-defined]
    return cs


def witness_only(circuit: object) -> list[int]:
    """The assignment z of a circuit, without recording its constraints (see ``ConstraintSystem``)."""
    cs = ConstraintSystem(Mode.PROVE, record_constraints=False)
    circuit.generate_constraints(cs)  # type: ignore[attr-defined]
    return cs.assignment()


EXAMPLES = {"cubic": CubicCircuit, "square-chain": SquareChainCircuit}
