"""A trader's identity as the operator's CA binds it into a client certificate.

The certificate's subject is ``O=<firm>, OU=<role>, CN=<trader>`` (for people and outside
tools), its SAN holds ``urn:zkdx:account:<index>``, and a non-critical private extension
(OID ``IDENTITY_OID``, a DER UTF8String of canonical JSON) holds what the gateway reads:

    {"v": 1, "firm": "...", "trader": "...", "role": "taker" | "maker",
     "account": <L2 account index>, "l2_pubkey": ["<x>", "<y>"]}

A CSR carries the same extension plus ``"pop"``: an EdDSA-Poseidon signature by the L2 key
over SHA-256(domain tag ‖ the CSR's TLS public key ‖ the identity JSON) mod r, so nobody
can bind an account key they do not hold to their TLS key.  The gateway takes identity
only from the extension of a certificate the TLS layer has verified.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID, ObjectIdentifier

from circuits.field import R
from circuits.native import babyjubjub as bjj
from rollup.rfq.errors import IdentityError
from rollup.rfq.names import ROLES
from verifier import jsonsafe

IDENTITY_OID = ObjectIdentifier("2.25.133984942622458244344014550098889735248")  # UUID-based, no registry
VERSION = 1
NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}")
MAX_ACCOUNT = 1 << 24  # account indices are 24 bits in a record
POP_TAG = b"zkdx rfq csr v1"
DECIMAL = re.compile(r"[0-9]{1,78}")  # ASCII digits only (str.isdigit takes '²'); < 2^256


@dataclass(frozen=True)
class Identity:
    """Who a certificate speaks for; ``key`` (firm, trader) is what rate limits and renewals follow."""

    firm: str
    trader: str
    role: str
    account: int
    l2_pubkey: bjj.Point

    def __post_init__(self) -> None:
        for what in ("firm", "trader"):
            value = getattr(self, what)
            if not isinstance(value, str) or not NAME_RE.fullmatch(value):
                raise IdentityError(f"{what} must be 1-64 letters, digits, space, '.', '_' or '-'")
        if self.role not in ROLES:
            raise IdentityError(f"role must be one of {', '.join(ROLES)}")
        if type(self.account) is not int or not 0 <= self.account < MAX_ACCOUNT:
            raise IdentityError(f"account must be an integer in [0, 2^24), got {self.account!r}")
        if not bjj.in_subgroup(self.l2_pubkey) or bjj.is_small_order(self.l2_pubkey):
            raise IdentityError("l2_pubkey is not a Baby Jubjub subgroup point")

    @property
    def key(self) -> tuple[str, str]:
        return (self.firm, self.trader)

    def to_json(self) -> dict:
        pk = [str(self.l2_pubkey[0]), str(self.l2_pubkey[1])]
        return {
            "v": VERSION,
            "firm": self.firm,
            "trader": self.trader,
            "role": self.role,
            "account": self.account,
            "l2_pubkey": pk,
        }

    @classmethod
    def from_json(cls, obj: object) -> Identity:
        if not isinstance(obj, dict) or obj.get("v") != VERSION:
            raise IdentityError(f"identity extension is not a version {VERSION} object")
        pk = obj.get("l2_pubkey")
        if not (isinstance(pk, list) and len(pk) == 2 and all(is_decimal(c) for c in pk)):
            raise IdentityError('identity l2_pubkey must be ["<x>", "<y>"] in decimal')
        x, y = (int(c) for c in pk)
        if not (x < R and y < R):
            raise IdentityError("identity l2_pubkey coordinates exceed the field")
        return cls(obj.get("firm"), obj.get("trader"), obj.get("role"), obj.get("account"), (x, y))

    def subject(self) -> x509.Name:
        return x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, self.firm),
                x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, self.role),
                x509.NameAttribute(NameOID.COMMON_NAME, self.trader),
            ]
        )

    def san(self) -> x509.SubjectAlternativeName:
        return x509.SubjectAlternativeName([x509.UniformResourceIdentifier(f"urn:zkdx:account:{self.account}")])


def is_decimal(value: object) -> bool:
    """A string of 1-78 ASCII digits: what int() takes without surprise (no '²', '_', spaces, signs)."""
    return isinstance(value, str) and DECIMAL.fullmatch(value) is not None


def canonical(obj: dict) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def der_utf8(data: bytes) -> bytes:
    """DER UTF8String of data (lengths up to 65535)."""
    n = len(data)
    if n < 0x80:
        return b"\x0c" + bytes([n]) + data
    if n < 0x100:
        return b"\x0c\x81" + bytes([n]) + data
    return b"\x0c\x82" + n.to_bytes(2, "big") + data


def parse_der_utf8(raw: bytes) -> bytes:
    """Inverse of der_utf8 (strict: minimal length encoding, nothing after the value)."""
    if len(raw) < 2 or raw[0] != 0x0C:
        raise IdentityError("identity extension is not a DER UTF8String")
    n, start = raw[1], 2
    if n == 0x81 and len(raw) >= 3 and raw[2] >= 0x80:
        n, start = raw[2], 3
    elif n == 0x82 and len(raw) >= 4 and raw[2] != 0:
        n, start = int.from_bytes(raw[2:4], "big"), 4
    elif n >= 0x80:
        raise IdentityError("identity extension has a non-minimal DER length")
    if len(raw) != start + n:
        raise IdentityError("identity extension length does not match its content")
    return raw[start:]


def extension(obj: dict) -> x509.UnrecognizedExtension:
    return x509.UnrecognizedExtension(IDENTITY_OID, der_utf8(canonical(obj)))


def read_extension(cert_or_csr: x509.Certificate | x509.CertificateSigningRequest) -> dict:
    """The identity extension's JSON object; IdentityError if absent or malformed."""
    try:
        ext = cert_or_csr.extensions.get_extension_for_oid(IDENTITY_OID)
    except x509.ExtensionNotFound as exc:
        raise IdentityError("certificate carries no zkdx identity extension") from exc
    except (x509.DuplicateExtension, ValueError) as exc:  # a repeated OID, an undecodable extension
        raise IdentityError(f"unreadable extensions: {exc}") from exc
    obj = jsonsafe.loads(parse_der_utf8(ext.value.value), IdentityError, max_bytes=4096, max_depth=4)
    if not isinstance(obj, dict):
        raise IdentityError("identity extension is not a JSON object")
    return obj


