"""Adversarial provers: change named witness values the way a cheating prover would.

Witness values come from closures, so a changed value flows into every later value computed from
it, exactly as in a prover that chose it.  A ``Tamper`` has

* overrides: full witness name -> f(cs, honest value) -> value, applied when the witness is allocated;
* hooks: full row name -> h(cs, a, b, c), run right after that row is added; a hook may change
  witnesses allocated before it (``cs.set``), before any later value reads them (a decomposition's
  bits can be rewritten at its ``.pack`` row with the packed value at hand);
* claims: values the prover claims on L1 instead of what the circuit computes (``new_root``).

Dropping constraints never changes values, so a tampered witness is one assignment whose failing
rows decide which mutants accept it (``tests.mutation.groups``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from circuits.field import R
from circuits.gadgets import poseidon as poseidon_gadget
from circuits.gadgets.binding import sha256_commitment
from circuits.ledger import circuit as batch_circuit
from circuits.ledger import exit as exit_circuit
from circuits.native import binding as native_binding
from circuits.native import poseidon as native_poseidon
from circuits.poseidon_constants import poseidon_params
from circuits.r1cs import ConstraintSystem, LCLike, LinearCombination, Mode, Variable
from tests.mutation.groups import Mutant

Override = Callable[["TamperedCS", int], int]
Hook = Callable[["TamperedCS", LCLike, LCLike, LCLike], None]


class TamperError(Exception):
    """A tamper that does not fit the circuit (a name that never occurs, a value it cannot reach)."""


HONEST_LABEL = "honest"


@dataclass(frozen=True)
class Tamper:
    label: str = HONEST_LABEL
    overrides: dict[str, Override] = field(default_factory=dict)
    hooks: dict[str, Hook] = field(default_factory=dict)
    claims: dict[str, object] = field(default_factory=dict)  # values, or functions of nothing

    def __add__(self, other: Tamper) -> Tamper:
        clash = (self.overrides.keys() & other.overrides.keys()) | (self.hooks.keys() & other.hooks.keys())
        if clash:
            raise TamperError(f"tampers {self.label} and {other.label} both change {sorted(clash)[:3]}")
        labels = [t.label for t in (self, other) if t.label != HONEST_LABEL]
        label = " + ".join(labels) or HONEST_LABEL
        return Tamper(
            label,
            {**self.overrides, **other.overrides},
            {**self.hooks, **other.hooks},
            {**self.claims, **other.claims},
        )


HONEST = Tamper()
DROPPED: Mutant | None = None  # set by ``rebuilt_without``: the mutant whose rows enforce leaves out
SHA_USERS = (batch_circuit, exit_circuit)  # modules whose data binding may run natively
_GADGET_PERMUTATION = poseidon_gadget.poseidon_permutation


class TamperedCS(ConstraintSystem):
    """A PROVE-mode system that applies a Tamper and can read witnesses by full name."""

    def __init__(self, tamper: Tamper = HONEST) -> None:
        super().__init__(Mode.PROVE)
        self.tamper = tamper
        self.position: dict[str, int] = {}
        self.fired: set[str] = set()
        self.exact: tuple[str, ...] = ()  # name prefixes always synthesized in full
        self.row: tuple[LCLike, LCLike, LCLike] = (0, 0, 0)  # the row a hook runs at

    def new_witness(self, name: str, value: Callable[[], int] | None = None) -> Variable:
        full = self._full(name)
        override = self.tamper.overrides.get(full)
        if override is not None:
            honest = value

            def value() -> int:
                self.fired.add(full)
                return override(self, honest() % R) % R

        var = super().new_witness(name, value)
        self.position[full] = var.key // 2
        return var

    def enforce(self, a: LCLike, b: LCLike, c: LCLike, name: str) -> None:
        full = self._full(name)
        if DROPPED is None or not DROPPED.drops(full):  # a rebuilt mutant leaves its rows out
            super().enforce(a, b, c, name)
        hook = self.tamper.hooks.get(full)
        if hook is not None:
            self.fired.add(full)
            self.row = (a, b, c)
            hook(self, a, b, c)

    def namespace_prefix(self) -> str:
        return self._full("")[:-1]

    def reaches(self, prefix: str) -> bool:
        """Whether the tamper changes a witness or hooks a row under this name prefix."""
        return any(n.startswith(prefix) for n in (*self.tamper.overrides, *self.tamper.hooks, *self.exact))

    def get(self, name: str) -> int:
        """The current value of a witness by full name."""
        if name not in self.position:
            raise TamperError(f"no witness {name!r} (yet)")
        return self._aux_values[self.position[name]]

    def has(self, name: str) -> bool:
        return name in self.position

    def set(self, name: str, value: int) -> None:
        """Change an allocated witness (from a hook, before later values read it)."""
        self.get(name)
        self._aux_values[self.position[name]] = value % R

    def set_public(self, index: int, value: int) -> None:
        """Public input ``index`` (1-based, after the constant one): the value the verifier uses."""
        self._input_values[index] = value % R

    def check_fired(self) -> None:
        """Every override and hook of the tamper must have applied (else the tamper names nothing)."""
        missing = (self.tamper.overrides.keys() | self.tamper.hooks.keys()) - self.fired
        if missing:
            raise TamperError(f"{self.tamper.label}: never applied to {sorted(missing)[:4]}")


def _native_commitment(cs: ConstraintSystem, bits: list[LinearCombination], name: str) -> LinearCombination:
    """SHA-256(data) mod 2^253 computed natively when every message bit is boolean: then every row
    of the gadget holds (each is computed by its own closure) and its digest is the native one, so
    leaving the rows out changes no verdict.  Otherwise the gadget itself."""
    values = [cs.value(b) for b in bits]
    if any(v not in (0, 1) for v in values):
        return sha256_commitment(cs, bits, name)
    data = int("".join(map(str, values)), 2).to_bytes(len(values) // 8, "big")
    return LinearCombination.constant(native_binding.sha256_commitment(data))


@contextmanager
def _sha_shortcut(enabled: bool) -> Iterator[None]:
    saved = [(m, m.sha256_commitment) for m in SHA_USERS]
    if enabled:
        for m, _ in saved:
            m.sha256_commitment = _native_commitment
    try:
        yield
    finally:
        for m, f in saved:
            m.sha256_commitment = f


def _native_permutation(cs: ConstraintSystem, state: list[LCLike]) -> list[LinearCombination]:
    """A Poseidon permutation the tamper does not reach into: its output as one witness ``out``
    with the native value.  Every row of an untouched permutation holds (each is computed by its own
    closure) and its output is the native one, so leaving them out changes no verdict."""
    if not isinstance(cs, TamperedCS) or cs.reaches(cs.namespace_prefix()):
        return _GADGET_PERMUTATION(cs, state)
    values = [cs.value(v) for v in state]
    out = cs.new_witness("out", lambda: native_poseidon.poseidon_permutation(values)[0])
    return [LinearCombination(out.terms())] + [LinearCombination({})] * (len(state) - 1)


@contextmanager
def _shortcuts(sha: bool) -> Iterator[None]:
    saved = [(m, "sha256_commitment", m.sha256_commitment) for m in SHA_USERS]
    saved.append((poseidon_gadget, "poseidon_permutation", poseidon_gadget.poseidon_permutation))
    for m, attr, _ in saved:
        if attr != "sha256_commitment" or sha:
            setattr(m, attr, _native_commitment if attr == "sha256_commitment" else _native_permutation)
    try:
        yield
    finally:
        for m, attr, f in saved:
            setattr(m, attr, f)


@contextmanager
def rebuilt_without(mutant: Mutant) -> Iterator[None]:
    """Circuits built inside leave out every row the mutant drops (values are still computed and
    hooks still run: the prover's computation does not depend on the constraints)."""
    global DROPPED
    DROPPED = mutant
    try:
        yield
    finally:
        DROPPED = None


def synthesize_tampered(circuit: object, tamper: Tamper = HONEST) -> TamperedCS:
    """The circuit's witness under the tamper.  Hashes the tamper does not reach into are computed
    natively (``_native_commitment``, ``_native_permutation``): the same verdicts, 3x faster."""
    cs = TamperedCS(tamper)
    with _shortcuts(sha=not cs.reaches("public_data")):
        circuit.generate_constraints(cs)  # type: ignore[attr-defined]
    cs.check_fired()
    return cs


# ---- reading gadget internals ----------------------------------------------------------------


def bit_names(cs: TamperedCS, prefix: str) -> list[str]:
    """The bit witnesses ``prefix.b0, prefix.b1, ...`` of a decomposition, in order."""
    out = []
    while cs.has(f"{prefix}.b{len(out)}"):
        out.append(f"{prefix}.b{len(out)}")
    if not out:
        raise TamperError(f"no decomposition {prefix!r}")
    return out


def bits_value(cs: TamperedCS, prefix: str) -> int | None:
    """Σ b_i 2^i of a decomposition if every bit is boolean, else None."""
    total = 0
    for i, n in enumerate(bit_names(cs, prefix)):
        v = cs.get(n)
        if v not in (0, 1):
            return None
        total |= v << i
    return total


def poseidon_last_round(width: int) -> int:
    p = poseidon_params(width)
    return p.full_rounds + p.partial_rounds - 1


def poseidon_output(cs: TamperedCS, prefix: str, n_inputs: int) -> int:
    """The Poseidon output under ``prefix`` from its last round's S-box outputs (MDS row 0)."""
    if cs.has(f"{prefix}/out"):
        return cs.get(f"{prefix}/out")
    p = poseidon_params(n_inputs + 1)
    last = poseidon_last_round(p.t)
    return sum(m * cs.get(f"{prefix}/r{last}.s{j}.x5") for j, m in enumerate(p.mds[0])) % R
