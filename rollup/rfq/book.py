"""Open RFQs and firm quotes: their states, owners and lifetimes (no I/O).

An RFQ is open until it is filled, cancelled by its taker or expires; a quote is open
until it is filled, cancelled by its maker, expires, or its RFQ closes.  Owners are
identity keys (firm, trader) with the account their certificate binds, so a taker may
accept from another connection of the same identity.  Quote ids seen are remembered
until their expiry (a replay after that is refused as expired), filled quotes keep their
fill for ``KEEP`` seconds so a repeated accept gets the same answer.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, field

from circuits.native.eddsa import Signature
from rollup.rfq.errors import Closed, Expired, Forbidden, NotFound, Refused, Replay
from rollup.rfq.terms import Terms

MAX_LIFETIME = 300  # seconds: the longest an RFQ or a quote may stay open
KEEP = 600  # seconds a closed RFQ or quote is remembered (idempotent accept, clear errors)
MAX_OPEN_RFQS = 32  # per taker identity
MAX_OPEN_QUOTES = 256  # per maker identity
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
        self.rfqs: dict[str, Rfq] = {}
        self.quotes: dict[str, Quote] = {}

    # ---- RFQs -------------------------------------------------------------------------
    def open_rfq(self, owner: Owner, market: int, side: str, size: int, expiry: int, now: float) -> Rfq:
        if expiry <= now:
            raise Expired(f"RFQ expiry {expiry} is not in the future (now {int(now)})")
        if expiry > now + MAX_LIFETIME:
            raise Refused(f"RFQ expiry is more than {MAX_LIFETIME} s ahead")
        if sum(1 for r in self.rfqs.values() if r.owner[0] == owner[0] and r.state == "open") >= MAX_OPEN_RFQS:
            raise Refused(f"at most {MAX_OPEN_RFQS} open RFQs per taker")
        rfq = Rfq(secrets.token_hex(16), owner, market, side, size, expiry)
        self.rfqs[rfq.rfq_id] = rfq
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
        if sum(1 for q in self.quotes.values() if q.owner[0] == owner[0] and q.state == "open") >= MAX_OPEN_QUOTES:
            raise Refused(f"at most {MAX_OPEN_QUOTES} open quotes per maker")

    def add_quote(self, quote: Quote) -> None:
        self.quotes[quote.quote_id] = quote
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

    def close_rfq(self, rfq: Rfq, state: str, now: float) -> list[Quote]:
        """Close the RFQ; its still-open quotes close too (returned, for notices)."""
        rfq.state, rfq.closed_at = state, now
        closed = [self.quotes[q] for q in rfq.quotes if self.quotes[q].state == "open"]
        for quote in closed:
            self.close_quote(quote, "closed", now, f"RFQ {state}")
        return closed

    def expire(self, now: float) -> tuple[list[Rfq], list[Quote]]:
        """Expire what is due; forget what closed more than KEEP seconds ago."""
        rfqs = [r for r in self.rfqs.values() if r.state == "open" and r.expiry <= now]
        quotes = [q for q in self.quotes.values() if q.state == "open" and q.terms.expiry <= now]
        for quote in quotes:
            self.close_quote(quote, "expired", now)
        for rfq in rfqs:
            quotes += self.close_rfq(rfq, "expired", now)
        self._forget(now)
        return rfqs, quotes

    def _forget(self, now: float) -> None:
        old = now - KEEP
        for qid in [q for q, v in self.quotes.items() if v.state not in ("open", "filling") and v.closed_at < old]:
            if self.quotes[qid].terms.expiry < now:  # a replay is refused as expired from here on
                del self.quotes[qid]
        for rid in [r for r, v in self.rfqs.items() if v.state != "open" and v.closed_at < old]:
            if all(q not in self.quotes for q in self.rfqs[rid].quotes):
                del self.rfqs[rid]
