"""The operator's ledger state: the account tree, market state, ledger time and the L1 queue.

The state root is ``Poseidon(accounts_root, markets_hash, domain, params digest)``
(``circuits.ledger.state``); the domain is the deployment's (keccak of chain id and rollup
address, mod r: ``rollup.l1.client.rollup_domain``), so signatures bind one deployment.
``copy`` is cheap enough to run per batch, so a failed batch never touches the
state it started from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from circuits.errors import ParameterError
from circuits.field import R
from circuits.ledger.params import LedgerParams
from circuits.ledger.state import AccountLeaf, MarketState, markets_hash, state_root
from circuits.native.cow import CowMap
from circuits.native.merkle import MerklePath, SparseMerkleTree
from rollup.errors import UnknownAccount, UnknownMarket
from rollup.ledger.types import QueueItem


@dataclass
class LedgerState:
    params: LedgerParams
    tree: SparseMerkleTree
    domain: int  # signature domain of the deployment (bound into the root)
    accounts: CowMap[AccountLeaf] = field(default_factory=CowMap)  # a dict whose copy() shares storage
    markets: tuple[MarketState, ...] = ()
    time: int = 0  # timestamp of the latest oracle tick
    queue_head: int = 0  # hash chain over the L1 queue items consumed so far
    queue_consumed: int = 0
    pending: list[QueueItem] = field(default_factory=list)  # L1 queue items not yet consumed

    @classmethod
    def genesis(cls, params: LedgerParams, domain: int) -> LedgerState:
        if not 0 <= domain < R:
            raise ParameterError("the signature domain must be a field element")
        tree = SparseMerkleTree(params.depth, arity=4)
        return cls(params, tree, domain, markets=tuple(MarketState() for _ in params.markets))

    def copy(self) -> LedgerState:
        return LedgerState(
            self.params,
            self.tree.copy(),
            self.domain,
            self.accounts.copy(),
            self.markets,
            self.time,
            self.queue_head,
            self.queue_consumed,
            list(self.pending),
        )

    @property
    def markets_hash(self) -> int:
        return markets_hash(self.time, self.markets)

    @property
    def root(self) -> int:
        return state_root(self.tree.root, self.markets_hash, self.domain, self.params.digest)

    def check_index(self, index: int) -> None:
        if not 0 <= index < self.params.num_accounts:
            raise UnknownAccount(f"account {index} is outside a tree of {self.params.num_accounts}")

    def check_market(self, market: int) -> None:
        if not 0 <= market < len(self.params.markets):
            raise UnknownMarket(f"market {market} is not configured")

    def account(self, index: int) -> AccountLeaf:
        """An existing account; UnknownAccount otherwise."""
        self.check_index(index)
        if index not in self.accounts:
            raise UnknownAccount(f"account {index} does not exist")
        return self.accounts[index]

    def account_or_empty(self, index: int) -> tuple[AccountLeaf, bool]:
        self.check_index(index)
        acct = self.accounts.get(index)
        return (acct, True) if acct is not None else (AccountLeaf.empty(len(self.params.markets)), False)

    def path(self, index: int) -> MerklePath:
        return self.tree.path(index)

    def write(self, index: int, acct: AccountLeaf, exists: bool) -> None:
        if exists:
            self.accounts[index] = acct
        self.tree.set_leaf(index, acct.leaf(exists))

    def enqueue(self, item: QueueItem) -> None:
        """An L1 queue item seen on L1 (deposit or forced-exit request)."""
        self.pending.append(item)
