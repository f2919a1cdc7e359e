"""Attacker's review (attack2): impersonation and revocation on the RFQ gateway.

Real outside clients where the TLS layer is the point (curl), the Python client otherwise.
Findings G1-G5 (tests named after the secure behaviour) were fixed on branch fixrfq
(docs/decisions.md, "Attacker's review fixes"); the other tests show attacks that were stopped.
"""

from __future__ import annotations

import asyncio
import shutil
import time

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from circuits.native import eddsa
from rollup.rfq.errors import PkiError
from rollup.rfq.gateway import MAX_CONNECTIONS
from rollup.rfq.identity import Identity
from rollup.rfq.pki import CertificateAuthority, cert_pem, load_cert, new_key
from tests.attack2.gateway_helpers import (
    HttpLikeSequencer,
    audit_lines,
    curl_health,
    onboard,
    replace_crl,
    try_connect,
)
from tests.rfq_helpers import ClientLoop, Cred, GatewayThread, Pki, funded_world

needs_curl = pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")


@pytest.fixture
def pki(tmp_path):
    return Pki(tmp_path)


def _squatter(pki: Pki, ca: CertificateAuthority) -> Cred:
    """Account 3 with alice's names, issued by ca (this CA over an index that never saw alice)."""
    ident = Identity("Firm alice", "alice", "taker", 3, eddsa.public_key(b"trader 3"))
    key = new_key("ed25519")
    return pki.write("mallory", key, ca.issue(ident, key.public_key(), 10), 3, b"trader 3")


def _index_without_alice(pki: Pki, tmp_path) -> CertificateAuthority:
    """The CA over a copy of its directory taken now: names issued later are not in its index (a
    certificate from before the CA bound names to accounts)."""
    shutil.copytree(pki.ca_dir, tmp_path / "old-index")
    return CertificateAuthority(tmp_path / "old-index", pki.ca.key, pki.ca.cert)


def test_another_account_cannot_take_a_traders_names_and_lock_it_out(pki, tmp_path):
    """G1: refused at approval; and a squatter certificate the CA issued before that rule locks
    nobody out, because the gateway keys its caps by (names, account)."""
    old_ca = _index_without_alice(pki, tmp_path)
    victim = pki.issue("alice", "taker", 0)  # identity ("Firm alice", "alice"), account 0
    with pytest.raises(PkiError, match="belong to account 0"):  # mallory holds account 3, claims alice's names
        onboard(pki, "mallory", "Firm alice", "alice", "taker", 3, b"trader 3")
    squatter = _squatter(pki, old_ca)
    loop = ClientLoop()
    held = []
    try:
        with GatewayThread(pki.ca_dir) as gw:
            for _ in range(MAX_CONNECTIONS):
                held.append(loop.run(try_connect(gw.url, pki, squatter)))
            assert all(not isinstance(c, str) for c in held)
            assert isinstance(loop.run(try_connect(gw.url, pki, squatter)), str)  # its own cap holds
            got = loop.run(try_connect(gw.url, pki, victim))
            assert not isinstance(got, str), f"victim (account 0) locked out by account 3: {got}"
            held.append(got)
    finally:
        loop.close(*[c for c in held if not isinstance(c, str)])


def test_a_squatter_does_not_drain_the_victims_rate_bucket(pki, tmp_path):
    """G1 mechanism, closed: one bucket per (names, account), not per names."""
    old_ca = _index_without_alice(pki, tmp_path)
    victim = pki.issue("alice", "taker", 0)
    squatter = _squatter(pki, old_ca)
    loop = ClientLoop()
    with GatewayThread(pki.ca_dir, rate=5, burst=20) as gw:
        v, s = loop.run(try_connect(gw.url, pki, victim)), loop.run(try_connect(gw.url, pki, squatter))
        try:
            assert v.welcome["identity"]["account"] == 0 and s.welcome["identity"]["account"] == 3

            async def flood():
                return await asyncio.gather(*(s.call("ping") for _ in range(30)), return_exceptions=True)

            assert any(isinstance(r, Exception) for r in loop.run(flood()))  # the squatter hit its own limit
            assert loop.run(v.call("ping"))["type"] == "pong"
        finally:
            loop.close(v, s)


