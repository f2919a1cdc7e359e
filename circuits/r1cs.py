"""Rank-1 constraint systems: variables, linear combinations, and a two-mode builder.

A constraint is ``<a, z> * <b, z> = <c, z>`` over Fr, where the assignment is
``z = [1, public inputs..., private witnesses...]``.  Circuits are written once
against :class:`ConstraintSystem`; SETUP mode records the matrices only and never
calls a value closure, PROVE mode also records the assignment.
"""

from __future__ import annotations

import enum
import functools
import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import gmpy2

from circuits.errors import AssignmentMissing, SynthesisError, WitnessMismatch
from circuits.field import R

# Variable keys: public input i -> 2*i (the constant one is input 0), witness j -> 2*j + 1.
ONE_KEY = 0

Terms = dict[int, int]


class Mode(enum.Enum):
    SETUP = "setup"  # matrices only
    PROVE = "prove"  # matrices and assignment


class _Arith:
    """Operators shared by Variable and LinearCombination (both map to Terms)."""

    __slots__ = ()

    def terms(self) -> Terms:
        raise TypeError("abstract")

    def __add__(self, other: LCLike) -> LinearCombination:
        return LinearCombination._clean(_add(self.terms(), as_terms(other), 1))

    __radd__ = __add__

    def __sub__(self, other: LCLike) -> LinearCombination:
        return LinearCombination._clean(_add(self.terms(), as_terms(other), R - 1))

    def __rsub__(self, other: LCLike) -> LinearCombination:
        return LinearCombination._clean(_add(as_terms(other), self.terms(), R - 1))

    def __neg__(self) -> LinearCombination:
        return LinearCombination._clean({k: R - v for k, v in self.terms().items()})

    def __mul__(self, scalar: int) -> LinearCombination:
        if not isinstance(scalar, int):
            raise SynthesisError("a linear combination can only be scaled by a constant")
        s = scalar % R
        if s == 0:
            return LinearCombination({})
        return LinearCombination._clean({k: v * s % R for k, v in self.terms().items()})

    __rmul__ = __mul__


@dataclass(frozen=True, slots=True)
class Variable(_Arith):
    """A wire of the constraint system, identified by its key (see ONE_KEY)."""

    key: int

    @property
    def is_public(self) -> bool:
        return self.key % 2 == 0

    def terms(self) -> Terms:
        return {self.key: 1}


class LinearCombination(_Arith):
    """A sparse sum of coefficient * variable; coefficients are reduced mod r, zeros dropped."""

    __slots__ = ("_terms",)

    def __init__(self, terms: Terms | None = None) -> None:
        self._terms = {k: v for k, v in (terms or {}).items() if v % R}

    @classmethod
    def _clean(cls, terms: Terms) -> LinearCombination:
        """From terms already reduced mod r with no zero coefficients (no copy, no filter)."""
        out = cls.__new__(cls)
        out._terms = terms
        return out

    def terms(self) -> Terms:
        return self._terms

    @classmethod
    def constant(cls, value: int) -> LinearCombination:
        return cls({ONE_KEY: value % R})

    def constant_value(self) -> int | None:
        """The value if this is a constant (no variable terms), else None; structural, so
        SETUP and PROVE modes agree."""
        if not self._terms:
            return 0
        return self._terms[ONE_KEY] if self._terms.keys() == {ONE_KEY} else None

    def __repr__(self) -> str:
        return f"LinearCombination({self._terms})"


LCLike = Variable | LinearCombination | int


def as_terms(x: LCLike) -> Terms:
    """Terms of a variable, a linear combination, or a constant (a multiple of ONE)."""
    if isinstance(x, _Arith):
        return x.terms()
    if isinstance(x, int):
        return {ONE_KEY: x % R} if x % R else {}
    raise SynthesisError(f"not a linear combination: {type(x).__name__}")


def _add(left: Terms, right: Terms, scale: int) -> Terms:
    out = dict(left)
    for k, v in right.items():
        s = (out.get(k, 0) + scale * v) % R
        if s:
            out[k] = s
        else:
            out.pop(k, None)
    return out


