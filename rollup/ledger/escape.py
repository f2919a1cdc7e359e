"""The escape hatch, operator-free: what an account may take out of a frozen rollup.

``exit_amount`` is the spec (max(0, value) at the last accepted root's prices, after
funding, in collateral units); ``exit_for`` builds the ExitCircuit witness from a state
anyone can rebuild from L1 data (``rollup.ledger.batch.replay_batch``); proving is
``rollup.pipeline.prove_exit``.
"""

from __future__ import annotations

from dataclasses import dataclass

from circuits.ledger.exit import ExitWitness
from circuits.ledger.state import exit_public_input
from circuits.ledger.witness import LaneWitness
from rollup.ledger import margin
from rollup.ledger.state import LedgerState


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
    witness = ExitWitness(state.tree.root, state.time, state.markets, account, lane, state.domain)
    amount = exit_amount(state, account)
    return Exit(account, amount, exit_public_input(state.root, account, amount), witness)
