"""Independent models for the stateful ledger fuzz (``tests/test_ledger_stateful.py``).

``L1Model`` mirrors what ``contracts/Rollup.sol`` keeps: registered keys, the queue and its
Poseidon head chain, queued deposits, and what it holds for the ledger (deposits applied −
withdrawals − forced-exit payouts; refused deposits go back to their depositors). It reads the
posted batch bytes at the contract's offsets, not through ``rollup.ledger``.

The margin helpers are StarkEx's rule in exact ``Fraction``s, written apart from
``rollup.ledger.margin`` (which multiplies out): value = collateral + Σ size·price/scale,
risk = Σ |size|·price/scale·rf/10⁴.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from fractions import Fraction

from circuits.ledger.params import RECORD_BYTES, RISK_UNIT, LedgerParams, TxType
from circuits.ledger.state import AccountLeaf, MarketState, header, public_input, queue_step
from circuits.native.babyjubjub import Point
from rollup.ledger.state import LedgerState
from rollup.ledger.types import QueueItem

C63 = 1 << 63  # collateral in [-2^63, 2^63)
OPERATOR = -1  # the operator as a depositor (users are 0..5)
S47 = 1 << 47  # sizes in [-2^47, 2^47)
MAX_DEPOSIT = 1 << 63  # Rollup.sol: 0 < amount < MAX_DEPOSIT
QUEUED = (TxType.DEPOSIT, TxType.FORCED_EXIT, TxType.DEPOSIT_REFUND)


def posted_records(data: bytes) -> list[tuple[int, int, int]]:
    """(kind, account a, amount) per 20-byte record, read at the offsets Rollup.sol reads."""
    out = []
    for off in range(6, len(data), RECORD_BYTES):  # Rollup.sol's HEAD: version and batch time
        kind = data[off] >> 4
        account = int.from_bytes(data[off + 1 : off + 4], "big")
        amount = int.from_bytes(data[off + 7 : off + 15], "big")
        out.append((kind, account, amount))
    return out


@dataclass
class L1Model:
    """The contract's side of the ledger: queue, heads, and the funds it holds for the ledger."""

    num_accounts: int
    keys: dict[int, Point] = field(default_factory=dict)  # keyOf, for registered accounts
    items: list[QueueItem] = field(default_factory=list)  # every queue item, by queue index
    heads: list[int] = field(default_factory=lambda: [0])  # queueHeadAt
    depositors: dict[int, int] = field(default_factory=dict)  # queue index -> who paid
    pending_exit: set[int] = field(default_factory=set)
    consumed: int = 0
    ledger: int = 0  # held for the ledger
    queued: int = 0  # deposits queued, not yet consumed
    refunded: Counter = field(default_factory=Counter)  # depositor -> refunds credited
    paid: int = 0  # withdrawals and forced exits credited to owners

    def register(self, key: Point) -> int | None:
        """register(): the next index, or None once the tree is full (the last index is the operator's)."""
        account = len([k for k in self.keys if k != self.num_accounts - 1])
        if account >= self.num_accounts - 1:
            return None
        self.keys[account] = key
        return account

    def register_backstop(self, key: Point) -> int:
        """registerBackstop(): the operator's account at the tree's last index."""
        self.keys[self.num_accounts - 1] = key
        return self.num_accounts - 1

    def deposit(self, account: int, amount: int, depositor: int) -> QueueItem | None:
        """deposit(): None where the contract reverts (unregistered account, amount out of range, the
        backstop funded by anyone but the operator)."""
        if account not in self.keys or not 0 < amount < MAX_DEPOSIT:
            return None
        if account == self.num_accounts - 1 and depositor != OPERATOR:
            return None
        self.depositors[len(self.items)] = depositor
        self.queued += amount
        return self._enqueue(QueueItem(TxType.DEPOSIT, account, amount, self.keys[account]))

    def request_exit(self, account: int) -> QueueItem | None:
        """requestForcedExit(): one pending request per registered account."""
        if account not in self.keys or account in self.pending_exit:
            return None
        self.pending_exit.add(account)
        return self._enqueue(QueueItem(TxType.FORCED_EXIT, account))

    def _enqueue(self, item: QueueItem) -> QueueItem:
        self.items.append(item)
        self.heads.append(queue_step(self.heads[-1], item.kind, item.account, item.amount, item.pubkey))
        return item

    @property
    def pending(self) -> list[QueueItem]:
        return self.items[self.consumed :]

    def public_input(self, old_root: int, new_root: int, data: bytes) -> int | None:
        """batchPublicInput(): None where the contract reverts (the batch consumes more than is queued,
        or a forced close is for an account whose forced exit is not the queue item next at that point)."""
        k = sum(1 for kind, _, _ in posted_records(data) if kind in QUEUED)
        if self.consumed + k > len(self.items):
            return None
        index = self.consumed
        for kind, account, _ in posted_records(data):
            if kind == TxType.FORCED_CLOSE and self.items[index : index + 1] != [
                QueueItem(TxType.FORCED_EXIT, account)
            ]:
                return None  # NotExiting
            index += kind in QUEUED
        return public_input(header(old_root, new_root, self.heads[self.consumed], self.heads[self.consumed + k]), data)

    def settle(self, data: bytes) -> None:
        """_settle(): release queued deposits (credited to the ledger or refunded), pay withdrawals and exits."""
        for kind, account, amount in posted_records(data):
            if kind in (TxType.DEPOSIT, TxType.DEPOSIT_REFUND):
                item = self.items[self.consumed]
                self.queued -= item.amount
                if kind == TxType.DEPOSIT:
                    self.ledger += item.amount
                else:
                    self.refunded[self.depositors[self.consumed]] += item.amount
                self.consumed += 1
            elif kind in (TxType.WITHDRAW, TxType.FORCED_EXIT):
                if kind == TxType.FORCED_EXIT:
                    self.pending_exit.discard(account)
                    self.consumed += 1
                self.ledger -= amount
                self.paid += amount


