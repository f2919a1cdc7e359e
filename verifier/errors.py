"""Typed errors of the verifier.

"Invalid" is not "malformed": ``verify_proof`` returns False for a well-formed proof
that does not verify, and raises one of these for input it cannot interpret.
"""


class VerifierError(Exception):
    """Base class of every error raised by ``verifier``."""


class MalformedError(VerifierError, ValueError):
    """Input that is not a well-formed object of its kind."""


class MalformedPointError(MalformedError):
    """A coordinate >= p, a point off the curve, or a G2 point outside the r-torsion subgroup."""


class MalformedProofError(MalformedError):
    """A proof that cannot be parsed or holds malformed points."""


class MalformedKeyError(MalformedError):
    """A verifying key that cannot be parsed or holds malformed points."""


class PublicInputError(MalformedError):
    """Public inputs of the wrong count, type, or not below r."""
