"""Transactions as JSON: what the node's API, ``zkdx submit`` and the RFQ gateway exchange.

    {"type": "trade", "market": 0, "buyer": 1, "seller": 2, "amount": 10, "price": 3000000,
     "expiry": 1099511627776, "buyer_signature": {"r8": ["…", "…"], "s": "…"}, "seller_signature": {…}}

Integers are JSON integers or decimal strings (field elements exceed what JavaScript numbers
hold exactly); ``encode`` writes integers of 2^53 and more as strings, so one transaction
has one encoding and ``tx_hash`` (SHA-256 of the canonical JSON) names it.  ``decode`` is
strict: unknown types, missing or extra fields, booleans, floats, and numbers of more than
78 digits raise ``TransactionFormatError``; the ledger rules (ranges, signatures) are the
spec's job, not the codec's.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import typing
from typing import Any

from circuits.native.eddsa import Signature
from rollup.errors import TransactionFormatError
from rollup.ledger import types as t
from verifier import jsonsafe

TYPES: dict[str, type] = {
    "deposit": t.Deposit,
    "withdraw": t.Withdraw,
    "trade": t.Trade,
    "funding": t.FundingTick,
    "oracle": t.OracleTick,
    "liquidation": t.Liquidation,
    "forced_exit": t.ForcedExit,
    "forced_close": t.ForcedClose,
    "noop": t.Noop,
}
NAMES = {cls: name for name, cls in TYPES.items()}
MAX_DIGITS = 78  # 2^256 has 78 decimal digits
MAX_BYTES = 64 << 10  # one transaction is well under 1 kB
JS_SAFE = 1 << 53


def _int(v: object, what: str) -> int:
    if isinstance(v, int) and not isinstance(v, bool):
        out = v
    elif isinstance(v, str) and 0 < len(v.lstrip("-")) <= MAX_DIGITS and v.lstrip("-").isdigit() and v.isascii():
        out = int(v)
    else:
        shown = repr(v) if len(repr(v)) <= 40 else repr(v)[:40] + "…"
        raise TransactionFormatError(f"{what}: expected an integer or a decimal string, got {shown}")
    if len(str(abs(out))) > MAX_DIGITS:
        raise TransactionFormatError(f"{what}: integer of more than {MAX_DIGITS} digits")
    return out


def _point(v: object, what: str) -> tuple[int, int]:
    if not isinstance(v, list) or len(v) != 2:
        raise TransactionFormatError(f"{what}: expected a point [x, y]")
    return (_int(v[0], f"{what}[0]"), _int(v[1], f"{what}[1]"))


def _signature(v: object, what: str) -> Signature:
    if not isinstance(v, dict) or set(v) != {"r8", "s"}:
        raise TransactionFormatError(f'{what}: expected {{"r8": [x, y], "s": n}}')
    return Signature(_point(v["r8"], f"{what}.r8"), _int(v["s"], f"{what}.s"))


def _decoder(annotation: object) -> typing.Callable[[object, str], object]:
    if annotation is Signature:
        return _signature
    if annotation is int:
        return _int
    return _point  # the only other field type: a Baby Jubjub point


def _hints(cls: type) -> dict[str, object]:
    return typing.get_type_hints(cls, vars(t))


def _out(v: Any) -> Any:
    if isinstance(v, Signature):
        return {"r8": [_out(v.r8[0]), _out(v.r8[1])], "s": _out(v.s)}
    if isinstance(v, tuple):
        return [_out(x) for x in v]
    return v if -JS_SAFE < v < JS_SAFE else str(v)


def encode(tx: t.Transaction) -> dict:
    """The JSON object of a transaction (integers ≥ 2^53 as decimal strings)."""
    out: dict[str, Any] = {"type": NAMES[type(tx)]}
    for f in dataclasses.fields(tx):
        out[f.name] = _out(getattr(tx, f.name))
    return out


def decode(obj: object) -> t.Transaction:
    """A transaction from its JSON object; TransactionFormatError naming the first problem."""
    if not isinstance(obj, dict):
        raise TransactionFormatError("a transaction is a JSON object")
    cls = TYPES.get(obj.get("type")) if isinstance(obj.get("type"), str) else None
    if cls is None:
        raise TransactionFormatError(f"unknown transaction type; known: {', '.join(TYPES)}")
    hints = _hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    extra, missing = set(obj) - {"type", *names}, [n for n in names if n not in obj]
    if extra or missing:
        what = f"missing {missing or 'nothing'}, unexpected {sorted(extra)[:5] or 'nothing'}"
        raise TransactionFormatError(f"{obj['type']}: {what}")
    return cls(**{n: _decoder(hints[n])(obj[n], f"{obj['type']}.{n}") for n in names})


def loads(text: str | bytes) -> t.Transaction:
    """Parse (size and depth bounded) and decode one transaction."""
    return decode(jsonsafe.loads(text, TransactionFormatError, max_bytes=MAX_BYTES, max_depth=8))


def dumps(tx: t.Transaction) -> str:
    """The canonical JSON text (sorted keys, no spaces)."""
    return json.dumps(encode(tx), sort_keys=True, separators=(",", ":"))


def tx_hash(tx: t.Transaction) -> str:
    """0x-prefixed SHA-256 of the canonical JSON: the transaction's name in receipts and logs."""
    return "0x" + hashlib.sha256(dumps(tx).encode()).hexdigest()