def pop_message(spki_der: bytes, identity: Identity) -> int:
    """What the L2 key signs in a CSR: binds the TLS key to the identity."""
    return int.from_bytes(hashlib.sha256(POP_TAG + spki_der + canonical(identity.to_json())).digest(), "big") % R


def spki(public_key: object) -> bytes:
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


@dataclass(frozen=True)
class PeerIdentity:
    """The identity of a verified peer certificate, with what the audit log prints."""

    identity: Identity
    serial: int
    subject: str
    not_after: datetime
    not_before: datetime | None = None

    @property
    def serial_hex(self) -> str:
        return f"{self.serial:x}"

    def unusable(self, now: float, revoked: frozenset[int]) -> str:
        """Why this certificate may not be served at time now ("" if it may): revoked, expired or
        not yet valid.  The handshake checks the same; resumed or long-lived connections need it."""
        if self.serial in revoked:
            return "certificate revoked"
        if self.not_after.timestamp() < now:
            return "certificate expired"
        if self.not_before is not None and self.not_before.timestamp() > now:
            return "certificate not yet valid"
        return ""


def peer_identity(cert: x509.Certificate) -> PeerIdentity:
    identity = Identity.from_json(read_extension(cert))
    subject = cert.subject.rfc4514_string()
    return PeerIdentity(identity, cert.serial_number, subject, cert.not_valid_after_utc, cert.not_valid_before_utc)
