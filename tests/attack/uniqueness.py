"""Which witnesses does a satisfying assignment pin down?  A propagation analysis of an R1CS at a point.

Starting from the variables taken as given (the constant one, the public input, and the prover's
genuine inputs: old state, record bits, opened leaves, paths, signatures), a row a·b = c determines
  * its last unknown in c once a·b is known (both sides known, or either known to be 0 here);
  * its unknown in b (or a) when the other side is known and nonzero here and c is known;
  * every bit of a decomposition Σ 2^i·b_i = x (boolean b_i, distinct i < 252, or a strict 254-bit
    decomposition with its alias check) once x is known.
Everything is judged at the assignment's values, so a gate that is 0 at this point pins nothing,
exactly as in the circuit.  Variables left undetermined are dead ends (an inverse under a zero gate)
or places where uniqueness rests on an argument propagation cannot make (a range bound, a one-hot
group); the caller names each such place as a lemma, and anything else left over is a finding.
"""

from __future__ import annotations

from collections import defaultdict

from circuits.field import R
from circuits.r1cs import ConstraintSystem

MAX_UNIQUE_BITS = 252


def _unknowns(row: dict, known: set[int]) -> set[int]:
    return {k for k in row if k not in known}


def _powers_of_two(row: dict) -> bool:
    """Σ c_k·x_k with distinct coefficients 2^i, i < 252: unique over booleans."""
    if 0 in row or len(row) < 2:
        return False
    exps = [v.bit_length() - 1 for v in row.values()]
    exact = all(v == 1 << e for v, e in zip(row.values(), exps))
    return exact and len(set(exps)) == len(exps) and max(exps) < MAX_UNIQUE_BITS


class Propagation:
    def __init__(self, cs: ConstraintSystem) -> None:
        self.m = cs.to_matrices()
        self.z = cs.assignment()
        self.names = [cs.variable_name(i) for i in range(len(self.z))]
        m = self.m
        self.rows_of: dict[int, list[int]] = defaultdict(list)
        for j in range(m.num_constraints):
            for k in set(m.a[j]) | set(m.b[j]) | set(m.c[j]):
                self.rows_of[k].append(j)
        self.boolean = {
            next(iter(m.a[j])) for j in range(m.num_constraints) if m.names[j].endswith(".bit") and len(m.a[j]) == 1
        }
        strict = {n[: -len(".alias.below")] for n in m.names if n.endswith(".alias.below")}
        self.unique_packs = {
            j
            for j, n in enumerate(m.names)
            if m.b[j] == {0: 1} and (_powers_of_two(m.a[j]) or (n.endswith(".pack") and n[:-5] in strict))
        }

    def index(self, name: str) -> int:
        return self.names.index(name)

    def _val(self, row: dict) -> int:
        return sum(v * self.z[k] for k, v in row.items()) % R

    def run(self, given: set[int]) -> set[int]:
        """The variables (indices into z) determined from `given`, the constant and the public inputs."""
        known = set(given) | set(range(1 + self.m.num_inputs))
        queued = set(range(self.m.num_constraints))
        work = list(queued)
        while work:
            j = work.pop()
            queued.discard(j)
            for k in self._determines(j, known):
                known.add(k)
                for jj in self.rows_of[k]:
                    if jj not in queued:
                        queued.add(jj)
                        work.append(jj)
        return known

    def undetermined(self, given: set[int]) -> list[str]:
        known = self.run(given)
        return [self.names[i] for i in range(len(self.z)) if i not in known]

    def _determines(self, j: int, known: set[int]) -> set[int]:
        a, b, c = self.m.a[j], self.m.b[j], self.m.c[j]
        ua, ub, uc = _unknowns(a, known), _unknowns(b, known), _unknowns(c, known)
        product_known = (not ua and not ub) or (not ua and self._val(a) == 0) or (not ub and self._val(b) == 0)
        if product_known:
            return uc if len(uc) == 1 else set()
        if uc:
            return set()
        if not ua and len(ub) == 1 and self._val(a) != 0:
            return ub
        if not ub and len(ua) == 1 and self._val(b) != 0:
            return ua
        if not ub and j in self.unique_packs and ua <= self.boolean:
            return ua
        return set()
