"""The mutation machinery (``make mutate``) on the EdDSA gadget, kept in the default suite so it
cannot rot: a few forgeries that each fail exactly one kind of row of the verifier, the kill
criterion, and the rebuild that confirms a kill."""

from __future__ import annotations

import pytest

from tests.mutation import eddsa_attacks as ea
from tests.mutation import gadget_eddsa
from tests.mutation.gadgets import run_gadget, setup
from tests.mutation.groups import Mutant, accepted_by, mutants, split
from tests.mutation.tamper import HONEST, rebuilt_without

EDDSA = "gadget/eddsa"


def test_row_names_group_into_rules_and_kinds():
    assert split("slot0.a.in_range.bits.b17.bit") == ("slot#.a.in_range", "bits.b#.bit")
    assert split("slot3.overdraft.pack") == ("slot#.overdraft", "pack")
    assert split("eddsa/hm/r12.s0.x5") == ("eddsa", "hm/r#.s#.x5")
    assert split("eddsa/a.dbl2.x2") == ("eddsa", "a.dbl#.x2")  # x2: a kind of row, not an index


def test_every_eddsa_row_kind_is_a_mutant():
    ms = mutants(EDDSA, setup("eddsa").to_matrices().names)
    kinds = {m.kind for m in ms}
    assert None in kinds  # the whole verifier
    assert set(ea.KINDS) <= kinds


def test_the_honest_signature_fails_no_row():
    name, _ = gadget_eddsa.s_pack()  # the statement claims S + 1: the native check refuses it
    honest = run_gadget(name, HONEST)
    assert honest.attack and honest.unsatisfied  # the unmutated verifier stops it


@pytest.mark.parametrize("kind", ["hm.b#.bit", "a.dbl#.y", "sb/acc.x"])
def test_a_forgery_is_stopped_by_one_kind_of_row_only(kind):
    name, tamper = gadget_eddsa._statement(kind)
    out = run_gadget(name, tamper)
    assert out.attack, "eddsa.verify must refuse the forged signature"
    assert out.unsatisfied, "the unmutated verifier must refuse it"
    killed = accepted_by(EDDSA, out.unsatisfied)
    assert Mutant(EDDSA, "eddsa", kind) in killed
    with rebuilt_without(Mutant(EDDSA, "eddsa", kind)):
        again = run_gadget(name, tamper)
    assert again.attack and not again.unsatisfied  # the mutant proves the forgery
