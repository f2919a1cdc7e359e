"""Typed errors of the prover package (and the dev setup's warning, importable without numba)."""

INSECURE_WARNING = (
    "WARNING: zkdx dev setup: the toxic waste (tau, alpha, beta, gamma, delta) was generated "
    "in this process. Keys from this setup are INSECURE: whoever ran it can forge proofs."
)


class InsecureSetupWarning(UserWarning):
    """Raised (as a warning) by every dev-trapdoor setup."""


class ProverError(Exception):
    """Base class of every error raised by ``prover``."""


class UnsatisfiedConstraint(ProverError):
    """The assignment violates a constraint; ``name`` is the first one that fails."""

    def __init__(self, name: str) -> None:
        super().__init__(f"assignment does not satisfy constraint {name!r}")
        self.name = name


class KeyMismatch(ProverError):
    """A proving key was used with a circuit or assignment it was not made for."""


class KeyFormatError(ProverError):
    """A proving key file is truncated, corrupt, or of an unknown version."""


class ZkeyFormatError(KeyFormatError):
    """A snarkjs ``.zkey`` file is truncated, inconsistent, or holds a point off the curve."""


class DomainError(ProverError):
    """No radix-2 evaluation domain of the requested size exists in the field."""


class MsmInputError(ProverError):
    """Bases and scalars of a multi-scalar multiplication do not match."""


class SetupError(ProverError):
    """The circuit-specific setup cannot run with these parameters (e.g. τ in the domain)."""


class ConfigError(ProverError):
    """An environment setting the prover reads (``ZKDX_WORKERS``) is not valid."""
