"""Typed errors of the RFQ gateway, its PKI and its client.

Every refusal the gateway sends carries one of the ``code`` values below, so a client
(in any language) can branch on it; the message says what was wrong in words.
"""

from __future__ import annotations

from rollup.errors import RollupError


class RfqError(RollupError):
    """Base class; ``code`` is the wire error code for refusals."""

    code = "error"


class PkiError(RfqError):
    """A CA operation that cannot be done (bad CSR, unknown serial, unreadable CA directory)."""

    code = "pki"


class RegistryError(PkiError):
    """The L2 key registry cannot answer, or answers with a key other than the CSR's."""

    code = "registry"


class IdentityError(RfqError):
    """A certificate without a valid zkdx identity (missing or malformed identity extension)."""

    code = "identity"


class ProtocolError(RfqError):
    """A message that is not valid JSON, not an object, or breaks the schema (types, fields, version)."""

    code = "malformed"


class Refused(RfqError):
    """A well-formed message the gateway refuses; subclasses name the reason."""

    code = "refused"


class Forbidden(Refused):
    """The sender's role (from its certificate) may not send this message, or the object is not its own."""

    code = "forbidden"


class UnknownMarket(Refused):
    code = "unknown_market"


class NotFound(Refused):
    """An RFQ or quote id the gateway does not know (never seen, or long gone)."""

    code = "not_found"


class Expired(Refused):
    """An RFQ or quote past its expiry."""

    code = "expired"


class Closed(Refused):
    """An RFQ or quote that was cancelled or already filled."""

    code = "closed"


class Replay(Refused):
    """A quote the gateway has already seen (same quote id)."""

    code = "replay"


class BadSignature(Refused):
    """A quote or accept not signed by the L2 key the sender's certificate binds."""

    code = "bad_signature"


class QuoteSuperseded(Refused):
    """The quote's nonces are stale: the buyer or the seller traded since it was signed."""

    code = "superseded"


class RateLimited(Refused):
    code = "rate_limited"


class SequencerRejected(Refused):
    """The sequencer refused the doubly signed trade; the message carries the spec's reason."""

    code = "rejected"


class SequencerUnavailable(RfqError):
    """The sequencer did not answer (network error, 5xx, malformed answer)."""

    code = "unavailable"


class GatewayError(RfqError):
    """Client side: the gateway refused a message, closed the connection, or could not be reached."""

    code = "gateway"

    def __init__(self, message: str, code: str = "gateway") -> None:
        super().__init__(message)
        self.code = code