# ---- StarkEx margin in exact fractions ------------------------------------------------------


def settled(acct: AccountLeaf, markets: tuple[MarketState, ...]) -> AccountLeaf:
    """Funding paid up to the market indices: collateral -= size·(index − cache)."""
    owed = sum(s * (m.funding_index - c) for s, c, m in zip(acct.sizes, acct.caches, markets))
    return replace(acct, collateral=acct.collateral - owed, caches=tuple(m.funding_index for m in markets))


def value(p: LedgerParams, acct: AccountLeaf, markets: tuple[MarketState, ...]) -> Fraction:
    return acct.collateral + sum(
        (Fraction(s * m.price, cfg.price_scale) for s, m, cfg in zip(acct.sizes, markets, p.markets)), Fraction(0)
    )


def risk(p: LedgerParams, acct: AccountLeaf, markets: tuple[MarketState, ...], initial: bool = True) -> Fraction:
    def rf(cfg: object) -> int:
        return cfg.risk_factor_initial if initial else cfg.risk_factor_maintenance

    return sum(
        (
            Fraction(abs(s) * m.price * rf(cfg), cfg.price_scale * RISK_UNIT)
            for s, m, cfg in zip(acct.sizes, markets, p.markets)
        ),
        Fraction(0),
    )


def well_margined(p: LedgerParams, acct: AccountLeaf, markets: tuple[MarketState, ...]) -> bool:
    return value(p, acct, markets) >= risk(p, acct, markets)


def liquidatable(p: LedgerParams, acct: AccountLeaf, markets: tuple[MarketState, ...]) -> bool:
    return value(p, acct, markets) < risk(p, acct, markets, initial=False)


def healthier(
    p: LedgerParams, before: AccountLeaf, after: AccountLeaf, markets: tuple[MarketState, ...], m: int
) -> bool:
    """StarkEx's exemption: the position in m shrank without changing sign at a positive oracle
    price, total risk fell, and value/risk did not fall (after = 0 risk: value must be ≥ 0)."""
    old, new = before.sizes[m], after.sizes[m]
    if old * new < 0 or abs(new) >= abs(old) or markets[m].price <= 0:
        return False
    rb, ra = risk(p, before, markets), risk(p, after, markets)
    vb, va = value(p, before, markets), value(p, after, markets)
    if ra >= rb:
        return False
    return va >= 0 if ra == 0 else va / ra >= vb / rb


def free_collateral(p: LedgerParams, acct: AccountLeaf, markets: tuple[MarketState, ...]) -> int:
    """The largest w with collateral − w ≥ 0 and the account still well margined (0 if it is not)."""
    excess = value(p, acct, markets) - risk(p, acct, markets)
    return max(0, min(acct.collateral, excess.__floor__()))


# ---- state snapshots ---------------------------------------------------------------------------


def fingerprint(state: LedgerState) -> tuple:
    """Everything a transaction may change.  The state root is a function of the first four
    (with the fixed params), so equal fingerprints mean an unchanged root, without hashing it."""
    accounts = tuple(sorted(dict(state.accounts).items()))
    queue = (state.queue_head, state.queue_consumed, tuple(state.pending))
    return (state.tree.root, state.markets, state.time, state.domain, accounts, *queue)


def funds_on_ledger(state: LedgerState) -> int:
    """Σ collateral − Σ pending funding (Σ size·(index − cache)): what the ledger owes its accounts."""
    return sum(settled(a, state.markets).collateral for a in state.accounts.values())
