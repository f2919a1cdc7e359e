"""A small ledger world for tests: wallets, an oracle, and a scratch state that
signs and applies transactions in order (nonces within a batch must be current)."""

from __future__ import annotations

from circuits.ledger.params import DEMO_ORACLE_SECRET, LedgerParams
from rollup.signing import Wallet, oracle_tick, trade
from rollup.state import LedgerState
from rollup.transition import process_tx
from rollup.types import Deposit, ForcedExit, FundingTick, QueueItem

FAR = 1 << 40  # an expiry that never passes in tests
ORACLE = Wallet(DEMO_ORACLE_SECRET)


class World:
    def __init__(self, params: LedgerParams | None = None, n_wallets: int = 4) -> None:
        self.params = params or LedgerParams(depth=4, batch_size=4)
        self.state = LedgerState.genesis(self.params)
        self.wallets = [Wallet(f"trader {i}".encode()) for i in range(n_wallets)]
        self.clock = 1000

    def enqueue_deposit(self, account: int, amount: int) -> Deposit:
        tx = Deposit(account, amount, self.wallets[account].pubkey)
        self.state.enqueue(tx.queue_item())
        return tx

    def enqueue_forced_exit(self, account: int) -> ForcedExit:
        tx = ForcedExit(account)
        self.state.enqueue(QueueItem(tx.tx_type, account))
        return tx

    def tick(self, market: int, price: int):
        self.clock += 10
        return oracle_tick(self.params.domain, ORACLE, market, price, self.clock)

    def trade(self, market: int, buyer: int, seller: int, amount: int, price: int, expiry: int = FAR):
        w = self.wallets
        return trade(self.state, w[buyer], w[seller], (market, buyer, seller, amount, price), expiry)

    def funding(self, market: int, delta: int) -> FundingTick:
        return FundingTick(market, delta)

    def apply(self, tx):
        """Apply to the scratch state (so later signatures see current nonces)."""
        return process_tx(self.state, tx)


def funded_world(params: LedgerParams | None = None) -> tuple[World, LedgerState]:
    """Accounts 0..2 funded with 1,000,000 each and both markets priced; returns (world, start state)."""
    w = World(params)
    for i in range(3):
        w.apply(w.enqueue_deposit(i, 1_000_000))
    w.apply(w.tick(0, 30_000_00))
    w.apply(w.tick(1, 2_000_000))
    return w, w.state.copy()
