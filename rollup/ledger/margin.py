"""Value, risk and margin (StarkEx perpetual), in exact integers.

With D = lcm(price scales), c_m = D / scale_m and risk factors in RISK_UNIT:
  value_scaled = collateral·D + Σ size_m·price_m·c_m
  risk_scaled  = Σ |size_m|·price_m·c_m·risk_factor_m
An account meets initial margin iff value_scaled·RISK_UNIT ≥ initial risk_scaled,
and is liquidatable iff value_scaled·RISK_UNIT < maintenance risk_scaled.

After a trade each side must be well margined (meets initial margin) or healthier, as in
StarkEx: the traded position shrinks toward zero without changing sign at a positive oracle
price (so its total risk strictly falls), and its value/risk ratio does not fall:
value_after·risk_before ≥ value_before·risk_after (initial risk; before = funding settled).
The product is exact: ``circuits.ledger.bounds`` checks both sides fit the field.
"""

from __future__ import annotations

from dataclasses import replace

from circuits.ledger.params import COLLATERAL_BITS, RISK_UNIT, LedgerParams
from circuits.ledger.state import AccountLeaf, MarketState


def settle_funding(acct: AccountLeaf, markets: tuple[MarketState, ...]) -> AccountLeaf:
    """Pay funding since the last touch: collateral -= size·(index - cache); caches := indices."""
    paid = sum(s * (m.funding_index - c) for s, c, m in zip(acct.sizes, acct.caches, markets))
    return replace(acct, collateral=acct.collateral - paid, caches=tuple(m.funding_index for m in markets))


def value_scaled(p: LedgerParams, acct: AccountLeaf, markets: tuple[MarketState, ...]) -> int:
    total = acct.collateral * p.scale_lcm
    for i, (s, m) in enumerate(zip(acct.sizes, markets)):
        total += s * m.price * p.scale_factor(i)
    return total


def risk_scaled(p: LedgerParams, acct: AccountLeaf, markets: tuple[MarketState, ...], initial: bool) -> int:
    total = 0
    for i, (s, m) in enumerate(zip(acct.sizes, markets)):
        cfg = p.markets[i]
        rf = cfg.risk_factor_initial if initial else cfg.risk_factor_maintenance
        total += abs(s) * m.price * p.scale_factor(i) * rf
    return total


def excess(p: LedgerParams, acct: AccountLeaf, markets: tuple[MarketState, ...], initial: bool = True) -> int:
    """value_scaled·RISK_UNIT - risk_scaled (≥ 0 iff the margin holds)."""
    return value_scaled(p, acct, markets) * RISK_UNIT - risk_scaled(p, acct, markets, initial)


def meets_initial(p: LedgerParams, acct: AccountLeaf, markets: tuple[MarketState, ...]) -> bool:
    return excess(p, acct, markets, initial=True) >= 0


def liquidatable(p: LedgerParams, acct: AccountLeaf, markets: tuple[MarketState, ...]) -> bool:
    return excess(p, acct, markets, initial=False) < 0


def healthier(
    p: LedgerParams, before: AccountLeaf, after: AccountLeaf, markets: tuple[MarketState, ...], m: int
) -> bool:
    """StarkEx's exemption for a trade in market m that leaves the account below initial margin."""
    if not (only_reduces(before.sizes[m], after.sizes[m]) and markets[m].price > 0):
        return False
    v_before, v_after = value_scaled(p, before, markets), value_scaled(p, after, markets)
    r_before, r_after = risk_scaled(p, before, markets, True), risk_scaled(p, after, markets, True)
    return r_after < r_before and v_after * r_before >= v_before * r_after


def trade_allowed(
    p: LedgerParams, before: AccountLeaf, after: AccountLeaf, markets: tuple[MarketState, ...], m: int
) -> bool:
    """Well margined after the trade, or healthier than before it."""
    return meets_initial(p, after, markets) or healthier(p, before, after, markets, m)


def only_reduces(old_size: int, new_size: int) -> bool:
    """The position shrinks toward zero without changing sign."""
    return old_size * new_size >= 0 and new_size * new_size <= old_size * old_size


HIGH = 1 << (COLLATERAL_BITS - 2)  # 2^62: a quarter of the collateral range


def may_stay_open(collateral: int, size: int) -> bool:
    """Whether a forced exit may leave this position open: only where closing it would push the
    collateral further toward the range edge it is already within a quarter of (a long when
    collateral ≥ 2^62, a short when collateral < −2^62).  Every other position is closed first,
    so a forced exit never leaves value locked in a position it could have closed."""
    return (size > 0 and collateral >= HIGH) or (size < 0 and collateral < -HIGH)
