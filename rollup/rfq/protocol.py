"""The gateway's wire protocol, version 1: one JSON object per WebSocket text frame.

Every message has ``"v": 1`` and a ``"type"``; a client may add ``"ref"`` (a string of at
most 64 characters) that the gateway echoes in its answer.  Integers are JSON integers or
decimal strings (field elements exceed JavaScript's safe integers).  Client messages:

    rfq          (taker)  market, side ("buy" | "sell": the taker's side), size, expiry
    quote        (maker)  rfq_id, price, expiry, nonce_buyer, nonce_seller, signature
    accept       (taker)  quote_id, signature
    cancel_rfq   (taker)  rfq_id
    cancel_quote (maker)  quote_id
    ping                  -
    account               - (answer: the sender's account and its current nonce)

``signature`` is {"r8": [x, y], "s": n}, EdDSA-Poseidon over the ledger's trade message
Poseidon(domain, record(market, buyer, seller, size, price), nonce_buyer + nonce_seller·2^32,
expiry); the quote id is that message as 0x + 64 hex digits.  Expiries are Unix seconds.
Gateway messages: welcome, rfq (to makers), rfq_ack, quote (to the requester), quote_ack,
fill, rfq_closed, quote_closed, account, pong, error {code, message}.  Unknown fields, unknown
types, a wrong version or a wrong type of value are refused (``ProtocolError``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from circuits.field import R
from circuits.ledger.params import AMOUNT_BITS, NONCE_BITS, PRICE_BITS
from circuits.native.eddsa import Signature
from rollup.rfq.errors import ProtocolError
from verifier import jsonsafe

VERSION = 1
MAX_FRAME = 4096  # bytes; the largest valid message (a quote) is under 600
MAX_DEPTH = 4
SIDES = ("buy", "sell")
ID_RE = re.compile(r"(0x)?[0-9a-f]{1,64}")
MAX_DIGITS = 78


def _uint(bits: int, minimum: int = 0) -> Callable[[object, str], int]:
    def check(v: object, what: str) -> int:
        if isinstance(v, str) and 0 < len(v) <= MAX_DIGITS and v.isascii() and v.isdigit():
            v = int(v)
        if not isinstance(v, int) or isinstance(v, bool) or not minimum <= v < (1 << bits):
            raise ProtocolError(f"{what} must be an integer in [{minimum}, 2^{bits})")
        return v

    return check


def _field(v: object, what: str) -> int:
    out = _uint(254)(v, what)
    if out >= R:
        raise ProtocolError(f"{what} is not a field element")
    return out


def _signature(v: object, what: str) -> Signature:
    if not isinstance(v, dict) or set(v) != {"r8", "s"} or not isinstance(v["r8"], list) or len(v["r8"]) != 2:
        raise ProtocolError(f'{what} must be {{"r8": [x, y], "s": n}}')
    return Signature((_field(v["r8"][0], f"{what}.r8[0]"), _field(v["r8"][1], f"{what}.r8[1]")), _field(v["s"], what))


def _side(v: object, what: str) -> str:
    if v not in SIDES:
        raise ProtocolError(f"{what} must be one of {', '.join(SIDES)}")
    return v


def _id(v: object, what: str) -> str:
    if not isinstance(v, str) or not ID_RE.fullmatch(v):
        raise ProtocolError(f"{what} must be a lowercase hex id")
    return v


UNIX = _uint(AMOUNT_BITS)
SCHEMA: dict[str, dict[str, Callable[[object, str], object]]] = {
    "rfq": {"market": _uint(4), "side": _side, "size": _uint(AMOUNT_BITS, 1), "expiry": UNIX},
    "quote": {
        "rfq_id": _id,
        "price": _uint(PRICE_BITS, 1),
        "expiry": UNIX,
        "nonce_buyer": _uint(NONCE_BITS),
        "nonce_seller": _uint(NONCE_BITS),
        "signature": _signature,
    },
    "accept": {"quote_id": _id, "signature": _signature},
    "cancel_rfq": {"rfq_id": _id},
    "cancel_quote": {"quote_id": _id},
    "ping": {},
    "account": {},
}


@dataclass(frozen=True)
class Message:
    type: str
    fields: dict
    ref: str | None = None

    def __getitem__(self, name: str) -> object:
        return self.fields[name]


def peek_ref(obj: object) -> str | None:
    """The ref of a (possibly invalid) message, if it is a short string, for error replies."""
    ref = obj.get("ref") if isinstance(obj, dict) else None
    return ref if isinstance(ref, str) and len(ref) <= 64 else None


def validate(obj: object) -> Message:
    """A decoded JSON value checked against the schema; ProtocolError naming the first problem."""
    if not isinstance(obj, dict):
        raise ProtocolError("a message is a JSON object")
    if obj.get("v") != VERSION or isinstance(obj.get("v"), bool):
        raise ProtocolError(f'unsupported protocol version {obj.get("v")!r}; this gateway speaks "v": {VERSION}')
    kind = obj.get("type")
    if not isinstance(kind, str) or kind not in SCHEMA:
        raise ProtocolError(f"unknown message type; known: {', '.join(SCHEMA)}")
    ref = obj.get("ref")
    if "ref" in obj and (not isinstance(ref, str) or len(ref) > 64):
        raise ProtocolError("ref must be a string of at most 64 characters")
    schema = SCHEMA[kind]
    extra = set(obj) - {"v", "type", "ref", *schema}
    missing = [name for name in schema if name not in obj]
    if extra or missing:
        raise ProtocolError(f"{kind}: missing {missing or 'nothing'}, unexpected {sorted(extra)[:5] or 'nothing'}")
    return Message(kind, {name: check(obj[name], f"{kind}.{name}") for name, check in schema.items()}, ref)


def parse(text: str | bytes) -> object:
    """One frame's JSON value, size and nesting bounded before json.loads."""
    return jsonsafe.loads(text, ProtocolError, max_bytes=MAX_FRAME, max_depth=MAX_DEPTH)


def decode(text: str | bytes) -> Message:
    """Parse one frame and validate it."""
    return validate(parse(text))


def signature_json(sig: Signature) -> dict:
    return {"r8": [str(sig.r8[0]), str(sig.r8[1])], "s": str(sig.s)}


def out(kind: str, ref: str | None = None, **fields: object) -> dict:
    """A gateway message."""
    msg: dict = {"v": VERSION, "type": kind}
    if ref is not None:
        msg["ref"] = ref
    msg.update(fields)
    return msg
