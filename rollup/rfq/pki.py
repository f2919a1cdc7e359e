"""The operator's private CA: keys, the gateway's server certificate, client CSRs, CRLs.

A CA directory holds
    ca.key.pem      the CA key, PEM encrypted with the passphrase (``BestAvailableEncryption``)
    ca.cert.pem     the self-signed CA certificate
    server.key.pem  the gateway's TLS key (mode 0600, unencrypted so the gateway restarts unattended)
    server.cert.pem the gateway's certificate (serverAuth, SAN = the given hosts)
    crl.pem         the current CRL (rewritten by every revocation; the gateway reloads it live)
    index.json      every certificate issued: serial, subject, identity, validity, revocation
    issued/<serial>.pem
Files are written to a temporary name and renamed, so a reader never sees half a file.
"""

from __future__ import annotations

import ipaddress
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from rollup.rfq.errors import PkiError
from rollup.rfq.files import cert_pem, key_pem, load_cert, write_atomic
from rollup.rfq.identity import Identity, extension, read_extension
from rollup.rfq.names import ALGORITHMS, REASONS
from rollup.rfq.policy import check_issue, serials_of_key
from verifier import jsonsafe

CRL_DAYS = 30  # a CRL's nextUpdate; `zkdx ca crl` (or any revocation) re-signs it before then
BACKDATE = timedelta(minutes=5)  # clock skew allowance on notBefore
REASON_FLAGS = {name: getattr(x509.ReasonFlags, name) for name in REASONS}


def new_key(algorithm: str) -> ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey:
    if algorithm == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    if algorithm == "p256":
        return ec.generate_private_key(ec.SECP256R1())
    raise PkiError(f"unknown key algorithm {algorithm!r}; known: {', '.join(ALGORITHMS)}")


def signing_hash(key: object) -> hashes.HashAlgorithm | None:
    return None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256()


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


