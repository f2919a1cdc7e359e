"""Transactions for the stateful ledger fuzz (``tests/test_ledger_stateful.py``): boundary values
read off the state (oracle prices, collateral, range limits, the funding cap) and signatures.

Terms that cannot be encoded (an amount of 2^64, a price of 2^40) cannot be signed either; such
transactions carry a signature over something else, so what refuses them is the range check."""

from __future__ import annotations

import functools
from collections.abc import Callable
from fractions import Fraction

from circuits.errors import RangeError
from circuits.ledger.params import FUNDING_UNIT, RISK_UNIT, LedgerParams, TxType
from circuits.ledger.records import Record, encode_signed
from circuits.ledger.state import message
from circuits.native.eddsa import Signature
from rollup import errors as err
from rollup.ledger.demo import ORACLE
from rollup.ledger.signing import Wallet
from rollup.ledger.state import LedgerState
from rollup.ledger.transition import funding_expiry, message_for
from rollup.ledger.types import FundingTick, Liquidation, OracleTick, Trade, Withdraw
from tests.ledger_fuzz_model import C63, S47, free_collateral, risk, settled, value

MALLORY = Wallet(b"mallory")
FAR = 1 << 63  # an expiry no run reaches (time leaps are at most 2^40 s)
U64 = 1 << 64
P40 = (1 << 40) - 1
PRICES = ("zero", "one", "oracle", "below", "above", "-1%", "+1%", "max", "beyond")
EXPIRIES = ("far", "far", "far", "far", "now", "expired", "beyond")
TICKS = ("zero", "one", "crash", "-10%", "-1%", "same", "+1%", "+10%", "double", "max", "beyond")
SQUEEZES = ("liquidatable", "below initial")  # tick prices that take a position just past a margin edge
DELTAS = ("zero", "one", "-one", "cap", "-cap", "cap+1", "-cap-1", "huge", "min64", "max64", "beyond")
WITHDRAWALS = ("one", "all", "over", "free", "free+1", "max64", "beyond64")
SIZES = ("zero", "one", "x0.1", "x1", "x5", "x15", "x19", "x25", "s47-1", "s47", "u64-1")
APPLY_ONCE = (Withdraw, Trade, Liquidation, OracleTick)  # signed over nonces or time: apply at most once
LIMITS = ("buyer size", "seller size", "buyer collateral", "seller collateral")


@functools.lru_cache(maxsize=4096)
def _sign(wallet: Wallet, msg: int) -> Signature:
    return wallet.sign(msg)


DUMMY = _sign(MALLORY, 0)


def signature(wallet: Wallet, msg: Callable[[], int]) -> Signature:
    """wallet's signature on msg(), or DUMMY where the terms cannot be encoded or the signer's
    account does not exist (no nonce to sign over)."""
    try:
        return _sign(wallet, msg())
    except (RangeError, err.InvalidTransaction):
        return DUMMY


# ---- values read off the state ----------------------------------------------------------------


def oracle_price(state: LedgerState, market: int) -> int:
    """The market's oracle price, or a typical one for a market not (yet) priced or configured."""
    price = state.markets[market].price if market < len(state.markets) else 0
    return price or 3_000_000


