"""Open RFQs and firm quotes: their states, owners and lifetimes (no I/O).

An RFQ is open until it is filled, cancelled by its taker or expires; a quote is open
until it is filled, cancelled by its maker, expires, or its RFQ closes.  Owners are
identity keys (firm, trader) with the account their certificate binds, so a taker may
accept from another connection of the same identity.  A closed RFQ is remembered with its
quotes for ``KEEP`` seconds (a repeated accept gets the same fill, a replayed quote id is
refused; after that its expiry has passed and a replay is refused as expired), and at most
``MAX_CLOSED_RFQS`` of them per taker: a taker alternating rfq and cancel_rfq cannot grow
the book without bound.  Open RFQs and quotes are indexed apart and counted per owner, so
no message and no sweep scans what is closed.
"""

from __future__ import annotations

import asyncio
import secrets
from collections import Counter, deque
from dataclasses import dataclass, field

from circuits.native.eddsa import Signature
from rollup.rfq.errors import Closed, Expired, Forbidden, NotFound, Refused, Replay
from rollup.rfq.terms import Terms

MAX_LIFETIME = 300  # seconds: the longest an RFQ or a quote may stay open
KEEP = 600  # seconds a closed RFQ or quote is remembered (idempotent accept, clear errors)
MAX_OPEN_RFQS = 32  # per taker identity
MAX_OPEN_QUOTES = 256  # per maker identity
MAX_CLOSED_RFQS = 1024  # closed RFQs remembered per taker identity (the oldest go first)
Owner = tuple[tuple[str, str], int]  # (identity key, account)


@dataclass
class Rfq:
    rfq_id: str
    owner: Owner
    market: int
    side: str
    size: int
    expiry: int
    state: str = "open"  # open | filled | cancelled | expired
    closed_at: float = 0.0
    quotes: list[str] = field(default_factory=list)

    def public(self) -> dict:
        """What makers see: no firm, no trader; the taker's account is part of the signed terms."""
        return {
            "rfq_id": self.rfq_id,
            "market": self.market,
            "side": self.side,
            "size": self.size,
            "expiry": self.expiry,
            "taker_account": self.owner[1],
        }


@dataclass
class Quote:
    quote_id: str
    rfq_id: str
    owner: Owner
    terms: Terms
    message: int  # the ledger trade message of the terms (the quote id as an integer)
    signature: Signature
    state: str = "open"  # open | filling | filled | cancelled | expired | rejected | closed
    closed_at: float = 0.0
    reason: str = ""
    fill: asyncio.Future | None = None  # the fill message, shared by repeated accepts


