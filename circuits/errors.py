"""Typed errors of the circuits package."""


class CircuitError(Exception):
    """Base class of every error raised by ``circuits``."""


class SynthesisError(CircuitError):
    """A circuit could not be synthesized (bad wiring, a value closure failed, wrong mode)."""


class AssignmentMissing(SynthesisError):
    """A value was requested in SETUP mode, or a closure returned nothing."""


class FileFormatError(CircuitError):
    """An iden3 ``.r1cs`` or ``.wtns`` file is truncated, corrupt or unsupported."""


class WitnessMismatch(CircuitError):
    """A witness does not fit its constraint system (length, field, or values)."""


class ParameterError(CircuitError, ValueError):
    """A gadget was asked for parameters it does not support (e.g. a Poseidon width)."""


class RangeError(CircuitError, ValueError):
    """A native twin was given a value outside the range its gadget enforces."""


class BackendError(CircuitError, ValueError):
    """``ZKDX_BACKEND`` names no known implementation of the native hot paths."""
