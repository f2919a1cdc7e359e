"""Attack9 (3): the planner's fitting amount (``forced._fitting_amount``) against the spec's quote
(``transition.close_quote``): ceil for an exiting long, floor for a short.  At collaterals on the
range edges it is exactly the largest amount whose close keeps both collaterals in range, so the
planner never proposes a close the spec then refuses for range, nor stops one unit short (no finding)."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from rollup.ledger.demo import funded_world
from rollup.ledger.forced import _fitting_amount
from rollup.ledger.state import LedgerState
from rollup.ledger.transition import C64, close_quote, collateral_in_range
from tests.attack.scenarios import BTC, SMALL

W, _ = funded_world(SMALL)
edge = st.one_of(st.integers(-C64, -C64 + 10**9), st.integers(C64 - 10**9, C64 - 1), st.integers(-(10**9), 10**9))


def _fits(state: LedgerState, size: int, coll_a: int, coll_b: int, k: int) -> bool:
    sigma = 1 if size > 0 else -1
    q = sigma * close_quote(state, BTC, k, sigma)
    return collateral_in_range(coll_a + q) and collateral_in_range(coll_b - q)


@settings(max_examples=300, deadline=None)
@given(size=st.integers(1, 10**6), short=st.booleans(), coll_a=edge, coll_b=edge, price=st.integers(1, 10**9))
def test_the_fitting_amount_is_the_largest_close_in_range(size, short, coll_a, coll_b, price):
    size = -size if short else size
    state = W.state.copy()
    state.markets = (replace(state.markets[BTC], price=price), *state.markets[1:])
    other = state.accounts[1]
    state.accounts[1] = replace(other, collateral=coll_b, sizes=(-size, *other.sizes[1:]))
    k = _fitting_amount(state, BTC, size, coll_a, 1)
    assert 0 <= k <= abs(size)
    assert k == 0 or _fits(state, size, coll_a, coll_b, k)
    assert k == abs(size) or not _fits(state, size, coll_a, coll_b, k + 1)
