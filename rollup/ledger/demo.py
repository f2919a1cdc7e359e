"""A small ledger world for demos, benchmarks and tests: wallets, the demo oracle, and
a scratch state that signs and applies transactions in order (signatures commit to
nonces, so later transactions in a batch must be signed against the updated state)."""

from __future__ import annotations

from circuits.ledger.params import DEMO_ORACLE_SECRET, LedgerParams
from rollup.ledger.signing import Wallet, funding_tick, oracle_tick, trade
from rollup.ledger.state import LedgerState
from rollup.ledger.transition import Effect, process_tx
from rollup.ledger.types import Deposit, ForcedExit, FundingTick, OracleTick, QueueItem, Trade, Transaction

FAR = 1 << 40  # an expiry that never passes
ORACLE = Wallet(DEMO_ORACLE_SECRET)
DEMO_DOMAIN = 0x7A6B6478  # "zkdx": the signature domain of offline demos; a deployment's comes from its contract


class World:
    def __init__(self, params: LedgerParams | None = None, n_wallets: int = 4, domain: int = DEMO_DOMAIN) -> None:
        self.params = params or LedgerParams(depth=4, batch_size=4)
        self.state = LedgerState.genesis(self.params, domain)
        self.wallets = [Wallet(f"trader {i}".encode()) for i in range(n_wallets)]
        self.clock = 1000

    def enqueue_deposit(self, account: int, amount: int) -> Deposit:
        """An L1 deposit seen by the operator (the account's key is the wallet's)."""
        tx = Deposit(account, amount, self.wallets[account].pubkey)
        self.state.enqueue(tx.queue_item())
        return tx

    def enqueue_forced_exit(self, account: int) -> ForcedExit:
        tx = ForcedExit(account)
        self.state.enqueue(QueueItem(tx.tx_type, account))
        return tx

    def tick(self, market: int, price: int) -> OracleTick:
        self.clock += 10
        return oracle_tick(self.state.domain, ORACLE, market, price, self.clock)

    def trade(self, market: int, buyer: int, seller: int, amount: int, price: int, expiry: int = FAR) -> Trade:
        w = self.wallets
        return trade(self.state, w[buyer], w[seller], (market, buyer, seller, amount, price), expiry)

    def funding(self, market: int, delta: int) -> FundingTick:
        """A funding tick signed by the demo oracle against the scratch state."""
        return funding_tick(self.state, ORACLE, market, delta)

    def apply(self, tx: Transaction) -> Effect:
        """Apply to the scratch state (so later signatures see current nonces)."""
        return process_tx(self.state, tx)


def funded_world(params: LedgerParams | None = None) -> tuple[World, LedgerState]:
    """Accounts 0..2 funded with 1,000,000 each and both markets priced; returns (world, start state)."""
    w = World(params)
    for i in range(3):
        w.apply(w.enqueue_deposit(i, 1_000_000))
    w.apply(w.tick(0, 3_000_000))
    w.apply(w.tick(1, 2_000_000))
    return w, w.state.copy()


def trades(w: World, n: int) -> list[Transaction]:
    """n RFQ fills among accounts 0..2, signed and applied in order."""
    fills = [(0, 0, 1, 10, 3_000_000), (0, 1, 2, 4, 3_010_000), (0, 2, 0, 7, 2_990_000), (1, 0, 2, 50, 2_000_000)]
    out = []
    for k in range(n):
        market, buyer, seller, amount, price = fills[k % len(fills)]
        out.append(w.trade(market, buyer, seller, amount, price))
        w.apply(out[-1])
    return out


def demo_batch(params: LedgerParams) -> tuple[LedgerState, list[Transaction]]:
    """Genesis, two L1 deposits queued; the batch: both deposits, a BTC price tick and a trade
    (as many as the batch has slots)."""
    w = World(params)
    txs: list[Transaction] = [w.enqueue_deposit(0, 1_000_000), w.enqueue_deposit(1, 1_000_000)]
    start = w.state.copy()
    for tx in txs:
        w.apply(tx)
    txs.append(w.tick(0, 3_000_000))
    w.apply(txs[-1])
    txs.append(w.trade(0, 0, 1, 10, 3_000_000))
    return start, txs[: params.batch_size]
