"""The escape hatch, operator-free: what an account may take out of a frozen rollup.

``exit_amount`` is the spec (max(0, value) at the last accepted root's prices, after
funding, in collateral units); ``prove_exit`` builds the ExitCircuit witness from a
state anyone can rebuild from L1 data (``rollup.batch.replay_batch``) and proves it.
"""

from __future__ import annotations

from dataclasses import dataclass

from circuits.examples import synthesize
from circuits.ledger.exit import ExitCircuit, ExitWitness
from circuits.ledger.params import LedgerParams
from circuits.ledger.state import exit_public_input
from circuits.ledger.witness import LaneWitness
from circuits.r1cs import Mode
from prover.keys import ProvingKey
from prover.prove import create_proof
from prover.setup import setup
from rollup import margin
from rollup.state import LedgerState
from verifier.types import Proof


@dataclass(frozen=True)
class Exit:
    account: int
    amount: int
    public_input: int
    witness: ExitWitness


def exit_amount(state: LedgerState, account: int) -> int:
    acct, exists = state.account_or_empty(account)
    if not exists:
        return 0
    settled = margin.settle_funding(acct, state.markets)
    return max(0, margin.value_scaled(state.params, settled, state.markets)) // state.params.scale_lcm


def exit_for(state: LedgerState, account: int) -> Exit:
    acct, exists = state.account_or_empty(account)
    lane = LaneWitness(exists, acct, state.path(account).siblings)
    witness = ExitWitness(state.tree.root, state.time, state.markets, account, lane)
    amount = exit_amount(state, account)
    return Exit(account, amount, exit_public_input(state.root, account, amount), witness)


def setup_exit(params: LedgerParams, *, quiet: bool = False) -> ProvingKey:
    return setup(synthesize(ExitCircuit(params), Mode.SETUP).to_matrices(), quiet=quiet)


def prove_exit(pk: ProvingKey, params: LedgerParams, ex: Exit) -> Proof:
    cs = synthesize(ExitCircuit(params, ex.witness, ex.public_input))
    return create_proof(pk, cs.to_matrices(), cs.assignment())
