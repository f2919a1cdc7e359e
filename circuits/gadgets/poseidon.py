"""Poseidon gadget: the native permutation as constraints, one S-box at a time.

Each S-box x^5 on a non-constant value costs 3 constraints (x·x = x2, x2·x2 = x4,
x4·x = x5); the ARK and MDS layers are linear and free.  An S-box on a constant
(e.g. the first round on the zero capacity element) costs nothing, which is how
Poseidon(2) (t = 3) comes to 240 constraints, as circomlib's template.
"""

from __future__ import annotations

from collections.abc import Sequence

from circuits.errors import ParameterError
from circuits.field import R
from circuits.poseidon_constants import MAX_WIDTH, poseidon_params
from circuits.r1cs import ConstraintSystem, LCLike, LinearCombination, as_terms


def sbox(cs: ConstraintSystem, x: LinearCombination, name: str) -> LinearCombination:
    """x^5 with three named constraints, or a constant when x is constant."""
    k = x.constant_value()
    if k is not None:
        return LinearCombination.constant(pow(k, 5, R))
    x2 = cs.new_witness(f"{name}.x2", lambda: cs.value(x) ** 2)
    x4 = cs.new_witness(f"{name}.x4", lambda: cs.value(x2) ** 2)
    x5 = cs.new_witness(f"{name}.x5", lambda: cs.value(x4) * cs.value(x))
    cs.enforce(x, x, x2, f"{name}.x2")
    cs.enforce(x2, x2, x4, f"{name}.x4")
    cs.enforce(x4, x, x5, f"{name}.x5")
    return LinearCombination(x5.terms())


def poseidon_permutation(cs: ConstraintSystem, state: Sequence[LCLike]) -> list[LinearCombination]:
    p = poseidon_params(len(state))
    t, half = p.t, p.full_rounds // 2
    s = [LinearCombination(as_terms(v)) for v in state]
    for r in range(p.full_rounds + p.partial_rounds):
        s = [v + p.round_constants[r * t + i] for i, v in enumerate(s)]
        full = r < half or r >= half + p.partial_rounds
        s = [sbox(cs, v, f"r{r}.s{i}") if (full or i == 0) else v for i, v in enumerate(s)]
        s = [_mix(row, s) for row in p.mds]
    return s


def _mix(row: Sequence[int], s: list[LinearCombination]) -> LinearCombination:
    acc: dict[int, int] = {}
    for m, v in zip(row, s):
        for k, c in v.terms().items():
            acc[k] = acc.get(k, 0) + m * c
    return LinearCombination._clean({k: c % R for k, c in acc.items() if c % R})


def poseidon(cs: ConstraintSystem, inputs: Sequence[LCLike], name: str = "poseidon") -> LinearCombination:
    """Poseidon hash of 1..16 inputs as a linear combination (no output constraint added)."""
    if not 1 <= len(inputs) <= MAX_WIDTH - 1:
        raise ParameterError(f"Poseidon takes 1..{MAX_WIDTH - 1} inputs, got {len(inputs)}")
    with cs.namespace(name):
        return poseidon_permutation(cs, [0, *inputs])[0]
