"""Account leaves, market state and the hashes the state root is built from.

These are the native definitions the circuit reproduces; ``rollup`` keeps its
state in these types, so the operator and the circuit hash the same things.

  leaf(account)      = Poseidon(pk.x, pk.y, nonce, collateral, size_0, cache_0, ..., size_M-1, cache_M-1)
                       (0 for an account that does not exist; one input per field, so a leaf opens
                       one way only: no packed input whose parts could be traded against each other)
  market_hash(m)     = Poseidon(price, funding index, funding time, price time)
  markets_hash       = Poseidon(time, market_hash(0), ..., market_hash(M-1))
  state_root         = Poseidon(accounts_root, markets_hash, domain, params digest)
                       (domain = keccak(chain id, rollup address) mod r, fixed by the contract at
                       deployment: signatures over it cannot be replayed on another deployment)
  queue head         : head' = Poseidon(head, kind + account·2^8 + amount·2^32, pk.x, pk.y), head_0 = 0
  message            = Poseidon(domain, record, nonce_a + nonce_b·2^32, expiry)
  header             = Poseidon(old_root, new_root, queue_head_before, queue_head_after)
  public input       = SHA-256(header as 32 bytes ‖ batch data) mod 2^253
  exit public input  = SHA-256(root ‖ account ‖ amount) mod 2^253 (32-byte words)
Signed integers enter the field as residues mod r.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from circuits.field import R
from circuits.native import babyjubjub as bjj
from circuits.native.binding import sha256_commitment
from circuits.native.poseidon import poseidon

NO_KEY: bjj.Point = (0, 0)  # the (off-curve) key of an account that does not exist yet


@dataclass(frozen=True)
class AccountLeaf:
    pubkey: bjj.Point
    nonce: int
    collateral: int  # signed, smallest collateral unit
    sizes: tuple[int, ...]  # signed position size per market
    caches: tuple[int, ...]  # funding index per market at the last touch

    @classmethod
    def empty(cls, n_markets: int) -> AccountLeaf:
        return cls(NO_KEY, 0, 0, (0,) * n_markets, (0,) * n_markets)

    def fields(self) -> list[int]:
        out = [self.pubkey[0], self.pubkey[1], self.nonce, self.collateral]
        for s, c in zip(self.sizes, self.caches):
            out += [s, c]
        return [v % R for v in out]

    def leaf(self, exists: bool = True) -> int:
        return poseidon(self.fields()) if exists else 0

    def with_size(self, market: int, size: int) -> AccountLeaf:
        sizes = list(self.sizes)
        sizes[market] = size
        return replace(self, sizes=tuple(sizes))


@dataclass(frozen=True)
class MarketState:
    price: int = 0  # latest oracle price (0 until the first tick)
    funding_index: int = 0  # signed, collateral units per size unit, cumulative
    funding_time: int = 0  # time funding was last paid up to: the first oracle tick's, then each funding tick's
    price_time: int = 0  # timestamp of the oracle tick that set price (0 until the first tick)

    def fields(self) -> list[int]:
        return [self.price, self.funding_index % R, self.funding_time, self.price_time]


def markets_hash(time: int, markets: tuple[MarketState, ...]) -> int:
    return poseidon([time, *(poseidon(m.fields()) for m in markets)])


def state_root(accounts_root: int, m_hash: int, domain: int, params_digest: int) -> int:
    """What the contract stores; its constructor computes the genesis value with the same Poseidon(4)."""
    return poseidon([accounts_root, m_hash, domain, params_digest])


def queue_item_packed(kind: int, account: int, amount: int) -> int:
    return kind + (account << 8) + (amount << 32)


def queue_step(head: int, kind: int, account: int, amount: int, pubkey: bjj.Point) -> int:
    return poseidon([head, queue_item_packed(kind, account, amount), pubkey[0], pubkey[1]])


def message(domain: int, record_int: int, nonce_a: int, nonce_b: int, expiry: int) -> int:
    """What users and the oracle sign: Poseidon(domain, record, nonce_a + nonce_b·2^32, expiry)
    (four inputs, the width of the queue step, so a slot computes one Poseidon for either)."""
    return poseidon([domain, record_int, nonce_a + (nonce_b << 32), expiry])


def header(old_root: int, new_root: int, queue_before: int, queue_after: int) -> int:
    return poseidon([old_root, new_root, queue_before, queue_after])


def public_input(header_value: int, data: bytes) -> int:
    """The proof's single public input; the rollup contract computes the same."""
    return sha256_commitment(header_value.to_bytes(32, "big") + data)


def exit_public_input(root: int, account: int, amount: int) -> int:
    """An exit proof's public input: SHA-256(root ‖ account ‖ amount) mod 2^253 (``Rollup.escape``)."""
    return sha256_commitment(b"".join(v.to_bytes(32, "big") for v in (root, account, amount)))
