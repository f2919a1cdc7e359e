"""The operator's CA: onboarding by CSR (signature, L2 proof of possession, registered key),
renewal that keeps the identity, revocation into a signed CRL, and the L2 key registries
(L1 on the in-process EVM, the node's account endpoint)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from circuits.native import eddsa
from rollup.rfq.errors import IdentityError, PkiError, RegistryError
from rollup.rfq.identity import IDENTITY_OID, Identity, peer_identity
from rollup.rfq.onboarding import approve, make_csr
from rollup.rfq.pki import CertificateAuthority, load_cert
from rollup.rfq.registry import L1KeyRegistry, NodeKeyRegistry
from rollup.rfq.tls import load_crl
from tests.rfq_helpers import ROOT

PASS = b"ca passphrase"
ALICE = b"trader 1"


class DictRegistry:
    def __init__(self, keys):
        self.keys = keys

    def key_of(self, account):
        return self.keys.get(account)


def ident(account=1, secret=ALICE, role="taker"):
    return Identity("ACME Ltd", "alice", role, account, eddsa.public_key(secret))


@pytest.fixture
def ca(tmp_path):
    return CertificateAuthority.init(tmp_path / "ca", PASS, "ed25519")


def test_init_writes_an_encrypted_key_and_an_empty_crl(ca, tmp_path):
    assert b"ENCRYPTED" in (ca.dir / "ca.key.pem").read_bytes()
    assert (ca.dir / "ca.key.pem").stat().st_mode & 0o777 == 0o600
    assert list(load_crl((ca.dir / "crl.pem").read_bytes(), ca.cert)) == []
    with pytest.raises(PkiError, match="wrong passphrase"):
        CertificateAuthority.open(ca.dir, b"not it")
    with pytest.raises(PkiError, match="already holds a CA"):
        CertificateAuthority.init(ca.dir, PASS)
    assert CertificateAuthority.open(ca.dir, PASS).cert == ca.cert


@pytest.mark.parametrize("algorithm", ["ed25519", "p256"])
def test_csr_approved_binds_the_identity(tmp_path, algorithm):
    ca = CertificateAuthority.init(tmp_path / "ca", PASS, algorithm)
    _, csr = make_csr(ident(), ALICE, algorithm)
    cert = approve(ca, csr, 30, DictRegistry({1: eddsa.public_key(ALICE)}))
    who = peer_identity(cert)
    assert who.identity == ident() and who.serial == cert.serial_number
    assert cert.subject.rfc4514_string() == "CN=alice,OU=taker,O=ACME Ltd"
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.UniformResourceIdentifier) == ["urn:zkdx:account:1"]
    cert.verify_directly_issued_by(ca.cert)
    assert ca.list()[0]["status"] == "valid" and ca.list()[0]["identity"]["account"] == 1


def test_approve_refuses_a_key_that_is_not_the_registered_one(ca):
    _, csr = make_csr(ident(), ALICE)
    with pytest.raises(RegistryError, match="not the key registered for account 1"):
        approve(ca, csr, 30, DictRegistry({1: eddsa.public_key(b"trader 2")}))
    with pytest.raises(RegistryError, match="no registered L2 key"):
        approve(ca, csr, 30, DictRegistry({}))
    assert ca.list() == []


def test_approve_refuses_a_csr_without_possession_of_the_l2_key(ca):
    with pytest.raises(IdentityError, match="does not hold the key"):
        make_csr(ident(), b"trader 2")
    # a CSR whose proof of possession was made for another TLS key
    _, csr_a = make_csr(ident(), ALICE)
    key_b, csr_b = make_csr(ident(), ALICE)
    pop_a = x509.load_pem_x509_csr(csr_a).extensions.get_extension_for_oid(IDENTITY_OID)
    builder = x509.CertificateSigningRequestBuilder().subject_name(ident().subject()).add_extension(pop_a.value, False)
    forged = builder.sign(key_b, None).public_bytes(serialization.Encoding.PEM)
    with pytest.raises(PkiError, match="proof of possession does not verify"):
        approve(ca, forged, 30, DictRegistry({1: eddsa.public_key(ALICE)}))


def test_approve_refuses_garbage_and_bad_fields(ca):
    with pytest.raises(PkiError, match="not a PEM"):
        approve(
            ca, b"-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n", 30, DictRegistry({})
        )
    for bad in [dict(role="admin"), dict(account=1 << 24), dict(firm="")]:
        with pytest.raises(IdentityError):
            Identity(**{"firm": "f", "trader": "t", "role": "taker", "account": 1, "l2_pubkey": (0, 1), **bad})


def test_renewal_keeps_identity_and_key_revocation_lands_in_the_crl(ca):
    key, csr = make_csr(ident(role="maker"), ALICE)
    first = approve(ca, csr, 30, DictRegistry({1: eddsa.public_key(ALICE)}))
    renewed = ca.renew(f"{first.serial_number:x}", 60)
    assert renewed.serial_number != first.serial_number
    assert peer_identity(renewed).identity == peer_identity(first).identity
    assert renewed.public_key() == first.public_key()
    crl = ca.revoke(first.serial_number, "superseded")
    assert [r.serial_number for r in crl] == [first.serial_number]
    assert load_crl((ca.dir / "crl.pem").read_bytes(), ca.cert).extensions[0].value.crl_number == 2
    with pytest.raises(PkiError, match="already revoked"):
        ca.revoke(first.serial_number)
    with pytest.raises(PkiError, match="is revoked"):
        ca.renew(first.serial_number, 10)
    with pytest.raises(PkiError, match="no certificate with serial"):
        ca.revoke(12345)
    statuses = {e["serial"]: e["status"] for e in ca.list()}
    assert statuses == {f"{first.serial_number:x}": "revoked", f"{renewed.serial_number:x}": "valid"}
    assert load_cert(ca.dir / "issued" / f"{renewed.serial_number:x}.pem") == renewed


def test_a_crl_signed_by_another_ca_is_refused(ca, tmp_path):
    other = CertificateAuthority.init(tmp_path / "other", PASS)
    with pytest.raises(PkiError, match="not signed by this CA"):
        load_crl((other.dir / "crl.pem").read_bytes(), ca.cert)


class _Node(BaseHTTPRequestHandler):
    keys: dict = {}

    def do_GET(self):
        index = int(self.path.rsplit("/", 1)[1])
        if index not in self.keys:
            self.send_response(404), self.end_headers()
            return
        x, y = self.keys[index]
        body = json.dumps({"index": index, "exists": True, "pubkey": [str(x), str(y)], "nonce": 3}).encode()
        self.send_response(200), self.send_header("Content-Type", "application/json"), self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_node_key_registry():
    _Node.keys = {1: eddsa.public_key(ALICE)}
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Node)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        reg = NodeKeyRegistry(f"http://127.0.0.1:{server.server_port}")
        assert reg.key_of(1) == eddsa.public_key(ALICE)
        assert reg.key_of(2) is None
    finally:
        server.shutdown()
        server.server_close()
    with pytest.raises(RegistryError, match="did not answer"):
        reg.key_of(1)


def test_l1_key_registry_reads_the_rollup_contract():
    from circuits.ledger.params import LedgerParams
    from rollup.l1.client import L1Client, connect
    from verifier.formats import vk_from_json

    vk = vk_from_json((ROOT / "contracts" / "keys" / "demo-batch.vk.json").read_text())
    l1 = L1Client(connect())
    operator, user = l1.w3.eth.accounts[:2]
    l1.deploy(LedgerParams(depth=2, batch_size=1), vk, operator, [operator], 1, allow_demo_key=True)
    account = l1.register(user, eddsa.public_key(ALICE))
    reg = L1KeyRegistry(l1)
    assert reg.key_of(account) == eddsa.public_key(ALICE)
    assert reg.key_of(account + 1) is None
