"""Serving a forced exit: the forced closes the operator posts before it, planned on the spec.

A forced exit must leave no position it could have closed (``margin.may_stay_open``), so the
operator first closes each such position at the oracle price (``ForcedClose``: value kept on both
sides, nobody signs): into its own backstop account (the tree's last index, which only the operator
registers) when that exists and has room, so an exit costs at most one close a market; else against
accounts holding the opposite position (every market's sizes sum to zero, so they exist), largest
first, each close taking all it can with both collaterals in range.
"""

from __future__ import annotations

from circuits.ledger.params import TxType
from rollup.errors import InvalidTransaction
from rollup.ledger import margin
from rollup.ledger.state import LedgerState
from rollup.ledger.transition import C64, collateral_in_range, process_tx
from rollup.ledger.types import Deposit, ForcedClose, ForcedExit, QueueItem, Transaction

MAX_CLOSES = 4096  # a plan longer than this is cut; the rest is planned again from the new state


def queue_txs(state: LedgerState, item: QueueItem) -> list[Transaction]:
    """The transactions that consume an L1 queue item: a deposit, or a forced exit with the forced
    closes it needs first (on a copy of state; the caller applies them)."""
    if item.kind == TxType.DEPOSIT:
        return [Deposit(item.account, item.amount, item.pubkey)]
    return [*plan_closes(state, item.account), ForcedExit(item.account)]


def plan_closes(state: LedgerState, account: int) -> list[ForcedClose]:
    """Forced closes that bring the account to a state its forced exit may serve; shorter (and the
    exit then refused by the spec, so the queue waits) only if no opposite position can take more."""
    acct, exists = state.account_or_empty(account)
    if not exists or not collateral_in_range(margin.settle_funding(acct, state.markets).collateral):
        return []
    sim, plan = state.copy(), []
    while len(plan) < MAX_CLOSES:
        tx = _next_close(sim, account)
        if tx is None:
            return plan
        process_tx(sim, tx)
        plan.append(tx)
    return plan


def _next_close(state: LedgerState, account: int) -> ForcedClose | None:
    acct = margin.settle_funding(state.account(account), state.markets)
    for m, size in enumerate(acct.sizes):
        if size == 0 or margin.may_stay_open(acct.collateral, size):
            continue
        for other in _counterparties(state, account, m, size):
            amount = _fitting_amount(state, m, size, acct.collateral, other)
            if amount:
                tx = ForcedClose(m, account, other, amount)
                try:
                    process_tx(state.copy(), tx)
                except InvalidTransaction:
                    continue
                return tx
    return None


def _counterparties(state: LedgerState, account: int, market: int, size: int) -> list[int]:
    """The operator's backstop account first (one close a market, whatever the other positions),
    then the accounts holding the opposite position, largest first."""
    backstop = state.params.backstop
    accounts = state.accounts.items()
    opposite = [(-abs(a.sizes[market]), i) for i, a in accounts if i != account and a.sizes[market] * size < 0]
    first = [backstop] if backstop in state.accounts and backstop != account else []
    return first + [i for _, i in sorted(opposite) if i != backstop]


def _fitting_amount(state: LedgerState, market: int, size: int, collateral: int, other: int) -> int:
    """The most of |size| the counterparty can take with both collaterals in range (the exiting
    account's collateral moves by +σ·q, the counterparty's by −σ·q)."""
    price, scale = state.markets[market].price, state.params.markets[market].price_scale
    theirs = margin.settle_funding(state.account(other), state.markets)
    amount = abs(size) if other == state.params.backstop else min(abs(size), abs(theirs.sizes[market]))
    if size > 0:
        room = min(C64 - 1 - collateral, theirs.collateral + C64)
    else:
        room = min(collateral + C64, C64 - 1 - theirs.collateral)
    if room < 0 or price == 0:
        return 0
    fits = room * scale // price if size > 0 else ((room + 1) * scale - 1) // price  # ceil / floor quote
    return min(amount, fits)
