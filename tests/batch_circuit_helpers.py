"""Running batches through the native spec and the circuit, and forcing invalid ones."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from circuits.examples import synthesize
from circuits.ledger.circuit import BatchCircuit
from circuits.ledger.state import header, public_input
from circuits.r1cs import ConstraintSystem
from rollup.ledger import transition
from rollup.ledger.batch import BatchResult, process_batch
from rollup.ledger.state import LedgerState


def prove_mode(res: BatchResult, params, public: int | None = None) -> ConstraintSystem:
    return synthesize(BatchCircuit(params, res.witness, res.public_input if public is None else public))


@contextmanager
def forced(*errors: type) -> Iterator[None]:
    """Switch the named native rules off, so the spec builds a witness for an invalid transaction."""
    original = transition._require

    def lax(ok: bool, error: type, msg: str) -> None:
        if error not in errors:
            original(ok, error, msg)

    transition._require = lax
    try:
        yield
    finally:
        transition._require = original


def public_with_queue_head(res: BatchResult, queue_after: int) -> int:
    """The public input the contract computes when its queue head differs from the batch's."""
    return public_input(header(res.old_root, res.new_root, res.queue_before, queue_after), res.data)


def refused_by_both(start: LedgerState, tx, error: type, params) -> str | None:
    """The spec refuses tx with `error`; forced past that rule, the first constraint the circuit fails."""
    with pytest.raises(error):
        process_batch(start, [tx])
    with forced(error):
        res = process_batch(start, [tx])
    return prove_mode(res, params).which_is_unsatisfied()
