"""BatchCircuit: old state root → new state root over ``batch_size`` transaction slots.

One public input, the commitment
    SHA-256(header ‖ version ‖ batch time ‖ records) mod 2^253,
    header = Poseidon(old_root, new_root, queue_before, queue_after)
(``circuits.ledger.state.public_input``), so the rollup contract recomputes it from
its stored root, the new root, the posted data and its L1 queue.  The state the
batch starts from enters as private witnesses bound by old_root.  The slots start from the posted
batch time (40 bits, ``batch_clock``: not before the old ledger time), which the contract checks
against ``block.timestamp``: that is what ties the ledger clock, and so price ages, to L1 time.

SETUP mode (witness=None) and PROVE mode run this same code; in PROVE mode the
witness and the public input both come from the native spec (``rollup.ledger.batch``).
"""

from __future__ import annotations

from collections.abc import Callable

from circuits.gadgets.basic import lc
from circuits.gadgets.binding import sha256_commitment
from circuits.gadgets.bits import range_check, to_bits, to_bits_strict
from circuits.gadgets.poseidon import poseidon
from circuits.ledger.lane import MarketWires
from circuits.ledger.params import TIME_BITS, VERSION, LedgerParams
from circuits.ledger.slot import Slot, Wires
from circuits.ledger.witness import BatchWitness, CommittedCircuit
from circuits.r1cs import ConstraintSystem, LinearCombination

LC = LinearCombination


class BatchCircuit(CommittedCircuit):
    params: LedgerParams
    witness: BatchWitness | None

    def generate_constraints(self, cs: ConstraintSystem) -> None:
        commitment = cs.new_input("commitment", self._public)
        start = self._start(cs)
        old_root = self._root(cs, start, "old_root")
        batch_time = lc(cs.new_witness("batch_time", lambda: self.witness.batch_time))
        time_bits = [lc(b) for b in reversed(to_bits(cs, batch_time, TIME_BITS, "batch_time_bits"))]
        range_check(cs, batch_time - start.time, TIME_BITS, "batch_clock")  # the clock never goes back
        wires = Wires(start.accounts_root, batch_time, start.markets, start.queue_head, start.domain)
        bits = []
        for k in range(self.params.batch_size):
            wires, record_bits = Slot(cs, self.params, k, lambda k=k: self.witness.slots[k]).synthesize(wires)
            bits += [lc(b) for b in record_bits]
        new_root = self._root(cs, wires, "new_root")
        header = poseidon(cs, [old_root, new_root, start.queue_head, wires.queue_head], "header")
        header_bits = [lc(b) for b in reversed(to_bits_strict(cs, header, "header_bits"))]
        version = [LC.constant((VERSION >> (7 - i)) & 1) for i in range(8)]
        message = [LC({}), LC({}), *header_bits, *version, *time_bits, *bits]  # header as 32 big-endian bytes
        cs.enforce(sha256_commitment(cs, message, "public_data"), cs.one(), commitment, "commitment")

    def _start(self, cs: ConstraintSystem) -> Wires:
        w = self.witness

        def var(name: str, f: Callable[[], int]) -> LC:
            return lc(cs.new_witness(f"start.{name}", f))

        markets = [
            MarketWires(
                var(f"price{m}", lambda m=m: w.markets[m].price),
                var(f"index{m}", lambda m=m: w.markets[m].funding_index),
                var(f"ftime{m}", lambda m=m: w.markets[m].funding_time),
                var(f"ptime{m}", lambda m=m: w.markets[m].price_time),
            )
            for m in range(len(self.params.markets))
        ]
        return Wires(
            var("accounts_root", lambda: w.accounts_root),
            var("time", lambda: w.time),
            markets,
            var("queue_head", lambda: w.queue_head),
            var("domain", lambda: w.domain),
        )

    def _root(self, cs: ConstraintSystem, g: Wires, name: str) -> LC:
        return root_wires(cs, g.accounts_root, g.time, g.markets, g.domain, self.params, name)


def root_wires(
    cs: ConstraintSystem,
    accounts_root: LC,
    time: LC,
    markets: list[MarketWires],
    domain: LC,
    p: LedgerParams,
    name: str,
) -> LC:
    """Poseidon(accounts_root, Poseidon(time, Poseidon(price, index, funding time, price time) per market),
    domain, params digest)."""
    flat = [time]
    for m, mk in enumerate(markets):
        flat.append(lc(poseidon(cs, [mk.price, mk.index, mk.ftime, mk.ptime], f"{name}.market{m}")))
    return lc(poseidon(cs, [accounts_root, poseidon(cs, flat, f"{name}.markets"), domain, LC.constant(p.digest)], name))
