"""Integer bounds on every margin quantity, and the bit widths the circuits check them with.

Derived from the ledger's widths and the configured markets (price scales and risk factors),
so a circuit checks no more bits than its markets can produce.  With S = 2^(SIZE_BITS-1),
P = 2^PRICE_BITS, C = 2^(COLLATERAL_BITS-1), D = lcm(price scales), c_m = D / scale_m, all bounds
exclusive on absolute values:

  notional   = Σ_m S·P·c_m                        Σ |size·price·c_m| over the markets
  value_new  = C·D + notional                     value_scaled of a leaf as written (ranges checked)
  delta      = max(2^64, 2S·P)                    a write's change of collateral (amount or quote)
  value_old  = (C + delta)·D + notional           value_scaled before a write that is range-checked
  risk       = Σ_m S·P·c_m·rf_init_m              initial risk_scaled (≥ maintenance risk)
  settled    = C + M·S·2^64                       settled collateral of any leaf (funding is unbounded
                                                  by writes: |size·(index − cache)| < S·2^64)
Widths (signed widths include the sign bit, as ``is_nonnegative`` reads them):
  margin_bits  : value·RISK_UNIT − risk, old or new values
  ratio_bits   : value_new·risk_old − value_old·risk_new (the StarkEx "healthier" comparison)
  inrange_bits : k with |settled + delta| + 2^63 < 2^k, for the in-range test of lane a
A parameter set whose ratio does not fit a 252-bit check is refused with ParameterError.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from circuits.errors import ParameterError
from circuits.gadgets.bits import MAX_BITS
from circuits.ledger import params as lp

S = 1 << (lp.SIZE_BITS - 1)
P = 1 << lp.PRICE_BITS
C = 1 << (lp.COLLATERAL_BITS - 1)
INDEX_SPAN = 1 << lp.INDEX_BITS  # |index − cache| < 2^64
FUNDING_BITS = lp.CAP_BITS + lp.PRICE_BITS + lp.AMOUNT_BITS  # cap·price·elapsed < 2^136


def _signed(bound: int) -> int:
    """The signed width n with -2^(n-1) ≤ x < 2^(n-1) for every |x| < bound."""
    return bound.bit_length() + 1


@dataclass(frozen=True)
class Bounds:
    notional: int
    value_new: int
    value_old: int
    risk: int
    settled: int
    margin_bits: int
    ratio_bits: int
    inrange_bits: int
    scale_bits: int
    exit_value_bits: int

    @staticmethod
    def of(p: lp.LedgerParams) -> Bounds:
        return _bounds(p.markets, p.scale_lcm)


@functools.cache
def _bounds(markets: tuple[lp.Market, ...], d: int) -> Bounds:
    factors = [d // m.price_scale for m in markets]
    notional = sum(S * P * c for c in factors)
    value_new = C * d + notional
    delta = max(1 << lp.AMOUNT_BITS, 2 * S * P)
    value_old = (C + delta) * d + notional
    risk = sum(S * P * c * m.risk_factor_initial for c, m in zip(factors, markets))
    settled = C + len(markets) * S * INDEX_SPAN
    ratio_bits = _signed(value_new * risk + value_old * risk)
    if ratio_bits > MAX_BITS:
        raise ParameterError(f"the margin ratio needs {ratio_bits} bits: price scales too far apart")
    return Bounds(
        notional=notional,
        value_new=value_new,
        value_old=value_old,
        risk=risk,
        settled=settled,
        margin_bits=_signed(value_old * lp.RISK_UNIT + risk),
        ratio_bits=ratio_bits,
        inrange_bits=(settled + delta + C).bit_length(),
        scale_bits=max(m.price_scale for m in markets).bit_length(),
        exit_value_bits=_signed(settled * d + notional),
    )
