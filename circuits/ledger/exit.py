"""ExitCircuit: what an account may take out when the rollup is frozen.

Public input: SHA-256(root ‖ account ‖ amount) mod 2^253, each a 32-byte big-endian
word, exactly what ``Rollup.escape`` hashes.  Constrained:
  * root = Poseidon(accounts_root, markets_hash, domain, params digest) (``circuits.ledger.state``);
  * the leaf at `account` under accounts_root is exists·Poseidon(fields) (zero fields if not), and
    every opened field is range-checked at the opening (nonce 32-bit, collateral and funding caches
    signed 64-bit, sizes signed 48-bit): an exit pays out, so it trusts no invariant of the writes;
  * amount = max(0, floor(value_scaled / D)), the account's value at the root's prices after
    funding is settled: value_scaled = (collateral - Σ size·(index - cache))·D + Σ size·price·D/scale.
An account that does not exist exits with 0.  The native twin is ``rollup.ledger.escape``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from circuits.gadgets.basic import lc, mul
from circuits.gadgets.binding import sha256_commitment
from circuits.gadgets.bits import divmod_const, is_nonnegative, range_check, signed_range_check, to_bits, to_bits_strict
from circuits.gadgets.merkle import merkle_root
from circuits.ledger.bounds import Bounds
from circuits.ledger.circuit import root_wires
from circuits.ledger.lane import AccountLane, MarketWires
from circuits.ledger.params import ARITY, COLLATERAL_BITS, INDEX_BITS, NONCE_BITS, SIZE_BITS, LedgerParams
from circuits.ledger.state import MarketState
from circuits.ledger.witness import CommittedCircuit, LaneWitness
from circuits.r1cs import ConstraintSystem, LinearCombination, Variable

LC = LinearCombination


@dataclass(frozen=True)
class ExitWitness:
    accounts_root: int
    time: int
    markets: tuple[MarketState, ...]
    account: int
    lane: LaneWitness  # the account's leaf (or an empty one) and its Merkle path
    domain: int


class ExitCircuit(CommittedCircuit):
    params: LedgerParams
    witness: ExitWitness | None

    def generate_constraints(self, cs: ConstraintSystem) -> None:
        p, w = self.params, self.witness
        commitment = cs.new_input("commitment", self._public)
        fields = ("price", "index", "time", "ptime")
        markets = [
            MarketWires(*(lc(cs.new_witness(f"market{m}.{f}", self._market(m, f))) for f in fields))
            for m in range(len(p.markets))
        ]
        time = lc(cs.new_witness("time", lambda: w.time))
        accounts_root = lc(cs.new_witness("accounts_root", lambda: w.accounts_root))
        domain = lc(cs.new_witness("domain", lambda: w.domain))
        root = root_wires(cs, accounts_root, time, markets, domain, p, "root")
        lane = AccountLane(cs, p, "exit", lambda: w.lane)
        lane.open(markets, [])
        _check_opened(cs, lane)
        account = cs.new_witness("account", lambda: w.account)
        bits = to_bits(cs, account, 2 * p.depth, "account_bits")
        sibs = [
            [cs.new_witness(f"sib{k}.{j}", lambda k=k, j=j: w.lane.siblings[k][j]) for j in range(ARITY - 1)]
            for k in range(p.depth)
        ]
        cs.enforce(merkle_root(cs, lane.leaf_old, bits, sibs, ARITY, "path"), cs.one(), accounts_root, "membership")
        amount = self._amount(cs, lane, markets)
        message = (
            _word(to_bits_strict(cs, root, "root_bits"))
            + _word(bits)
            + _word(to_bits(cs, amount, Bounds.of(p).exit_value_bits, "amount_bits"))
        )
        cs.enforce(sha256_commitment(cs, message, "public_data"), cs.one(), commitment, "commitment")

    def _market(self, m: int, field: str) -> Callable[[], int]:
        attr = {"price": "price", "index": "funding_index", "time": "funding_time", "ptime": "price_time"}[field]
        return lambda: getattr(self.witness.markets[m], attr)

    def _amount(self, cs: ConstraintSystem, lane: AccountLane, markets: list[MarketWires]) -> Variable:
        p = self.params
        value = lane.settled * p.scale_lcm
        for m, (s, mk) in enumerate(zip(lane.sizes, markets)):
            value = value + mul(cs, s, mk.price, f"notional{m}") * p.scale_factor(m)
        bits = Bounds.of(p).exit_value_bits
        positive = is_nonnegative(cs, value, bits, "value_sign")
        q, _ = divmod_const(cs, mul(cs, positive, value, "value_pos"), p.scale_lcm, bits, "amount")
        return q


def _check_opened(cs: ConstraintSystem, lane: AccountLane) -> None:
    """Every opened field in its range (the pk needs none: it is only hashed)."""
    range_check(cs, lane.nonce, NONCE_BITS, "opened.nonce")
    signed_range_check(cs, lane.collateral, COLLATERAL_BITS, "opened.collateral")
    for m, (s, c) in enumerate(zip(lane.sizes, lane.caches)):
        signed_range_check(cs, s, SIZE_BITS, f"opened.size{m}")
        signed_range_check(cs, c, INDEX_BITS, f"opened.cache{m}")


def _word(bits_le: list[Variable]) -> list[LC]:
    """Little-endian bits as a 32-byte big-endian word."""
    return [LC({})] * (256 - len(bits_le)) + [lc(b) for b in reversed(bits_le)]
