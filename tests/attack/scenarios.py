"""Small ledger situations shared by the attack tests: one transaction of each type (and the edge
states the rules branch on) on 16 accounts, one slot a batch, as the spec builds them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from circuits.ledger.params import LedgerParams
from rollup.ledger.batch import BatchResult, process_batch
from rollup.ledger.demo import FAR, World, funded_world
from rollup.ledger.forced import plan_closes
from rollup.ledger.types import ForcedClose, ForcedExit

SMALL = LedgerParams(depth=2, batch_size=1)
BTC, ETH = 0, 1
C63 = 1 << 63
HOUR = 3600


def _trade() -> BatchResult:
    w, start = funded_world(SMALL)
    return process_batch(start, [w.trade(BTC, 0, 1, 10, 3_000_000)])


def unhealthy_long(w: World) -> None:
    """Account 0 long 300 BTC bought at 30,000.00; the price falls to 27,000.00 (below maintenance)."""
    w.apply(w.trade(BTC, 0, 1, 300, 3_000_000))
    w.apply(w.tick(BTC, 2_700_000))


def _healthier_trade() -> BatchResult:
    """The StarkEx exemption in use: account 0, below initial margin, sells 100 at a small spread."""
    w, _ = funded_world(SMALL)
    w.apply(w.trade(BTC, 0, 1, 300, 3_000_000))
    w.apply(w.tick(BTC, 2_750_000))
    start = w.state.copy()
    return process_batch(start, [w.trade(BTC, 2, 0, 100, 2_700_000)])


def _liquidation(short: bool) -> BatchResult:
    w, _ = funded_world(SMALL)
    if short:
        w.apply(w.trade(BTC, 1, 0, 300, 3_000_000))
        w.apply(w.tick(BTC, 3_300_000))
    else:
        unhealthy_long(w)
    start = w.state.copy()
    return process_batch(start, [w.wallets[2].liquidate(start, BTC, 0, 2, 200, FAR)])


def _withdraw() -> BatchResult:
    w, _ = funded_world(SMALL)
    w.apply(w.trade(BTC, 0, 1, 10, 3_000_000))
    start = w.state.copy()
    return process_batch(start, [w.wallets[0].withdraw(start, 0, 1000, FAR)])


def _funding() -> BatchResult:
    w, _ = funded_world(SMALL)
    w.clock += HOUR
    w.apply(w.tick(BTC, 3_000_000))
    start = w.state.copy()
    return process_batch(start, [w.funding(BTC, -30)])


def _oracle() -> BatchResult:
    w, start = funded_world(SMALL)
    return process_batch(start, [w.tick(ETH, 2_100_000)])


def _deposit(account: int) -> BatchResult:
    w, _ = funded_world(SMALL)
    w.apply(w.trade(BTC, 0, 1, 10, 3_000_000))
    tx = w.enqueue_deposit(account, 500)
    return process_batch(w.state.copy(), [tx])


def _refund() -> BatchResult:
    w = World(SMALL)
    w.apply(w.enqueue_deposit(0, C63 - 10))
    tx = w.enqueue_deposit(0, 11)
    return process_batch(w.state.copy(), [tx])


def _forced_exit(account: int, beyond_range: bool = False) -> BatchResult:
    """Account 0 long 100 BTC asks to leave: its position closed first (unless out of range)."""
    w, _ = funded_world(SMALL)
    w.apply(w.trade(BTC, 0, 1, 100, 3_000_000))
    if beyond_range:
        m = w.state.markets[BTC]
        w.state.markets = (replace(m, funding_index=1 << 62), *w.state.markets[1:])
    w.enqueue_forced_exit(account)
    for tx in plan_closes(w.state, account):
        w.apply(tx)
    return process_batch(w.state.copy(), [ForcedExit(account)])


def exiting_long(w: World, short: bool = False) -> None:
    """Account 0 long (or short) 300 BTC against account 1, 50 ETH against account 2; it asks to leave."""
    a, b = (1, 0) if short else (0, 1)
    w.apply(w.trade(BTC, a, b, 300, 3_000_000))
    w.apply(w.trade(ETH, 0, 2, 50, 2_000_000))
    w.enqueue_forced_exit(0)


def _forced_close(short: bool) -> BatchResult:
    w, _ = funded_world(SMALL)
    exiting_long(w, short)
    return process_batch(w.state.copy(), [ForcedClose(BTC, 0, 1, 300)])  # a whole close: 0 ends at 0


def _forced_exit_high() -> BatchResult:
    """A long may stay open when collateral ≥ 2^62 (closing it would push collateral further up)."""
    w, _ = funded_world(SMALL)
    w.apply(w.enqueue_deposit(0, C63 // 2))
    w.apply(w.trade(BTC, 0, 1, 10, 3_000_000))
    w.enqueue_forced_exit(0)
    return process_batch(w.state.copy(), [ForcedExit(0)])


def _noop() -> BatchResult:
    _, start = funded_world(SMALL)
    return process_batch(start, [])


SCENARIOS: dict[str, Callable[[], BatchResult]] = {
    "trade": _trade,
    "trade_healthier": _healthier_trade,
    "liquidation_long": lambda: _liquidation(False),
    "liquidation_short": lambda: _liquidation(True),
    "withdraw": _withdraw,
    "funding": _funding,
    "oracle": _oracle,
    "deposit_new_account": lambda: _deposit(3),
    "deposit_existing": lambda: _deposit(0),
    "refund": _refund,
    "forced_exit": lambda: _forced_exit(0),
    "forced_exit_no_account": lambda: _forced_exit(3),
    "forced_exit_beyond_range": lambda: _forced_exit(0, beyond_range=True),
    "forced_exit_high_long": _forced_exit_high,
    "forced_close_long": lambda: _forced_close(False),
    "forced_close_short": lambda: _forced_close(True),
    "noop": _noop,
}