def test_the_connection_cap_holds_under_concurrent_connects(pki):
    taker, maker = pki.issue("alice", "taker", 0), pki.issue("bob", "maker", 1)
    loop = ClientLoop()
    clients = []
    try:
        with GatewayThread(pki.ca_dir, HttpLikeSequencer(funded_world().state)) as gw:
            clients.append(loop.run(try_connect(gw.url, pki, taker)))
            loop.run(clients[0].request(0, "buy", 1, int(time.time()) + 60))

            async def burst():
                return await asyncio.gather(*(try_connect(gw.url, pki, maker) for _ in range(30)))

            got = loop.run(burst(), timeout=120)
            clients += [c for c in got if not isinstance(c, str)]
            welcomed = len(clients) - 1
            assert welcomed <= MAX_CONNECTIONS, f"{welcomed} live connections for one identity (cap {MAX_CONNECTIONS})"
            assert welcomed == MAX_CONNECTIONS  # and the cap, not some other failure, turned the rest away
            refusals = {c for c in got if isinstance(c, str)}
            assert all("429" in c for c in refusals), refusals  # "too many connections"
    finally:
        loop.close(*clients)


@needs_curl
def test_a_ca_certificate_appended_to_crl_pem_is_not_trusted(pki, tmp_path):
    rogue = CertificateAuthority.init(tmp_path / "rogue", b"rogue passphrase", name="Rogue CA")
    forged = pki.issue("alice", "taker", 0, ca=rogue)  # alice's identity; only account 0's public key needed
    carol = pki.issue("carol", "taker", 1)
    with GatewayThread(pki.ca_dir) as gw:
        before = curl_health(pki, gw.port, forged)
        assert before[0] != 0  # a foreign CA is refused in the handshake
        rogue_pem = (rogue.dir / "ca.cert.pem").read_bytes() + (rogue.dir / "crl.pem").read_bytes()
        for crl in ((pki.ca_dir / "crl.pem").read_bytes(), _newer_crl(pki, tmp_path)):  # the current one, a newer one
            replace_crl(pki, crl + rogue_pem)
            code, body = curl_health(pki, gw.port, forged)
            assert code != 0, f"rogue-CA certificate served after editing crl.pem: {body}"
        assert gw.gateway.watcher.version == 1  # refused: crl.pem holds more than the CRL
        replace_crl(pki, _newer_crl(pki, tmp_path))  # a clean newer CRL is taken
        assert gw.gateway.watcher.version == 2 and gw.gateway.watcher.crl_number == 3
        assert curl_health(pki, gw.port, carol)[0] == 0 and curl_health(pki, gw.port, forged)[0] != 0


def _newer_crl(pki: Pki, tmp_path) -> bytes:
    """The CA's next CRL, signed but not written to the live crl.pem: made in a copy of the CA
    directory (kept, so each call gives the next CRL number), the watcher never sees it on its own."""
    copy = tmp_path / "ca-copy"
    if not copy.exists():
        shutil.copytree(pki.ca_dir, copy)
    return CertificateAuthority(copy, pki.ca.key, pki.ca.cert).write_crl().public_bytes(Encoding.PEM)


@needs_curl
def test_an_older_signed_crl_does_not_unrevoke(pki):
    alice = pki.issue("alice", "taker", 0)
    old = (pki.ca_dir / "crl.pem").read_bytes()
    with GatewayThread(pki.ca_dir) as gw:
        pki.ca.revoke(alice.serial, "key_compromise")
        time.sleep(0.6)
        assert curl_health(pki, gw.port, alice)[0] != 0
        replace_crl(pki, old)
        code, body = curl_health(pki, gw.port, alice)
        assert code != 0, f"revoked certificate served again (CRL number {gw.gateway.watcher.crl_number}): {body}"
        current = (pki.ca_dir / "crl.pem").read_bytes()
        replace_crl(pki, b"\n" + current)  # the current CRL, re-written: no change, no error
        pki.ca.write_crl()  # a legitimate re-signing (`zkdx ca crl`) is taken
        time.sleep(0.6)
        assert (gw.gateway.watcher.crl_number, gw.gateway.watcher.revoked) == (3, {alice.serial})


