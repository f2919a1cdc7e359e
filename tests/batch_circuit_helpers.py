"""Running batches through the native spec and the circuit, and forcing invalid ones."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from circuits.errors import RangeError
from circuits.examples import synthesize
from circuits.ledger.circuit import BatchCircuit
from circuits.ledger.state import header, public_input
from circuits.r1cs import ConstraintSystem
from rollup import errors as err
from rollup.ledger import transition
from rollup.ledger.batch import BatchResult, process_batch
from rollup.ledger.state import LedgerState
from rollup.ledger.types import Transaction


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


def force_through(start: LedgerState, tx: Transaction) -> tuple[BatchResult | None, list[type]]:
    """Switch off the rules the spec raises for tx, one by one, until it builds a one-slot batch;
    (None, rules) when a refusal does not go through the rule hook or the record cannot be encoded."""
    off: list[type] = []
    while True:
        try:
            with forced(*off):
                return process_batch(start, [tx]), off
        except err.InvalidTransaction as exc:
            if type(exc) in off:  # raised outside the rule hook: not forceable
                return None, off
            off.append(type(exc))
        except (RangeError, err.BatchDataError):  # the record cannot even be encoded
            return None, off


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
