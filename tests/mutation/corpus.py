"""The circuits under test and the whole corpus: what ``make mutate`` runs.

A circuit under test names its mutants (from its rows in SETUP mode); the corpus is every
statement as the spec's witness (``base``), the adversarial witnesses, and (after a first pass) the
escalations of ``ledger_corpus.escalations``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from circuits.examples import synthesize
from circuits.ledger.circuit import BatchCircuit
from circuits.ledger.exit import ExitCircuit
from circuits.r1cs import ConstraintSystem, Mode
from tests.mutation import gadget_eddsa, gadgets, ledger_corpus
from tests.mutation.groups import Mutant, mutants
from tests.mutation.judge import Outcome
from tests.mutation.runner import Entry
from tests.mutation.statements import SMALL


@dataclass(frozen=True)
class UnderTest:
    name: str
    describe: str
    setup: Callable[[], ConstraintSystem]  # the circuit in SETUP mode

    def rows(self) -> list[str]:
        return _rows(self.name)

    def mutants(self) -> dict[Mutant, int]:
        return mutants(self.name, self.rows())


def _setup(circuit: object) -> Callable[[], ConstraintSystem]:
    return lambda: synthesize(circuit, Mode.SETUP)


CIRCUITS: dict[str, UnderTest] = {
    "batch": UnderTest("batch", "BatchCircuit(LedgerParams(depth=2, batch_size=1))", _setup(BatchCircuit(SMALL))),
    "exit": UnderTest("exit", "ExitCircuit(LedgerParams(depth=2, batch_size=1))", _setup(ExitCircuit(SMALL))),
    "gadget/eddsa": UnderTest("gadget/eddsa", "verify_eddsa_poseidon at one site", lambda: gadgets.setup("eddsa")),
}


@functools.cache
def _rows(name: str) -> list[str]:
    return list(CIRCUITS[name].setup().to_matrices().names)


def _gadget_entries() -> list[Entry]:
    return [Entry("gadget/eddsa", n, t, gadgets.run_gadget) for n, t in gadget_eddsa.attacks()]


def all_entries() -> list[Entry]:
    return ledger_corpus.base_entries() + ledger_corpus.attack_entries() + _gadget_entries()


def escalations(outcomes: list[Outcome]) -> list[Entry]:
    return ledger_corpus.escalations(outcomes)
