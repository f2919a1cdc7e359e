"""Onboarding: the client's CSR (made where its keys live) and the CA's approval.

``make_csr`` generates the TLS key and a CSR carrying the identity extension with a
proof of possession of the L2 key.  ``approve`` checks, in order: the CSR's own
signature, the identity's fields, the proof of possession, and that the L2 key is the
one the registry holds for the account; only then does the CA issue.
"""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from circuits.native import eddsa
from rollup.rfq.errors import IdentityError, PkiError, RegistryError
from rollup.rfq.identity import Identity, extension, is_decimal, pop_message, read_extension, spki
from rollup.rfq.pki import CertificateAuthority, new_key, signing_hash
from rollup.rfq.registry import KeyRegistry

MAX_CSR = 16 << 10


def make_csr(identity: Identity, l2_private_key: bytes, algorithm: str = "ed25519") -> tuple[object, bytes]:
    """(TLS private key, CSR PEM) for identity; l2_private_key must be the identity's L2 key."""
    if eddsa.public_key(l2_private_key) != identity.l2_pubkey:
        raise IdentityError("the L2 key file does not hold the key of this identity")
    key = new_key(algorithm)
    pop = eddsa.sign(l2_private_key, pop_message(spki(key.public_key()), identity))
    claim = {**identity.to_json(), "pop": {"r8": [str(pop.r8[0]), str(pop.r8[1])], "s": str(pop.s)}}
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(identity.subject())
        .add_extension(identity.san(), critical=False)
        .add_extension(extension(claim), critical=False)
        .sign(key, signing_hash(key))
    )
    return key, csr.public_bytes(serialization.Encoding.PEM)


def load_csr(pem: bytes) -> x509.CertificateSigningRequest:
    if len(pem) > MAX_CSR:
        raise PkiError(f"CSR of {len(pem)} bytes exceeds {MAX_CSR}")
    try:
        csr = x509.load_pem_x509_csr(pem)
    except ValueError as exc:
        raise PkiError(f"not a PEM certificate signing request ({exc})") from exc
    if not csr.is_signature_valid:
        raise PkiError("the CSR's signature does not verify with its own public key")
    try:
        csr.extensions  # noqa: B018  (parsed lazily: a repeated extension raises here)
    except (x509.DuplicateExtension, ValueError) as exc:
        raise PkiError(f"the CSR's extensions are unreadable: {exc}") from exc
    return csr


def _pop(claim: dict) -> eddsa.Signature:
    pop = claim.pop("pop", None)
    r8, s = (pop.get("r8"), pop.get("s")) if isinstance(pop, dict) else (None, None)
    if not (isinstance(r8, list) and len(r8) == 2 and all(is_decimal(c) for c in (*r8, s))):
        raise PkiError('CSR identity lacks a proof of possession {"r8": ["x", "y"], "s": "n"} of its L2 key')
    return eddsa.Signature((int(r8[0]), int(r8[1])), int(s))


def claimed_identity(csr: x509.CertificateSigningRequest) -> Identity:
    """The identity a CSR claims, after checking its L2 proof of possession."""
    claim = read_extension(csr)
    pop = _pop(claim)
    identity = Identity.from_json(claim)
    if identity.subject() != csr.subject:
        raise PkiError("the CSR's subject does not match its identity extension")
    if not eddsa.verify(pop_message(spki(csr.public_key()), identity), pop, identity.l2_pubkey):
        raise PkiError("the CSR's L2 proof of possession does not verify: the requester does not hold that key")
    return identity


def approve(ca: CertificateAuthority, csr_pem: bytes, days: int, registry: KeyRegistry) -> x509.Certificate:
    """Check a CSR (signature, identity, L2 key ownership and registration) and issue."""
    csr = load_csr(csr_pem)
    identity = claimed_identity(csr)
    registered = registry.key_of(identity.account)
    if registered is None:
        raise RegistryError(f"account {identity.account} has no registered L2 key")
    if tuple(registered) != identity.l2_pubkey:
        raise RegistryError(f"the CSR's L2 key is not the key registered for account {identity.account}")
    return ca.issue(identity, csr.public_key(), days)
