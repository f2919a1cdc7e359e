"""What the CA refuses to issue, and what a key compromise revokes, read from its index.

* Names: the identity key (firm, trader) is what the gateway's connection cap, rate limit and
  open-RFQ/quote caps follow, so a pair of names belongs to the first account it was issued
  for, for good (revoked and expired certificates keep holding it): another account asking
  for the same names is refused, whatever its key.
* Keys: ``ca renew`` re-issues for the same TLS key, so revoking one certificate for
  ``key_compromise`` revokes every certificate of that public key, and no new certificate
  is issued for a key revoked for compromise.
"""

from __future__ import annotations

from pathlib import Path

from rollup.rfq.errors import PkiError
from rollup.rfq.files import load_cert
from rollup.rfq.identity import Identity, spki


def names_holder(index: dict, identity: Identity) -> dict | None:
    """The first index entry holding identity's (firm, trader) for another account, if any."""
    for entry in index["certificates"].values():
        held = entry["identity"]
        if (held["firm"], held["trader"]) == identity.key and held["account"] != identity.account:
            return entry
    return None


def serials_of_key(directory: Path, index: dict, public_key: object, only_compromised: bool = False) -> list[str]:
    """Serials (hex) of the issued certificates for public_key (of those revoked for
    key_compromise only, if asked)."""
    want, found = spki(public_key), []
    for serial, entry in index["certificates"].items():
        revoked = entry["revoked"]
        if only_compromised and not (revoked and revoked["reason"] == "key_compromise"):
            continue
        if spki(load_cert(directory / "issued" / f"{serial}.pem").public_key()) == want:
            found.append(serial)
    return found


def check_issue(directory: Path, index: dict, identity: Identity, public_key: object) -> None:
    """PkiError if the CA must not bind identity to public_key (see the module docstring)."""
    holder = names_holder(index, identity)
    if holder is not None:
        raise PkiError(
            f"firm {identity.firm!r}, trader {identity.trader!r} belong to account {holder['identity']['account']} "
            f"(certificate {holder['serial']}); another account needs other names"
        )
    if serials_of_key(directory, index, public_key, only_compromised=True):
        raise PkiError("this TLS key was revoked for key compromise; make a new key and CSR (`zkdx rfq csr`)")
