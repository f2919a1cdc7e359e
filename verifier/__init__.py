"""zkdx verifier: Groth16 over BN254 on py_ecc, the trusted base of the rollup.

It imports only py_ecc and its own modules, and mirrors the Solidity verifier.
"""

from verifier.errors import (
    MalformedError,
    MalformedKeyError,
    MalformedPointError,
    MalformedProofError,
    PublicInputError,
    VerifierError,
)
from verifier.groth16 import verify_proof
from verifier.types import Proof, VerifyingKey

__all__ = [
    "MalformedError",
    "MalformedKeyError",
    "MalformedPointError",
    "MalformedProofError",
    "Proof",
    "PublicInputError",
    "VerifierError",
    "VerifyingKey",
    "verify_proof",
]
