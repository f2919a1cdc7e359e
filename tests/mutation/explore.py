"""Try one tamper on one statement and print what fails (a development aid for writing the corpus):

python -m tests.mutation.explore batch valid_withdraw "bump('slot0.a.funding0', 1)"
"""

from __future__ import annotations

import sys

from tests.mutation import tamperers  # the names an expression may use
from tests.mutation.groups import accepted_by
from tests.mutation.ledger_corpus import RUN
from tests.mutation.tamper import HONEST


def main(argv: list[str]) -> None:
    circuit, statement, *expr = argv
    tamper = eval(expr[0], {**vars(tamperers)}) if expr else HONEST
    o = RUN[circuit](statement, tamper)
    print(f"attack={o.attack} ({o.why})  failing={len(o.unsatisfied)}: {list(o.unsatisfied[:8])}")
    print("kills:", sorted(m.label for m in accepted_by(circuit, o.unsatisfied)) if o.attack else "-")


if __name__ == "__main__":
    main(sys.argv[1:])
