"""The RFQ flow, independent of the transport: who may send what, and what happens.

``RfqService.handle(peer, message)`` either returns a short note for the audit log or
raises a ``Refused`` subclass (the gateway answers with its code and message and keeps
serving).  Roles, accounts and L2 keys come from ``peer.who`` (the verified client
certificate), never from the message.  Signatures are checked by ``verify`` (run off the
event loop by the gateway) against the L2 key the certificate binds; nonces are checked
against the sequencer before a quote is shown and before a trade is submitted.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

from circuits.native.eddsa import Signature
from rollup.errors import InvalidTransaction
from rollup.rfq.book import Book, Owner, Quote, Rfq
from rollup.rfq.errors import BadSignature, Forbidden, QuoteSuperseded, Refused, SequencerRejected, UnknownMarket
from rollup.rfq.identity import PeerIdentity
from rollup.rfq.protocol import Message, out, signature_json
from rollup.rfq.sequencer import Sequencer
from rollup.rfq.terms import Terms, parties, quote_id

Verify = Callable[[int, Signature, tuple[int, int]], Awaitable[bool]]
ROLE_OF = {"rfq": "taker", "accept": "taker", "cancel_rfq": "taker", "quote": "maker", "cancel_quote": "maker"}


class Peer(Protocol):
    who: PeerIdentity

    def send(self, msg: dict | str) -> None:
        """Queue a message (or its JSON text) to this connection (never blocks)."""


def owner(peer: Peer) -> Owner:
    return (peer.who.identity.key, peer.who.identity.account)


class RfqService:
    def __init__(self, sequencer: Sequencer, markets: int, verify: Verify, clock: Callable[[], float] = time.time):
        self.sequencer, self.markets, self.verify, self.clock = sequencer, markets, verify, clock
        self.book = Book()
        self.domain: int | None = None
        self.peers: set[Peer] = set()

    async def start(self) -> None:
        self.domain = await self.sequencer.domain()

    # ---- routing --------------------------------------------------------------------
    def _to_owner(self, who: Owner, msg: dict) -> None:
        for peer in list(self.peers):
            if owner(peer) == who:
                peer.send(msg)

    def _to_makers(self, msg: dict, only: set[Owner] | None = None) -> None:
        """To every maker (or the makers in only); the text is encoded once."""
        text = json.dumps(msg, separators=(",", ":"))
        for peer in list(self.peers):
            if peer.who.identity.role == "maker" and (only is None or owner(peer) in only):
                peer.send(text)

    async def welcome(self, peer: Peer) -> dict:
        """Who the peer is (from its certificate), the domain, and for makers the open RFQs."""
        ident, now = peer.who.identity, self.clock()
        rfqs = []
        if ident.role == "maker":
            for rfq in [r for r in self.book.open_rfqs.values() if r.expiry > now]:
                found = await self.sequencer.account(rfq.owner[1])
                rfqs.append({**rfq.public(), "taker_nonce": found[1] if found else 0, "domain": str(self.domain)})
        who = {"firm": ident.firm, "trader": ident.trader, "role": ident.role, "account": ident.account}
        return out(
            "welcome",
            identity=who,
            serial=peer.who.serial_hex,
            domain=str(self.domain),
            markets=self.markets,
            rfqs=rfqs,
        )

    # ---- dispatch -------------------------------------------------------------------
    async def handle(self, peer: Peer, msg: Message) -> str:
        role = ROLE_OF.get(msg.type)
        if role is not None and peer.who.identity.role != role:
            raise Forbidden(f"a {peer.who.identity.role} may not send {msg.type} (role from its certificate)")
        handler = getattr(self, f"_on_{msg.type}")
        return await handler(peer, msg)

    async def _on_ping(self, peer: Peer, msg: Message) -> str:
        peer.send(out("pong", msg.ref, time=self.clock()))
        return "pong"

    async def _on_account(self, peer: Peer, msg: Message) -> str:
        account = peer.who.identity.account
        nonce = await self._nonce(peer, account)
        peer.send(out("account", msg.ref, account=account, nonce=nonce))
        return f"account {account} nonce {nonce}"

    async def _nonce(self, peer: Peer, account: int) -> int:
        """The account's nonce; refuses an account that does not exist or whose key is not the cert's."""
        found = await self.sequencer.account(account)
        if found is None:
            raise Refused(f"account {account} does not exist on the ledger")
        if account == peer.who.identity.account and tuple(found[0]) != peer.who.identity.l2_pubkey:
            raise Forbidden(f"the certificate's L2 key is not account {account}'s key")
        return found[1]

    async def _on_rfq(self, peer: Peer, msg: Message) -> str:
        if msg["market"] >= self.markets:
            raise UnknownMarket(f"market {msg['market']} is not traded here (markets 0..{self.markets - 1})")
        nonce = await self._nonce(peer, peer.who.identity.account)
        rfq = self.book.open_rfq(owner(peer), msg["market"], msg["side"], msg["size"], msg["expiry"], self.clock())
        peer.send(out("rfq_ack", msg.ref, rfq_id=rfq.rfq_id, rfq=rfq.public()))
        self._broadcast_rfq(rfq, nonce)
        return f"rfq {rfq.rfq_id}"

    def _broadcast_rfq(self, rfq: Rfq, taker_nonce: int) -> None:
        self._to_makers(out("rfq", **rfq.public(), taker_nonce=taker_nonce, domain=str(self.domain)))

    async def _current(self, peer: Peer, terms: Terms) -> None:
        """QuoteSuperseded unless both nonces in the terms are the accounts' current ones."""
        nb, ns = await asyncio.gather(self._nonce(peer, terms.buyer), self._nonce(peer, terms.seller))
        if (nb, ns) != (terms.nonce_buyer, terms.nonce_seller):
            raise QuoteSuperseded(f"quote superseded: nonces are now buyer {nb}, seller {ns}")

    async def _signed(self, peer: Peer, msg_int: int, sig: Signature, what: str) -> None:
        if not await self.verify(msg_int, sig, peer.who.identity.l2_pubkey):
            raise BadSignature(f"{what} is not signed by the L2 key of account {peer.who.identity.account}")

    async def _on_quote(self, peer: Peer, msg: Message) -> str:
        now, me = self.clock(), owner(peer)
        rfq = self.book.rfq(msg["rfq_id"], now)
        buyer, seller = parties(rfq.side, rfq.owner[1], me[1])
        terms = Terms(
            rfq.market, buyer, seller, rfq.size, msg["price"], msg["expiry"], msg["nonce_buyer"], msg["nonce_seller"]
        )
        message = terms.message(self.domain)
        qid = quote_id(message)
        self.book.check_new_quote(rfq, qid, me, terms.expiry, now)
        await self._current(peer, terms)
        await self._signed(peer, message, msg["signature"], "quote")
        self.book.check_new_quote(self.book.rfq(rfq.rfq_id, self.clock()), qid, me, terms.expiry, self.clock())
        quote = Quote(qid, rfq.rfq_id, me, terms, message, msg["signature"])
        self.book.add_quote(quote)
        peer.send(out("quote_ack", msg.ref, quote_id=qid, rfq_id=rfq.rfq_id))
        self._to_owner(rfq.owner, self._quote_msg(quote))
        return f"quote {qid} on rfq {rfq.rfq_id}"

    def _quote_msg(self, quote: Quote) -> dict:
        rfq = self.book.rfqs[quote.rfq_id]
        return out(
            "quote",
            rfq_id=quote.rfq_id,
            quote_id=quote.quote_id,
            side=rfq.side,
            maker_account=quote.owner[1],
            terms=quote.terms.to_json(),
            signature=signature_json(quote.signature),
        )

    async def _on_accept(self, peer: Peer, msg: Message) -> str:
        quote, me = self.book.quote(msg["quote_id"]), owner(peer)
        if quote.fill is not None and self.book.rfqs[quote.rfq_id].owner == me:  # idempotent by quote id
            fill = await asyncio.shield(quote.fill)
            peer.send({**fill, **({"ref": msg.ref} if msg.ref else {})})
            return f"accept {quote.quote_id} (repeated)"
        self.book.acceptable(quote, me, self.clock())
        await self._signed(peer, quote.message, msg["signature"], "accept")
        if quote.fill is not None:  # another accept got there while this one was verified
            return await self._on_accept(peer, msg)
        self.book.acceptable(quote, me, self.clock())  # again: a cancel or expiry during the await wins
        fut = quote.fill = asyncio.get_running_loop().create_future()
        quote.state = "filling"
        try:
            fill = await self._submit(peer, quote, msg["signature"])
        except BaseException as exc:
            fut.set_exception(exc if isinstance(exc, Exception) else Refused("accept cancelled"))
            fut.exception()  # marked retrieved; repeated accepts still see it through shield
            raise
        fut.set_result(fill)
        self._after_fill(quote, fill, msg.ref)
        return f"fill {quote.quote_id} {fill['tx_hash']}"

    async def _submit(self, peer: Peer, quote: Quote, taker_sig: Signature) -> dict:
        terms, now = quote.terms, self.clock()
        taker_buys = terms.buyer == owner(peer)[1]
        buyer_sig, seller_sig = (taker_sig, quote.signature) if taker_buys else (quote.signature, taker_sig)
        try:
            await self._current(peer, terms)
            receipt = await self.sequencer.submit(terms.trade(buyer_sig, seller_sig))
        except QuoteSuperseded as exc:
            self.book.close_quote(quote, "rejected", now, str(exc))
            raise
        except InvalidTransaction as exc:
            self.book.close_quote(quote, "rejected", now, f"{type(exc).__name__}: {exc}")
            raise SequencerRejected(f"sequencer refused the trade: {type(exc).__name__}: {exc}") from exc
        except BaseException:
            quote.state = "open"  # the sequencer did not answer: the quote may be accepted again
            quote.fill = None
            raise
        tx_hash = receipt.get("tx_hash") if isinstance(receipt.get("tx_hash"), str) else ""
        return out(
            "fill",
            rfq_id=quote.rfq_id,
            quote_id=quote.quote_id,
            terms=terms.to_json(),
            tx_hash=tx_hash,
            receipt=receipt,
        )

    def _after_fill(self, quote: Quote, fill: dict, ref: str | None) -> None:
        now, rfq = self.clock(), self.book.rfqs[quote.rfq_id]
        self.book.close_quote(quote, "filled", now)
        self._quotes_closed(self.book.close_rfq(rfq, "filled", now), "RFQ filled")
        self._to_owner(rfq.owner, {**fill, **({"ref": ref} if ref else {})})
        self._to_owner(quote.owner, fill)
        quoted = {self.book.quotes[q].owner for q in rfq.quotes if q in self.book.quotes}
        self._to_makers(out("rfq_closed", rfq_id=rfq.rfq_id, reason="filled"), only=quoted)

    def _quotes_closed(self, quotes: list[Quote], reason: str) -> None:
        for quote in quotes:
            self._to_owner(
                quote.owner, out("quote_closed", quote_id=quote.quote_id, rfq_id=quote.rfq_id, reason=reason)
            )

    async def _on_cancel_rfq(self, peer: Peer, msg: Message) -> str:
        now = self.clock()
        rfq = self.book.own_rfq(msg["rfq_id"], owner(peer), now)
        self._quotes_closed(self.book.close_rfq(rfq, "cancelled", now), "RFQ cancelled")
        self._to_makers(out("rfq_closed", rfq_id=rfq.rfq_id, reason="cancelled"))
        peer.send(out("rfq_closed", msg.ref, rfq_id=rfq.rfq_id, reason="cancelled"))
        return f"cancel rfq {rfq.rfq_id}"

    async def _on_cancel_quote(self, peer: Peer, msg: Message) -> str:
        quote = self.book.quote(msg["quote_id"])
        if quote.owner != owner(peer):
            raise Forbidden("the quote is another maker's")
        if quote.state != "open":
            raise Refused(f"quote is {quote.state}, not open")
        self.book.close_quote(quote, "cancelled", self.clock())
        notice = out("quote_closed", quote_id=quote.quote_id, rfq_id=quote.rfq_id, reason="cancelled")
        self._to_owner(self.book.rfqs[quote.rfq_id].owner, notice)
        peer.send({**notice, **({"ref": msg.ref} if msg.ref else {})})
        return f"cancel quote {quote.quote_id}"

    # ---- expiry -------------------------------------------------------------------------
    def sweep(self) -> None:
        """Expire due RFQs and quotes and tell their owners (and the makers, for RFQs)."""
        rfqs, quotes = self.book.expire(self.clock())
        for quote in quotes:
            notice = out("quote_closed", quote_id=quote.quote_id, rfq_id=quote.rfq_id, reason=quote.state)
            self._to_owner(quote.owner, notice)
            self._to_owner(self.book.rfqs[quote.rfq_id].owner, notice)
        for rfq in rfqs:
            notice = out("rfq_closed", rfq_id=rfq.rfq_id, reason="expired")
            self._to_makers(notice)
            self._to_owner(rfq.owner, notice)
