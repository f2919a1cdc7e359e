"""What-if synthesis: an attacker's assignment, not the spec's.

``WhatIf`` is a PROVE-mode constraint system in which chosen witnesses take the attacker's values
(a function of the honest value) and every witness allocated after them is computed from them by
the circuit's own closures, so the rest of the assignment follows the lie as far as the circuit's
arithmetic allows.  ``unsatisfied`` then lists what still fails.  With ``follow_commitment`` the
public input is set to what the forged assignment commits to (the attacker posts whatever new root
and data the forgery implies), so only the ledger rules themselves can refuse it.
"""

from __future__ import annotations

from collections.abc import Callable

from circuits.field import R
from circuits.r1cs import ConstraintSystem, Mode

Override = Callable[[int], int]


class WhatIf(ConstraintSystem):
    def __init__(self, overrides: dict[str, Override]) -> None:
        super().__init__(Mode.PROVE)
        self.overrides, self.changed = overrides, set()

    def new_witness(self, name: str, value: Callable[[], int] | None = None):
        full = self._full(name)
        if full in self.overrides and value is not None:
            value = self._forged(full, value)
        return super().new_witness(name, value)

    def _forged(self, full: str, honest: Callable[[], int]) -> Callable[[], int]:
        def forged() -> int:
            h = honest() % R
            v = self.overrides[full](h) % R
            if v != h:
                self.changed.add(full)
            return v

        return forged


def unsatisfied(circuit: object, overrides: dict[str, Override], follow_commitment: bool = True) -> list[str]:
    """Every constraint the forged assignment violates (the overrides must all name witnesses)."""
    cs = WhatIf(overrides)
    circuit.generate_constraints(cs)  # type: ignore[attr-defined]
    unchanged = set(overrides) - cs.changed
    if unchanged:
        raise KeyError(f"not witnesses, or forged to their honest values: {sorted(unchanged)}")
    m, z = cs.to_matrices(), cs.assignment()
    if follow_commitment:
        j = m.names.index("commitment")
        z[1] = sum(v * z[k] for k, v in m.a[j].items()) % R
    return m.all_unsatisfied(m.row_values(z))


def const(v: int) -> Override:
    return lambda _honest: v % R


def plus(d: int) -> Override:
    return lambda honest: (honest + d) % R