@dataclass(frozen=True)
class R1CSMatrices:
    """Sparse matrices A, B, C with rows keyed by z index, plus constraint names.

    ``num_inputs`` counts public inputs without the constant one, so
    ``len(z) == 1 + num_inputs + num_aux``.
    """

    num_inputs: int
    num_aux: int
    a: list[Terms]
    b: list[Terms]
    c: list[Terms]
    names: list[str]

    @property
    def num_constraints(self) -> int:
        return len(self.a)

    @property
    def num_variables(self) -> int:
        return 1 + self.num_inputs + self.num_aux

    def row_values(self, z: list[int], modulus: int = R) -> tuple[list[int], list[int], list[int]]:
        """<A_j, z>, <B_j, z>, <C_j, z> for every row j (shared by the check and the witness map)."""
        p = gmpy2.mpz(modulus)
        zm = [gmpy2.mpz(v) for v in z]
        a, b, c = (
            [int(sum(v * zm[k] for k, v in row.items()) % p) for row in rows] for rows in (self.a, self.b, self.c)
        )
        return a, b, c

    def which_is_unsatisfied(self, z: list[int]) -> str | None:
        """Name of the first constraint that z violates, or None when all hold."""
        self.check_assignment(z)
        return self.first_unsatisfied(self.row_values(z))

    def first_unsatisfied(self, rows: tuple[list[int], list[int], list[int]]) -> str | None:
        """Name of the first row with a·b ≠ c among precomputed row values, or None."""
        failing = self.all_unsatisfied(rows, first=True)
        return failing[0] if failing else None

    def all_unsatisfied(self, rows: tuple[list[int], list[int], list[int]], first: bool = False) -> list[str]:
        """Names of the rows with a·b ≠ c, in row order (only the first with first=True)."""
        out = []
        for j, (x, y, w) in enumerate(zip(*rows)):
            if x * y % R != w:
                out.append(self.names[j])
                if first:
                    break
        return out

    def is_satisfied(self, z: list[int]) -> bool:
        return self.which_is_unsatisfied(z) is None

    def check_assignment(self, z: list[int]) -> None:
        """Raise WitnessMismatch unless z has the right length, z[0] == 1, entries in [0, r)."""
        if len(z) != self.num_variables:
            raise WitnessMismatch(f"assignment has {len(z)} values, circuit has {self.num_variables}")
        if z[0] != 1:
            raise WitnessMismatch("assignment must start with the constant 1")
        if any(not 0 <= v < R for v in z):
            raise WitnessMismatch("assignment value outside [0, r)")

    @functools.cached_property
    def digest(self) -> str:
        """SHA-256 of a canonical encoding: binds keys to exactly this circuit (computed once)."""
        h = hashlib.sha256()
        h.update(f"{self.num_inputs},{self.num_aux},{self.num_constraints};".encode())
        for row in (*self.a, *self.b, *self.c):
            for k in sorted(row):
                h.update(k.to_bytes(4, "little") + row[k].to_bytes(32, "little"))
            h.update(b"|")
        return h.hexdigest()


