"""zkdx circuits: the scalar field, R1CS constraint systems, iden3 file formats and gadgets.

This package knows the BN254 scalar field only; it never imports the prover,
the verifier or the rollup.
"""

from circuits.field import R
from circuits.r1cs import ConstraintSystem, LinearCombination, Mode, R1CSMatrices, Variable

__all__ = ["R", "ConstraintSystem", "LinearCombination", "Mode", "R1CSMatrices", "Variable"]
