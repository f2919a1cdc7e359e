"""Gadget harnesses: each gadget called at a named site with its inputs as witnesses, and the
statement a witness makes judged by the gadget's native twin (``circuits.native``).

A site builds the call in either mode (values are only read by PROVE-mode closures) and returns
``holds(cs)``: whether what the witness claims is true (an output equals its native value, a range
or a signature the native check accepts).  A witness that satisfies every remaining row while
``holds`` is False is an attack on that gadget.  The mutants of a gadget module are those of all
its sites built together (``CIRCUITS['gadget/<module>']``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from circuits.r1cs import ConstraintSystem, LCLike, LinearCombination, Mode
from tests.mutation.judge import Outcome
from tests.mutation.tamper import HONEST, Tamper, TamperedCS

Holds = Callable[[TamperedCS], bool]
Build = Callable[[ConstraintSystem, dict], Holds]


@dataclass(frozen=True)
class Site:
    module: str  # circuits/gadgets/<module>.py
    name: str  # the rule name of its rows
    build: Build


@dataclass(frozen=True)
class GadgetStatement:
    name: str
    site: Site
    values: dict = field(default_factory=dict)


def inputs(cs: ConstraintSystem, v: dict, *names: str) -> list[LinearCombination]:
    """Witnesses named ``in.<name>`` (outside the site's rule) with the statement's values."""
    return [LinearCombination(cs.new_witness(f"in.{n}", lambda n=n: v[n]).terms()) for n in names]


def value(cs: TamperedCS, x: LCLike) -> int:
    return cs.value(x)


SITES: dict[str, list[Site]] = {}
STATEMENTS: dict[str, GadgetStatement] = {}


def site(module: str, name: str) -> Callable[[Build], Build]:
    """Register a site builder (decorator)."""

    def register(build: Build) -> Build:
        SITES.setdefault(module, []).append(Site(module, name, build))
        return build

    return register


def statement(name: str, module: str, site_name: str, **values: object) -> GadgetStatement:
    s = next(x for x in SITES[module] if x.name == site_name)
    STATEMENTS[name] = GadgetStatement(name, s, values)
    return STATEMENTS[name]


def setup(module: str) -> ConstraintSystem:
    """Every site of a module in one SETUP-mode system (its rows name the module's mutants)."""
    cs = ConstraintSystem(Mode.SETUP)
    for s in SITES[module]:
        s.build(cs, {})
    return cs


def run_gadget(name: str, tamper: Tamper = HONEST) -> Outcome:
    st = STATEMENTS[name]
    cs = TamperedCS(tamper)
    holds = st.site.build(cs, st.values)
    cs.check_fired()
    true = holds(cs)
    why = "the native twin agrees" if true else "the native twin refuses the claim"
    return Outcome(f"gadget/{st.site.module}", name, tamper.label, tuple(cs.unsatisfied()), not true, why)
