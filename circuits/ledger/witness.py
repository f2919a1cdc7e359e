"""What the prover knows about a batch, produced by the native spec (``rollup.ledger.batch``).

The circuit reads nothing else: old account leaves and Merkle siblings per lane,
the signatures, and the state the batch starts from.  Every derived value
(quotes, funding, new leaves and roots) is recomputed inside the circuit.
Unused lanes and signature slots carry dummies that satisfy the gated constraints.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from circuits.errors import AssignmentMissing
from circuits.ledger.records import Record
from circuits.ledger.state import NO_KEY, AccountLeaf, MarketState
from circuits.native import eddsa
from circuits.native.babyjubjub import Point

Siblings = tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class LaneWitness:
    """An account slot before the transaction touches it."""

    exists: bool
    account: AccountLeaf
    siblings: Siblings  # Merkle path of the record's account index (in the tree as it is then)


@dataclass(frozen=True)
class SlotWitness:
    record: Record
    expiry: int  # of the signed terms (0 where nothing expires)
    lane_a: LaneWitness
    lane_b: LaneWitness
    sig_a: eddsa.Signature  # by account a, or the oracle for a price tick
    sig_b: eddsa.Signature  # by account b
    item_pubkey: Point = NO_KEY  # a deposit's L1-registered key


@dataclass(frozen=True)
class BatchWitness:
    accounts_root: int  # before the batch
    time: int
    markets: tuple[MarketState, ...]
    queue_head: int
    domain: int  # the deployment's signature domain (bound into the root)
    slots: tuple[SlotWitness, ...]
    batch_time: int = 0  # the ledger clock the slots start from (≥ time, posted)


class CommittedCircuit:
    """A ledger circuit with one public input, a commitment whose value the native spec
    computes: SETUP needs neither witness nor value; PROVE needs both."""

    def __init__(self, params: object, witness: object | None = None, public_input: int | None = None) -> None:
        self.params, self.witness, self.public_input = params, witness, public_input

    def _public(self) -> int:
        if self.public_input is None:
            raise AssignmentMissing(f"{type(self).__name__} needs the native public input to prove")
        return self.public_input


@functools.cache
def dummy_signature() -> tuple[Point, int, eddsa.Signature]:
    """(key, message, signature) that verifies: what an unused signature slot checks."""
    sk = b"zkdx unused signature slot"
    return eddsa.public_key(sk), 0, eddsa.sign(sk, 0)


def empty_lane(depth: int, n_markets: int) -> LaneWitness:
    return LaneWitness(False, AccountLeaf.empty(n_markets), tuple((0, 0, 0) for _ in range(depth)))
