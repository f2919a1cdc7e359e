"""The mutation machinery (``make mutate``) kept in the default suite so it cannot rot: a few EdDSA
forgeries that each fail exactly one kind of row of the verifier (one with two free products), the
kill criterion, the rebuild that confirms a kill, and an exit whose data binding commits to another
amount."""

from __future__ import annotations

import pytest

from tests.mutation import eddsa_attacks as ea
from tests.mutation import gadget_eddsa, sha_attacks
from tests.mutation.gadgets import run_gadget, setup
from tests.mutation.groups import Mutant, accepted_by, mutants, split
from tests.mutation.judge import run_exit
from tests.mutation.statements import exit_statement
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


def test_the_unmutated_verifier_refuses_a_wrong_s():
    name, _ = gadget_eddsa.s_pack()  # the statement claims S + 1: the native check refuses it
    honest = run_gadget(name, HONEST)
    assert honest.attack and honest.unsatisfied  # the unmutated verifier stops it


@pytest.mark.parametrize("kind", ["hm.b#.bit", "a.dbl#.y", "sb/add#.tau"])
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


def test_an_exit_committing_to_another_amount_fails_only_the_final_sha_sums():
    name, tamper = sha_attacks.other_exit_amount("exit_1", 1)
    out = run_exit(exit_statement(name), tamper)
    assert out.attack
    assert out.unsatisfied and all(".h" in r and r.endswith(".sum") for r in out.unsatisfied)
    assert Mutant("exit", "public_data", "sha256/b#.h#.sum") in accepted_by("exit", out.unsatisfied)
