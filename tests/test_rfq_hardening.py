"""Units behind the attacker's-review fixes (tests/attack2 has the end-to-end attacks): pending
handshake admission, summarised audit lines, certificate validity on every request, the book's
open index and per-taker cap of closed RFQs, the CA's names and key-compromise policy."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from circuits.native import eddsa
from rollup.rfq import book as book_module
from rollup.rfq.admission import Handshakes, default_total
from rollup.rfq.audit import AuditLog
from rollup.rfq.book import KEEP, MAX_OPEN_RFQS, Book, Quote
from rollup.rfq.errors import PkiError, Refused
from rollup.rfq.identity import Identity, PeerIdentity
from rollup.rfq.pki import CertificateAuthority, new_key
from rollup.rfq.ratelimit import RateLimiter
from rollup.rfq.terms import Terms

PASS = b"ca passphrase"


class FakeTransport:
    def __init__(self, address: str) -> None:
        self.address, self.aborted = address, False

    def get_extra_info(self, name: str):
        return (self.address, 1234) if name == "peername" else None

    def abort(self) -> None:
        self.aborted = True


def test_pending_handshakes_drop_the_oldest_not_the_newest():
    hs = Handshakes(total=4, per_address=2)
    a1, a2, a3 = FakeTransport("10.0.0.1"), FakeTransport("10.0.0.1"), FakeTransport("10.0.0.1")
    for t in (a1, a2, a3):
        hs.admit(t)
    assert a1.aborted and not a2.aborted and not a3.aborted  # per address: the oldest of that address goes
    others = [FakeTransport(f"10.0.1.{i}") for i in range(3)]
    for t in others:
        hs.admit(t)
    assert a2.aborted and not a3.aborted and not any(t.aborted for t in others)  # globally: the oldest
    assert len(hs.pending) == 4 and hs.dropped == 2
    hs.done(a3)
    hs.done(a3)  # twice: harmless
    assert "10.0.0.1" not in hs.by_address and len(hs.pending) == 3
    assert 16 <= default_total() <= 1024


def test_summarised_audit_lines_count_what_they_leave_out(tmp_path):
    log = AuditLog(tmp_path / "audit.log")
    budget = RateLimiter(1.0, 2.0, clock=lambda: 0.0)  # two lines, then none (the clock stands still)
    for _ in range(10):
        log.summarised(budget, "k", None, "frame", "refused", "rate_limited", "peer")
    log.flush("k", None, "frame", "refused", "peer")
    log.flush("k", None, "frame", "refused", "peer")  # nothing more to say
    log.close()
    reasons = [json.loads(x)["reason"] for x in (tmp_path / "audit.log").read_text().splitlines()]
    assert reasons == ["rate_limited", "rate_limited", "8 more unlogged"]


def _who(not_before: datetime, not_after: datetime, serial: int = 7) -> PeerIdentity:
    ident = Identity("ACME", "alice", "taker", 1, eddsa.public_key(b"trader 1"))
    return PeerIdentity(ident, serial, "CN=alice", not_after, not_before)


def test_a_peer_certificate_is_checked_for_its_window_and_revocation():
    now = datetime.now(UTC)
    hour = timedelta(hours=1)
    assert _who(now - hour, now + hour).unusable(now.timestamp(), frozenset()) == ""
    assert _who(now - hour, now + hour).unusable(now.timestamp(), frozenset({7})) == "certificate revoked"
    assert _who(now - 2 * hour, now - hour).unusable(now.timestamp(), frozenset()) == "certificate expired"
    assert _who(now + hour, now + 2 * hour).unusable(now.timestamp(), frozenset()) == "certificate not yet valid"


TAKER, OTHER, MAKER = (("T", "t"), 0), (("O", "o"), 3), (("M", "m"), 1)


def _rfq_and_cancel(b: Book, owner, now: float) -> str:
    rfq = b.open_rfq(owner, 0, "buy", 1, int(now) + 60, now)
    b.close_rfq(rfq, "cancelled", now)
    return rfq.rfq_id


def test_closed_rfqs_are_capped_per_taker_and_forgotten_after_keep(monkeypatch):
    monkeypatch.setattr(book_module, "MAX_CLOSED_RFQS", 50)
    b, now = Book(), 1_000_000.0
    theirs = [_rfq_and_cancel(b, OTHER, now) for _ in range(3)]
    mine = [_rfq_and_cancel(b, TAKER, now + i * 0.01) for i in range(200)]
    assert set(b.rfqs) == set(theirs) | set(mine[-50:])  # the oldest of mine went first, none of theirs
    assert not b.open_rfqs
    b.expire(now + KEEP + 10)
    assert not b.rfqs and not b._closed_of


def test_open_caps_count_open_items_only_and_per_owner():
    b, now = Book(), 1_000_000.0
    for _ in range(3 * MAX_OPEN_RFQS):  # cancelled ones do not count
        _rfq_and_cancel(b, TAKER, now)
    for _ in range(MAX_OPEN_RFQS):
        b.open_rfq(TAKER, 0, "buy", 1, int(now) + 60, now)
    with pytest.raises(Refused, match="open RFQs"):
        b.open_rfq(TAKER, 0, "buy", 1, int(now) + 60, now)
    b.open_rfq(OTHER, 0, "buy", 1, int(now) + 60, now)  # another owner's cap is its own
    rfqs, _ = b.expire(now + 61)
    assert len(rfqs) == MAX_OPEN_RFQS + 1 and not b.open_rfqs


def test_an_rfq_with_a_filling_quote_is_kept_until_the_quote_closes(monkeypatch):
    monkeypatch.setattr(book_module, "MAX_CLOSED_RFQS", 1)
    b, now = Book(), 1_000_000.0
    rfq = b.open_rfq(TAKER, 0, "buy", 1, int(now) + 60, now)
    terms = Terms(0, 0, 1, 1, 5, int(now) + 60, 0, 0)
    quote = Quote("q1", rfq.rfq_id, MAKER, terms, 1, None)
    b.add_quote(quote)
    quote.state = "filling"  # as RfqService._on_accept does
    b.close_rfq(rfq, "expired", now)
    _rfq_and_cancel(b, TAKER, now)
    b.expire(now + KEEP + 10)
    assert rfq.rfq_id in b.rfqs and "q1" in b.quotes  # its quote is still being filled
    b.close_quote(quote, "filled", now + KEEP + 10)
    b.expire(now + 2 * KEEP + 20)
    assert not b.rfqs and not b.quotes


def test_the_ca_binds_names_to_one_account_and_refuses_compromised_keys(tmp_path):
    ca = CertificateAuthority.init(tmp_path / "ca", PASS)
    key = eddsa.public_key(b"trader 1")
    tls = new_key("ed25519")
    first = ca.issue(Identity("ACME", "alice", "taker", 1, key), tls.public_key(), 10)
    ca.issue(Identity("ACME", "alice", "maker", 1, key), new_key("ed25519").public_key(), 10)  # same account
    with pytest.raises(PkiError, match="belong to account 1"):
        ca.issue(Identity("ACME", "alice", "taker", 2, eddsa.public_key(b"trader 2")), new_key("p256").public_key(), 10)
    renewed = ca.renew(first.serial_number, 10)
    ca.revoke(first.serial_number, "key_compromise")
    assert ca.entry(renewed.serial_number)["revoked"]["reason"] == "key_compromise"
    with pytest.raises(PkiError, match="revoked for key compromise"):
        ca.issue(Identity("ACME", "alice", "taker", 1, key), tls.public_key(), 10)
    crl = ca.write_crl()
    assert {r.serial_number for r in crl} == {first.serial_number, renewed.serial_number}