class Book:
    def __init__(self) -> None:
        self.rfqs: dict[str, Rfq] = {}  # every RFQ remembered, open or closed, in opening order
        self.quotes: dict[str, Quote] = {}
        self.open_rfqs: dict[str, Rfq] = {}
        self.open_quotes: dict[str, Quote] = {}  # open or filling
        self._open_of: Counter[tuple[str, Owner]] = Counter()  # ("rfq" | "quote", owner) -> open count
        self._closed_of: dict[Owner, deque[str]] = {}  # a taker's closed RFQs, oldest first

    # ---- RFQs -------------------------------------------------------------------------
    def open_rfq(self, owner: Owner, market: int, side: str, size: int, expiry: int, now: float) -> Rfq:
        if expiry <= now:
            raise Expired(f"RFQ expiry {expiry} is not in the future (now {int(now)})")
        if expiry > now + MAX_LIFETIME:
            raise Refused(f"RFQ expiry is more than {MAX_LIFETIME} s ahead")
        if self._open_of["rfq", owner] >= MAX_OPEN_RFQS:
            raise Refused(f"at most {MAX_OPEN_RFQS} open RFQs per taker")
        rfq = Rfq(secrets.token_hex(16), owner, market, side, size, expiry)
        self.rfqs[rfq.rfq_id] = self.open_rfqs[rfq.rfq_id] = rfq
        self._open_of["rfq", owner] += 1
        return rfq

    def rfq(self, rfq_id: str, now: float) -> Rfq:
        """An open RFQ; NotFound, Closed or Expired otherwise."""
        rfq = self.rfqs.get(rfq_id)
        if rfq is None:
            raise NotFound(f"no RFQ {rfq_id}")
        if rfq.state == "open" and rfq.expiry <= now:
            raise Expired(f"RFQ {rfq_id} expired at {rfq.expiry}")
        if rfq.state != "open":
            raise (Expired if rfq.state == "expired" else Closed)(f"RFQ {rfq_id} is {rfq.state}")
        return rfq

    def own_rfq(self, rfq_id: str, owner: Owner, now: float) -> Rfq:
        rfq = self.rfq(rfq_id, now)
        if rfq.owner != owner:
            raise Forbidden(f"RFQ {rfq_id} belongs to another taker")
        return rfq

    # ---- quotes -------------------------------------------------------------------------
    def check_new_quote(self, rfq: Rfq, quote_id: str, owner: Owner, expiry: int, now: float) -> None:
        """Refusals that need no signature check: replay, self-trade, lifetime, caps."""
        if quote_id in self.quotes:
            raise Replay(f"quote {quote_id[:18]}… was already sent; a quote is single-use")
        if owner[1] == rfq.owner[1]:
            raise Forbidden("a maker cannot quote its own account's RFQ")
        if expiry <= now:
            raise Expired(f"quote expiry {expiry} is not in the future (now {int(now)})")
        if expiry > now + MAX_LIFETIME:
            raise Refused(f"quote expiry is more than {MAX_LIFETIME} s ahead")
        if self._open_of["quote", owner] >= MAX_OPEN_QUOTES:
            raise Refused(f"at most {MAX_OPEN_QUOTES} open quotes per maker")

    def add_quote(self, quote: Quote) -> None:
        self.quotes[quote.quote_id] = self.open_quotes[quote.quote_id] = quote
        self._open_of["quote", quote.owner] += 1
        self.rfqs[quote.rfq_id].quotes.append(quote.quote_id)

    def quote(self, quote_id: str) -> Quote:
        quote = self.quotes.get(quote_id)
        if quote is None:
            raise NotFound(f"no quote {quote_id[:18]}…")
        return quote

    def acceptable(self, quote: Quote, owner: Owner, now: float) -> None:
        """The taker may accept this open quote now (repeated accepts are handled by the caller)."""
        rfq = self.rfqs[quote.rfq_id]
        if rfq.owner != owner:
            raise Forbidden("the quote answers another taker's RFQ")
        if quote.state == "open" and quote.terms.expiry <= now:
            raise Expired(f"quote expired at {quote.terms.expiry}")
        if quote.state != "open":
            raise (Expired if quote.state == "expired" else Closed)(f"quote is {quote.state} {quote.reason}".strip())
        self.rfq(rfq.rfq_id, now)

    # ---- closing ---------------------------------------------------------------------------
    def close_quote(self, quote: Quote, state: str, now: float, reason: str = "") -> None:
        quote.state, quote.closed_at, quote.reason = state, now, reason
        if self.open_quotes.pop(quote.quote_id, None) is not None:
            self._open_of["quote", quote.owner] -= 1

    def close_rfq(self, rfq: Rfq, state: str, now: float) -> list[Quote]:
        """Close the RFQ; its still-open quotes close too (returned, for notices)."""
        rfq.state, rfq.closed_at = state, now
        if self.open_rfqs.pop(rfq.rfq_id, None) is not None:
            self._open_of["rfq", rfq.owner] -= 1
            self._closed_of.setdefault(rfq.owner, deque()).append(rfq.rfq_id)
        closed = [self.quotes[q] for q in rfq.quotes if self.quotes[q].state == "open"]
        for quote in closed:
            self.close_quote(quote, "closed", now, f"RFQ {state}")
        if rfq.owner in self._closed_of:
            self._trim(rfq.owner, now - KEEP)
        return closed

    def expire(self, now: float) -> tuple[list[Rfq], list[Quote]]:
        """Expire what is due; forget what closed more than KEEP seconds ago."""
        rfqs = [r for r in self.open_rfqs.values() if r.expiry <= now]
        quotes = [q for q in self.open_quotes.values() if q.state == "open" and q.terms.expiry <= now]
        for quote in quotes:
            self.close_quote(quote, "expired", now)
        for rfq in rfqs:
            quotes += self.close_rfq(rfq, "expired", now)
        self._forget(now)
        return rfqs, quotes

    def _forget(self, now: float) -> None:
        """Forget RFQs (with their quotes) closed before now - KEEP."""
        for owner in list(self._closed_of):
            self._trim(owner, now - KEEP)

    def _trim(self, owner: Owner, before: float) -> None:
        """Forget owner's oldest closed RFQs with their quotes: those closed before ``before`` and
        any beyond MAX_CLOSED_RFQS; stops at one whose quote is still open or filling."""
        mine = self._closed_of[owner]
        while mine:
            rfq = self.rfqs[mine[0]]
            if len(mine) <= MAX_CLOSED_RFQS and rfq.closed_at >= before:
                break
            if any(q in self.open_quotes for q in rfq.quotes):
                break
            mine.popleft()
            del self.rfqs[rfq.rfq_id]
            for q in rfq.quotes:
                self.quotes.pop(q, None)
        if not mine:
            del self._closed_of[owner]
