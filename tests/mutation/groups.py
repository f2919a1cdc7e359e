"""The one definition of a mutant: which constraint rows a mutation drops together.

A row name is normalised by collapsing loop indices (bit positions, rounds, levels, steps, markets,
slots) to ``#``; digits that name a kind of row (``x2``/``x4``/``x5`` of an S-box, ``lambda1``,
the Merkle placements ``c1a``..., ``sha256``) are kept.  Then

* the **rule** is the prefix the ledger code (or a gadget harness) names: the first token, or two
  after a context (``slot#.``, ``exit.``, ``opened.``), or three after a slot's lane (``slot#.a.``);
* the **kind** is the rest: one kind of row of the gadget that implements the rule (``b#.bit``,
  ``pack``, ``ha/step#.lambda1``, ``r#.s#.x5``...), or ``""`` for the rule's own row.

A kind mutant drops every row of one (rule, kind); a rule mutant drops every row of the rule (listed
only when the rule has more than one kind, otherwise it is the kind mutant).  A witness whose
unsatisfied rows all fall in one mutant's rows is accepted by that mutant.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

KEEP_DIGITS = frozenset(
    "x2 x4 x5 y2 u2 lambda1 lambda2 a8 p2 p3 b0b1 sha256 c0 c1a c1b c2a c2b c3 e3".split()
)  # kinds of rows, not loop indices
CONTEXTS = {"slot#": 2, "exit": 2, "opened": 2}  # tokens that open a rule of two tokens
LANES = ("a", "b")  # slot#.a.X: a rule of three tokens
_TOKEN = re.compile(r"[^./]+")
ROW = ""  # the kind of a rule's own row


def normalise(name: str) -> str:
    """The row name with loop indices collapsed to ``#``."""
    return _TOKEN.sub(lambda m: m[0] if m[0] in KEEP_DIGITS else re.sub(r"\d+", "#", m[0]), name)


def _rule_tokens(tokens: list[str]) -> int:
    if tokens[0] == "slot#" and len(tokens) > 2 and tokens[1] in LANES:
        return 3
    return CONTEXTS.get(tokens[0], 1)


def split(name: str) -> tuple[str, str]:
    """(rule, kind) of a row name."""
    norm = normalise(name)
    tokens = list(_TOKEN.finditer(norm))
    n = min(_rule_tokens([t[0] for t in tokens]), len(tokens))
    cut = tokens[n - 1].end()
    return norm[:cut], norm[cut + 1 :]


@dataclass(frozen=True)
class Mutant:
    """Drop every row of (rule, kind); kind None drops the whole rule."""

    circuit: str
    rule: str
    kind: str | None

    @property
    def label(self) -> str:
        if self.kind is None:
            return f"{self.rule} [all]"
        return f"{self.rule} [{self.kind or 'row'}]"

    def drops(self, name: str) -> bool:
        rule, kind = split(name)
        return rule == self.rule and (self.kind is None or kind == self.kind)


def mutants(circuit: str, names: Iterable[str]) -> dict[Mutant, int]:
    """Every mutant of a circuit with its number of dropped rows, from the row names."""
    kinds: dict[tuple[str, str], int] = defaultdict(int)
    for n in names:
        kinds[split(n)] += 1
    out = {Mutant(circuit, r, k): c for (r, k), c in kinds.items()}
    per_rule: dict[str, list[int]] = defaultdict(list)
    for (r, _), c in kinds.items():
        per_rule[r].append(c)
    for r, counts in per_rule.items():
        if len(counts) > 1:
            out[Mutant(circuit, r, None)] = sum(counts)
    return dict(sorted(out.items(), key=lambda kv: (kv[0].rule, kv[0].kind is not None, kv[0].kind or "")))


def accepted_by(circuit: str, unsatisfied: Iterable[str]) -> set[Mutant]:
    """The mutants that accept a witness failing exactly these rows (none if it fails no row:
    then the circuit itself accepts it)."""
    pairs = {split(n) for n in unsatisfied}
    if not pairs:
        return set()
    rules = {r for r, _ in pairs}
    out = set()
    if len(pairs) == 1:
        ((r, k),) = pairs
        out.add(Mutant(circuit, r, k))
    if len(rules) == 1:
        out.add(Mutant(circuit, next(iter(rules)), None))
    return out