@needs_curl
def test_revoking_a_compromised_key_revokes_its_renewals(pki):
    alice = pki.issue("alice", "taker", 0)
    renewed = pki.ca.renew(alice.serial, 10)
    renewed_file = pki.dir / "alice.renewed.pem"
    renewed_file.write_bytes(cert_pem(renewed))
    pki.ca.revoke(alice.serial, "key_compromise")
    with GatewayThread(pki.ca_dir) as gw:
        assert curl_health(pki, gw.port, alice)[0] != 0
        code, body = curl_health(pki, gw.port, alice, cert=renewed_file)  # the same (compromised) key
        assert code != 0, f"the compromised key is still served through its renewal: {body}"
    assert pki.ca.entry(renewed.serial_number)["revoked"]["reason"] == "key_compromise"
    key = load_cert(renewed_file).public_key()
    with pytest.raises(PkiError, match="revoked for key compromise"):  # nor is it certified again
        pki.ca.issue(Identity("Firm alice", "alice", "taker", 0, eddsa.public_key(b"trader 0")), key, 10)
    bob = pki.issue("bob", "maker", 1)
    bob_renewed = pki.ca.renew(bob.serial, 10)
    pki.ca.revoke(bob.serial, "superseded")  # another reason: the renewal stays valid
    assert pki.ca.entry(bob_renewed.serial_number)["revoked"] is None


@needs_curl
def test_stopped_identity_attacks(pki):
    """Identity from headers, SNI or the server's own certificate: refused or ignored."""
    alice = pki.issue("alice", "taker", 0)
    with GatewayThread(pki.ca_dir) as gw:
        t0 = time.time()
        spoof = ("-H", "X-Forwarded-For: 10.9.9.9", "-H", "X-Client-Cert: CN=bob,OU=maker,O=Firm bob")
        code, body = curl_health(pki, gw.port, alice, *spoof)
        assert code == 0 and body["you"]["trader"] == "alice" and body["you"]["role"] == "taker"
        sni = ("--resolve", f"maker.example:{gw.port}:127.0.0.1", "-k")
        proc_code, _ = curl_health(pki, gw.port, alice, *sni)  # another SNI name changes nothing
        assert proc_code == 0
        server = Cred("server", pki.ca_dir / "server.cert.pem", pki.ca_dir / "server.key.pem", 0, 0, b"")
        t1 = time.time()
        assert curl_health(pki, gw.port, server)[0] != 0  # the gateway's own certificate as a client's
        deadline = time.time() + 5  # the gateway writes the line just after curl sees the alert
        while not audit_lines(pki, t1) and time.time() < deadline:
            time.sleep(0.05)
        assert "unsuitable certificate purpose" in audit_lines(pki, t1)[-1]["reason"]  # EKU serverAuth only
        assert curl_health(pki, gw.port, None)[0] != 0  # no certificate
        for line in audit_lines(pki, t0):
            assert "10.9.9.9" not in line["peer"] and "bob" not in str(line["subject"])


def test_stopped_csr_attacks(pki):
    """A CSR binding someone else's L2 key, a CSR whose proof of possession is for another TLS key."""
    from circuits.native import eddsa
    from rollup.rfq.identity import Identity
    from rollup.rfq.onboarding import approve, make_csr
    from tests.attack2.gateway_helpers import DictRegistry

    victim_key = eddsa.public_key(b"trader 0")
    registry = DictRegistry({0: victim_key, 3: eddsa.public_key(b"trader 3")})
    with pytest.raises(Exception, match="does not hold the key"):
        make_csr(Identity("Evil", "eve", "maker", 0, victim_key), b"trader 3")
    # eve signs a proof for account 3's key, then swaps the CSR's identity to account 0: the CSR's
    # own signature covers the extension, so she must re-sign the CSR; the L2 proof then fails
    from cryptography import x509

    from rollup.rfq.identity import extension, pop_message, spki
    from rollup.rfq.pki import signing_hash

    key = new_key("ed25519")
    mine = Identity("Evil", "eve", "maker", 3, eddsa.public_key(b"trader 3"))
    pop = eddsa.sign(b"trader 3", pop_message(spki(key.public_key()), mine))
    theirs = Identity("Evil", "eve", "maker", 0, victim_key)
    claim = {**theirs.to_json(), "pop": {"r8": [str(pop.r8[0]), str(pop.r8[1])], "s": str(pop.s)}}
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(theirs.subject())
        .add_extension(extension(claim), critical=False)
        .sign(key, signing_hash(key))
    )
    from cryptography.hazmat.primitives import serialization

    with pytest.raises(PkiError, match="proof of possession does not verify"):
        approve(pki.ca, csr.public_bytes(serialization.Encoding.PEM), 10, registry)