class ConstraintSystem:
    """Collects constraints (and in PROVE mode the assignment) from one circuit code path.

    ``record_constraints=False`` (PROVE mode only) computes the assignment and nothing
    else: ``enforce`` returns at once.  With the matrices built once (SETUP mode) and
    kept with the key, this is the per-proof witness generation: the same code path,
    so the same variable order, without storing a linear combination per constraint.
    The prover's satisfaction check against the kept matrices still names any
    constraint the values break.
    """

    def __init__(self, mode: Mode = Mode.PROVE, *, record_constraints: bool = True) -> None:
        if mode is Mode.SETUP and not record_constraints:
            raise SynthesisError("SETUP mode records constraints and nothing else")
        self.mode = mode
        self.record_constraints = record_constraints
        self._a: list[Terms] = []
        self._b: list[Terms] = []
        self._c: list[Terms] = []
        self._names: list[str] = []
        self._input_names = ["one"]
        self._aux_names: list[str] = []
        self._input_values = [1]
        self._aux_values: list[int] = []
        self._prefix: list[str] = []

    # allocation -----------------------------------------------------------
    def one(self) -> Variable:
        return Variable(ONE_KEY)

    def new_input(self, name: str, value: Callable[[], int] | None = None) -> Variable:
        """Allocate a public input; its position in z is its allocation order."""
        self._record(self._input_values, name, value)
        self._input_names.append(self._full(name))
        return Variable(2 * (len(self._input_names) - 1))

    def new_witness(self, name: str, value: Callable[[], int] | None = None) -> Variable:
        """Allocate a private witness variable."""
        self._record(self._aux_values, name, value)
        self._aux_names.append(self._full(name))
        return Variable(2 * (len(self._aux_names) - 1) + 1)

    def _record(self, values: list[int], name: str, value: Callable[[], int] | None) -> None:
        if self.mode is Mode.SETUP:
            return
        if value is None:
            raise AssignmentMissing(f"{self._full(name)}: no value closure in PROVE mode")
        try:
            v = value()
        except SynthesisError:
            raise
        except Exception as exc:  # a closure failing is a synthesis error, not a crash
            raise SynthesisError(f"{self._full(name)}: value closure failed: {exc!r}") from exc
        if not isinstance(v, int):
            raise AssignmentMissing(f"{self._full(name)}: closure returned {type(v).__name__}, not int")
        values.append(v % R)

    # constraints ----------------------------------------------------------
    def enforce(self, a: LCLike, b: LCLike, c: LCLike, name: str) -> None:
        """Add the constraint a * b = c under the current namespace."""
        if not self.record_constraints:
            return
        self._a.append(as_terms(a))
        self._b.append(as_terms(b))
        self._c.append(as_terms(c))
        self._names.append(self._full(name))

    @contextmanager
    def namespace(self, name: str) -> Iterator[None]:
        self._prefix.append(name)
        try:
            yield
        finally:
            self._prefix.pop()

    def _full(self, name: str) -> str:
        return "/".join([*self._prefix, name])

    # values ---------------------------------------------------------------
    def value(self, x: LCLike) -> int:
        """Evaluate a variable or linear combination (PROVE mode only)."""
        if self.mode is Mode.SETUP:
            raise AssignmentMissing("values are not available in SETUP mode")
        total = 0
        for k, v in as_terms(x).items():
            src = self._input_values if k % 2 == 0 else self._aux_values
            total += v * src[k // 2]
        return total % R

    @property
    def num_constraints(self) -> int:
        return len(self._names)

    @property
    def num_inputs(self) -> int:
        return len(self._input_names) - 1

    @property
    def num_aux(self) -> int:
        return len(self._aux_names)

    def variable_name(self, z_index: int) -> str:
        n_pub = len(self._input_names)
        return self._input_names[z_index] if z_index < n_pub else self._aux_names[z_index - n_pub]

    def to_matrices(self) -> R1CSMatrices:
        if not self.record_constraints:
            raise SynthesisError("this system computed the assignment only (record_constraints=False)")
        n_pub = len(self._input_names)

        def remap(row: Terms) -> Terms:
            return {(k // 2 if k % 2 == 0 else n_pub + k // 2): v for k, v in row.items()}

        return R1CSMatrices(
            num_inputs=n_pub - 1,
            num_aux=len(self._aux_names),
            a=[remap(r) for r in self._a],
            b=[remap(r) for r in self._b],
            c=[remap(r) for r in self._c],
            names=list(self._names),
        )

    def assignment(self) -> list[int]:
        """z = [1, public..., private...] (PROVE mode only)."""
        if self.mode is Mode.SETUP:
            raise AssignmentMissing("no assignment in SETUP mode")
        return [*self._input_values, *self._aux_values]

    def public_inputs(self) -> list[int]:
        if self.mode is Mode.SETUP:
            raise AssignmentMissing("no assignment in SETUP mode")
        return self._input_values[1:]

    def which_is_unsatisfied(self) -> str | None:
        return self.to_matrices().which_is_unsatisfied(self.assignment())

    def unsatisfied(self) -> list[str]:
        """Every violated constraint, in order (soundness tests name each check that stops a witness)."""
        m, z = self.to_matrices(), self.assignment()
        m.check_assignment(z)
        return m.all_unsatisfied(m.row_values(z))

    def is_satisfied(self) -> bool:
        return self.which_is_unsatisfied() is None
