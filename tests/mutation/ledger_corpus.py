"""The ledger circuits' corpus: every statement as the spec's witness, then adversarial witnesses."""

from __future__ import annotations

from tests.mutation import statements as stmts
from tests.mutation.judge import Outcome, run_batch, run_exit
from tests.mutation.runner import Entry
from tests.mutation.tamper import HONEST, Tamper
from tests.mutation.tamperers import repack


def _batch(name: str, tamper: Tamper) -> Outcome:
    st = stmts.batch_statement(name)
    if st is None:
        return Outcome("batch", name, tamper.label, (), False, "not constructible")
    return run_batch(st, tamper)


def _exit(name: str, tamper: Tamper) -> Outcome:
    return run_exit(stmts.exit_statement(name), tamper)


RUN = {"batch": _batch, "exit": _exit}


def entry(circuit: str, statement: str, tamper: Tamper = HONEST) -> Entry:
    return Entry(circuit, statement, tamper, RUN[circuit])


def base_entries() -> list[Entry]:
    """Every statement as the spec's witness (an honest prover of a forced transaction)."""
    return [entry("batch", n) for n in stmts.BATCH] + [entry("exit", n) for n in stmts.EXIT]


def attack_entries() -> list[Entry]:
    """The adversarial witnesses of the ledger circuits."""
    from tests.mutation import (
        exit_attacks,
        hash_attacks,
        ledger_attacks,
        price_attacks,
        record_attacks,
        sha_attacks,
        sig_attacks,
    )

    sha = sha_attacks.attacks()
    pairs = [
        *ledger_attacks.ATTACKS,
        *record_attacks.ATTACKS,
        *price_attacks.attacks(),
        *hash_attacks.poseidon_attacks(),
        *sig_attacks.attacks(),
    ]
    pairs += sha["batch"]
    exits = [*exit_attacks.attacks(), *sha["exit"]]
    return [entry("batch", s, t) for s, t in pairs] + [entry("exit", s, t) for s, t in exits]


def escalations(outcomes: list[Outcome]) -> list[Entry]:
    """For each attack stopped by a decomposition's packing row: the same witness with the bits
    repacked (non-boolean), which the booleanity rows alone must stop."""
    out = []
    for o in outcomes:
        if o.attack and o.tamper == HONEST.label and o.circuit in RUN:
            for row in o.unsatisfied:
                if row.endswith(".pack"):
                    out.append(entry(o.circuit, o.statement, repack(row[: -len(".pack")])))
    return out