class CertificateAuthority:
    """The CA of one directory; ``open`` needs the passphrase of its key."""

    def __init__(self, directory: Path, key: object, cert: x509.Certificate) -> None:
        self.dir, self.key, self.cert = directory, key, cert

    # ---- creation and loading --------------------------------------------------------
    @classmethod
    def init(
        cls,
        directory: str | Path,
        passphrase: bytes,
        algorithm: str = "ed25519",
        days: int = 3650,
        name: str = "zkdx operator CA",
    ) -> CertificateAuthority:
        """A new CA in an empty (or new) directory, with an empty CRL."""
        d = Path(directory)
        if (d / "ca.key.pem").exists():
            raise PkiError(f"{d} already holds a CA; refusing to overwrite it")
        if not passphrase:
            raise PkiError("an empty passphrase does not protect the CA key")
        d.mkdir(parents=True, exist_ok=True)
        (d / "issued").mkdir(exist_ok=True)
        key, now = new_key(algorithm), _now()
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(name))
            .issuer_name(_name(name))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - BACKDATE)
            .not_valid_after(now + timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_usage(ca=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, signing_hash(key))
        )
        write_atomic(d / "ca.key.pem", key_pem(key, passphrase), 0o600)
        write_atomic(d / "ca.cert.pem", cert_pem(cert))
        ca = cls(d, key, cert)
        ca._save_index({"crl_number": 0, "certificates": {}})
        ca.write_crl()
        return ca

    @classmethod
    def open(cls, directory: str | Path, passphrase: bytes) -> CertificateAuthority:
        d = Path(directory)
        try:
            raw = (d / "ca.key.pem").read_bytes()
        except OSError as exc:
            raise PkiError(f"{d}: no CA key here (run `zkdx ca init --dir {d}`)") from exc
        try:
            key = serialization.load_pem_private_key(raw, passphrase)
        except (ValueError, TypeError) as exc:
            raise PkiError(f"{d}/ca.key.pem: wrong passphrase or a damaged key") from exc
        return cls(d, key, load_cert(d / "ca.cert.pem"))

    @classmethod
    def reader(cls, directory: str | Path) -> CertificateAuthority:
        """The CA for reading its index and certificate only (no key, no passphrase)."""
        d = Path(directory)
        return cls(d, None, load_cert(d / "ca.cert.pem"))

    # ---- index -------------------------------------------------------------------------
    def index(self) -> dict:
        try:
            raw = (self.dir / "index.json").read_bytes()
        except OSError as exc:
            raise PkiError(f"{self.dir}/index.json is missing: not a CA directory") from exc
        return jsonsafe.loads(raw, PkiError, max_depth=8)

    def _save_index(self, index: dict) -> None:
        write_atomic(self.dir / "index.json", json.dumps(index, indent=1, sort_keys=True).encode())

    def entry(self, serial: int | str) -> dict:
        key = serial if isinstance(serial, str) else f"{serial:x}"
        entry = self.index()["certificates"].get(key.lower().removeprefix("0x"))
        if entry is None:
            raise PkiError(f"no certificate with serial {key} was issued by this CA")
        return entry

    def list(self) -> list[dict]:
        """Every issued certificate with a status: valid, expired or revoked."""
        now, out = _now(), []
        for entry in self.index()["certificates"].values():
            status = "revoked" if entry["revoked"] else "valid"
            if status == "valid" and datetime.fromisoformat(entry["not_after"]) < now:
                status = "expired"
            out.append({**entry, "status": status})
        return sorted(out, key=lambda e: e["not_before"])

    # ---- issuing -------------------------------------------------------------------------
    def _builder(
        self, subject: x509.Name, public_key: object, days: int, window: tuple[datetime, datetime] | None = None
    ) -> x509.CertificateBuilder:
        """window = (notBefore, notAfter) overrides days (tests make expired and future certificates)."""
        if not 1 <= days <= 3650:
            raise PkiError(f"validity of {days} days is outside 1..3650")
        now = _now()
        not_before, not_after = window or (
            now - BACKDATE,
            min(now + timedelta(days=days), self.cert.not_valid_after_utc),
        )
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.cert.subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_usage(ca=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), critical=False)
        )

    def sign(self, builder: x509.CertificateBuilder) -> x509.Certificate:
        return builder.sign(self.key, signing_hash(self.key))

    def server_cert(self, hosts: list[str], days: int = 365, algorithm: str = "ed25519") -> x509.Certificate:
        """The gateway's key and certificate (SAN: each host as an IP address or DNS name)."""
        if not hosts:
            raise PkiError("a server certificate needs at least one host name or address")
        key = new_key(algorithm)
        san = x509.SubjectAlternativeName([_general_name(h) for h in hosts])
        builder = self._builder(_name(hosts[0]), key.public_key(), days).add_extension(san, critical=False)
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        cert = self.sign(builder)
        write_atomic(self.dir / "server.key.pem", key_pem(key), 0o600)
        write_atomic(self.dir / "server.cert.pem", cert_pem(cert))
        return cert

    def issue(
        self,
        identity: Identity,
        public_key: object,
        days: int,
        renews: int | None = None,
        window: tuple[datetime, datetime] | None = None,
    ) -> x509.Certificate:
        """A client certificate binding identity to public_key; recorded in the index.  Refused
        (PkiError) for names another account holds or a key revoked for compromise (``policy``)."""
        check_issue(self.dir, self.index(), identity, public_key)
        builder = self._builder(identity.subject(), public_key, days, window)
        builder = builder.add_extension(identity.san(), critical=False)
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        cert = self.sign(builder.add_extension(extension(identity.to_json()), critical=False))
        write_atomic(self.dir / "issued" / f"{cert.serial_number:x}.pem", cert_pem(cert))
        index = self.index()
        index["certificates"][f"{cert.serial_number:x}"] = {
            "serial": f"{cert.serial_number:x}",
            "subject": cert.subject.rfc4514_string(),
            "identity": identity.to_json(),
            "not_before": cert.not_valid_before_utc.isoformat(),
            "not_after": cert.not_valid_after_utc.isoformat(),
            "renews": f"{renews:x}" if renews is not None else None,
            "revoked": None,
        }
        self._save_index(index)
        return cert

    def renew(self, serial: int | str, days: int) -> x509.Certificate:
        """A new certificate for the same key and identity, while the old one is still valid."""
        entry = self.entry(serial)
        if entry["revoked"]:
            raise PkiError(f"certificate {entry['serial']} is revoked; a revoked identity is re-onboarded by CSR")
        if datetime.fromisoformat(entry["not_after"]) < _now():
            raise PkiError(f"certificate {entry['serial']} has expired; renew before expiry or send a new CSR")
        old = load_cert(self.dir / "issued" / f"{entry['serial']}.pem")
        identity = Identity.from_json(read_extension(old))
        return self.issue(identity, old.public_key(), days, renews=old.serial_number)

    # ---- revocation ----------------------------------------------------------------------
    def revoke(self, serial: int | str, reason: str = "unspecified") -> x509.CertificateRevocationList:
        """Revoke serial (for key_compromise: every certificate of its key) and write a new CRL."""
        if reason not in REASONS:
            raise PkiError(f"unknown revocation reason {reason!r}; known: {', '.join(REASONS)}")
        entry = self.entry(serial)
        if entry["revoked"]:
            raise PkiError(f"certificate {entry['serial']} is already revoked")
        index, record = self.index(), {"at": _now().isoformat(), "reason": reason}
        serials = [entry["serial"]]
        if reason == "key_compromise":  # and every other certificate of that key (renewals)
            key = load_cert(self.dir / "issued" / f"{entry['serial']}.pem").public_key()
            serials = serials_of_key(self.dir, index, key)
        for s in serials:
            index["certificates"][s]["revoked"] = index["certificates"][s]["revoked"] or record
        self._save_index(index)
        return self.write_crl()

    def write_crl(self) -> x509.CertificateRevocationList:
        """Sign and write a new CRL (next CRL number) listing every revoked certificate."""
        index, now = self.index(), _now()
        index["crl_number"] += 1
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.cert.subject)
            .last_update(now)
            .next_update(now + timedelta(days=CRL_DAYS))
            .add_extension(x509.CRLNumber(index["crl_number"]), critical=False)
        )
        for entry in index["certificates"].values():
            if entry["revoked"]:
                builder = builder.add_revoked_certificate(_revoked(entry))
        crl = builder.sign(self.key, signing_hash(self.key))
        self._save_index(index)
        write_atomic(self.dir / "crl.pem", crl.public_bytes(serialization.Encoding.PEM))
        return crl


def _revoked(entry: dict) -> x509.RevokedCertificate:
    return (
        x509.RevokedCertificateBuilder()
        .serial_number(int(entry["serial"], 16))
        .revocation_date(datetime.fromisoformat(entry["revoked"]["at"]))
        .add_extension(x509.CRLReason(REASON_FLAGS[entry["revoked"]["reason"]]), critical=False)
        .build()
    )


def _general_name(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


def _usage(ca: bool) -> x509.KeyUsage:
    """digitalSignature, plus keyCertSign and cRLSign for the CA."""
    flags = dict.fromkeys(
        (
            "content_commitment",
            "key_encipherment",
            "data_encipherment",
            "key_agreement",
            "encipher_only",
            "decipher_only",
        ),
        False,
    )
    return x509.KeyUsage(digital_signature=True, key_cert_sign=ca, crl_sign=ca, **flags)