def price(state: LedgerState, market: int, kind: str) -> int:
    p = oracle_price(state, market)
    table = {"zero": 0, "one": 1, "oracle": p, "below": p - 1, "above": p + 1, "-1%": p * 99 // 100}
    return (table | {"+1%": p * 101 // 100, "max": P40, "beyond": P40 + 1})[kind]


def tick_price(state: LedgerState, market: int, kind: str) -> int:
    p = oracle_price(state, market)
    table = {"zero": 0, "one": 1, "crash": p // 2, "-10%": p * 9 // 10, "-1%": p * 99 // 100, "same": p}
    table |= {"+1%": p * 101 // 100, "+10%": p * 11 // 10, "double": 2 * p, "max": P40}
    return min(table[kind], P40) if kind in table else P40 + 1


def threshold_price(p: LedgerParams, state: LedgerState, market: int, account: int, initial: bool) -> int | None:
    """A price for `market` just past where the account's value meets its initial (or maintenance)
    risk, other prices fixed: below for a long, above for a short; None if no price in range does.
    With the maintenance factor the account becomes liquidatable; with the initial one it falls
    below initial margin (and, between the two, is not liquidatable)."""
    acct = state.accounts.get(account)
    if acct is None or market >= len(state.markets) or not acct.sizes[market]:
        return None
    owed, cfg = settled(acct, state.markets), p.markets[market]
    rest = owed.with_size(market, 0)
    a = value(p, rest, state.markets) - risk(p, rest, state.markets, initial)  # the other terms
    rf = cfg.risk_factor_initial if initial else cfg.risk_factor_maintenance
    s = owed.sizes[market]
    b = Fraction(s, cfg.price_scale) - Fraction(abs(s) * rf, cfg.price_scale * RISK_UNIT)  # per unit of price
    edge = -a / b  # value = risk at this price
    px = edge.__ceil__() - 1 if s > 0 else edge.__floor__() + 1
    return px if 0 <= px <= P40 else None


def expiry(state: LedgerState, kind: str) -> int:
    """An expiry; "beyond" is 2^64 + time: out of the spec's range and of the circuit's (which checks expiry −
    time); 2^64 itself is tests/test_ledger_fuzz_harness.py's xfail."""
    return {"far": FAR, "now": state.time, "expired": state.time - 1, "beyond": U64 + state.time}[kind]


def funding_cap(p: LedgerParams, state: LedgerState, market: int) -> int:
    """The largest |Δindex| the cap allows now (0 before the market's first price)."""
    m, cfg = state.markets[market], p.markets[market]
    if m.funding_time == 0:
        return 0
    return cfg.funding_cap * m.price * (state.time - m.funding_time) // (cfg.price_scale * FUNDING_UNIT)


def funding_delta(p: LedgerParams, state: LedgerState, market: int, kind: str) -> int:
    cap = funding_cap(p, state, market) if market < len(state.markets) else 0
    table = {"zero": 0, "one": 1, "-one": -1, "cap": cap, "-cap": -cap, "cap+1": cap + 1, "-cap-1": -cap - 1}
    return (table | {"huge": 1 << 62, "min64": -C63, "max64": C63 - 1, "beyond": C63})[kind]


def withdrawal(p: LedgerParams, state: LedgerState, account: int, kind: str) -> int:
    acct = state.accounts.get(account)
    owed = settled(acct, state.markets) if acct is not None else None
    coll = owed.collateral if owed is not None else 0
    free = free_collateral(p, owed, state.markets) if owed is not None else 0
    table = {"one": 1, "all": coll, "over": coll + 1, "free": free, "free+1": free + 1}
    return (table | {"max64": U64 - 1, "beyond64": U64})[kind]


def trade_size(p: LedgerParams, state: LedgerState, terms: tuple[int, int, int], kind: str) -> int:
    """A trade amount: fixed boundaries, or "xL": a notional of L times the buyer's collateral at the
    price (x19 uses 95% of a 5% initial margin, x25 is beyond it); terms = (market, buyer, price)."""
    market, buyer, px = terms
    fixed = {"zero": 0, "one": 1, "s47-1": S47 - 1, "s47": S47, "u64-1": U64 - 1}
    if kind in fixed:
        return fixed[kind]
    acct = state.accounts.get(buyer)
    coll = settled(acct, state.markets).collateral if acct is not None else 0
    scale = p.markets[market].price_scale if market < len(p.markets) else 1
    return max(1, int(Fraction(kind[1:]) * max(coll, 0) * scale // max(px, 1)))


def portion(size: int, kind: str) -> int:
    """An amount of a position of `size`: nothing, one unit, a third, half, all, or one more (a flip)."""
    n = abs(size)
    return {"zero": 0, "one": 1, "third": -(-n // 3), "half": -(-n // 2), "all": n, "flip": n + 1}[kind]


def held_market(state: LedgerState, account: int, prefer: int) -> int:
    """`prefer` if the account holds a position there, else a market where it does (else `prefer`)."""
    acct = state.accounts.get(account)
    if acct is None or prefer >= len(acct.sizes) or acct.sizes[prefer]:
        return prefer
    return next((m for m, s in enumerate(acct.sizes) if s), prefer)


def reducing_price(state: LedgerState, market: int, size: int, spread: int) -> int:
    """A fill up to `spread` basis points worse than the oracle for the side that reduces `size`
    (a long sells lower, a short buys higher; 10,000: a long sells at 0)."""
    p = state.markets[market].price
    return p * (10_000 - spread) // 10_000 if size > 0 else min(p * (10_000 + spread) // 10_000, P40)


def fitting_counterparty(state: LedgerState, side: int, market: int, limit: str) -> int | None:
    """The account that can best take the other side of a trade to `limit` for `side`: the most
    long seller to take a buyer to size 2^47 − 1, the most short buyer to take a seller to −2^47, the
    seller with the least collateral to take a buyer to −2^63, the buyer with the most to take a
    seller to 2^63 − 1."""
    accts = {i: a for i, a in state.accounts.items() if i != side}
    key = {
        "buyer size": lambda i: -accts[i].sizes[market],
        "seller size": lambda i: accts[i].sizes[market],
        "buyer collateral": lambda i: accts[i].collateral,
        "seller collateral": lambda i: -accts[i].collateral,
    }[limit]
    return min(accts, key=key, default=None)


def deposit_amount(state: LedgerState, account: int, kind: int | str) -> int:
    """An amount, or "fill": what takes the account's collateral exactly to 2^63 − 1 ("fill+1": one
    more, so it is refunded), within the contract's 0 < amount < 2^63."""
    if isinstance(kind, int):
        return kind
    acct = state.accounts.get(account)
    room = C63 - 1 - (settled(acct, state.markets).collateral if acct is not None else 0)
    return max(1, min(room + (kind == "fill+1"), C63 - 1))


def limit_amount(p: LedgerParams, state: LedgerState, terms: tuple[int, int, int, int], target: str) -> int:
    """The trade amount that takes one side exactly to a range limit, or (beyond = 1) just past it;
    terms = (market, buyer, seller, price > 0, beyond)."""
    market, buyer, seller, px, beyond = terms
    b, s = settled(state.accounts[buyer], state.markets), settled(state.accounts[seller], state.markets)
    scale = p.markets[market].price_scale
    step = -(-scale // px)  # the smallest amount that moves the quote by at least 1
    if target == "buyer size":
        return S47 - 1 - b.sizes[market] + beyond
    if target == "seller size":
        return S47 + s.sizes[market] + beyond
    if target == "buyer collateral":
        return (b.collateral + C63) * scale // px + beyond * step
    return (C63 - 1 - s.collateral) * scale // px + beyond * step


# ---- signed transactions ----------------------------------------------------------------------


def withdraw(state: LedgerState, wallet: Wallet, account: int, amount: int, exp: int) -> Withdraw:
    rec = Record(TxType.WITHDRAW, 0, account, 0, amount)
    return Withdraw(account, amount, exp, signature(wallet, lambda: message_for(state, rec, exp)))


def trade(state: LedgerState, wallets: tuple[Wallet, Wallet], terms: tuple[int, ...], exp: int) -> Trade:
    """terms = (market, buyer, seller, amount, price), signed by (buyer's, seller's) wallet."""
    rec = Record(TxType.TRADE, *terms)
    buyer, seller = (signature(w, lambda: message_for(state, rec, exp)) for w in wallets)
    return Trade(*terms, exp, buyer, seller)


def liquidation(state: LedgerState, wallet: Wallet, terms: tuple[int, int, int, int]) -> Liquidation:
    """terms = (market, liquidated, liquidator, amount), signed by the liquidator's wallet."""
    rec = Record(TxType.LIQUIDATION, *terms)
    return Liquidation(*terms, FAR, signature(wallet, lambda: message_for(state, rec, FAR)))


def oracle_tick(state: LedgerState, market: int, px: int, timestamp: int, honest: bool) -> OracleTick:
    rec = Record(TxType.ORACLE, market, amount=timestamp, price=px)
    signer = ORACLE if honest else MALLORY
    return OracleTick(market, px, timestamp, signature(signer, lambda: message(state.domain, rec.to_int(), 0, 0, 0)))


def funding_tick(state: LedgerState, market: int, delta: int, honest: bool) -> FundingTick:
    def msg() -> int:
        rec = Record(TxType.FUNDING, market, amount=encode_signed(delta))
        ftime = funding_expiry(state, market) if market < len(state.markets) else 0
        return message(state.domain, rec.to_int(), 0, 0, ftime)

    return FundingTick(market, delta, signature(ORACLE if honest else MALLORY, msg))
